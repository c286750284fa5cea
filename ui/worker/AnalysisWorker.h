// The analysis service on a worker thread: requests arrive as queued slot calls,
// results and progress leave as signals. Never called with a blocking connection.
#pragma once

#include "analysis/AnalysisService.h"
#include "ui/worker/JobTicket.h"
#include "ui/worker/LibraryEntry.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace lv::ui {

using SessionList = std::vector<analysis::SessionInfo>;
using MessageList = std::vector<analysis::Message>;
using ModelList = std::vector<analysis::ModelInfo>;
using PassageList = std::vector<analysis::Passage>;

// Builds the service for a configuration; injected so that the worker never reaches
// for a global and so that each worker thread owns its own instance.
using ServiceFactory =
    std::function<std::unique_ptr<analysis::AnalysisService>(const analysis::ServiceConfig&)>;

class AnalysisWorker : public QObject {
    Q_OBJECT
public:
    explicit AnalysisWorker(ServiceFactory factory, QObject* parent = nullptr);
    ~AnalysisWorker() override;

public slots:
    // (Re)creates the service. When the model cannot be opened the service is
    // created without one (extractive mode) and configurationFailed says why.
    void configure(const lv::analysis::ServiceConfig& config);

    void runIngest(const lv::ui::JobTicket& job, const QString& path, const QString& password);
    void runSummarize(const lv::ui::JobTicket& job, qint64 documentId);
    void runAsk(const lv::ui::JobTicket& job, qint64 documentId, const QString& question,
                qint64 sessionId);

    void removeDocument(qint64 documentId);
    void listDocuments();
    void listSessions(qint64 documentId); // 0: every document
    void listMessages(qint64 sessionId);
    void loadStoredSummary(qint64 documentId);
    void listModels();
    // Both are remembered by the service (in the library), so the CLI sees them too.
    void setModelsFolder(const QString& folder);
    void chooseModel(const QString& modelPath); // empty: no model (extractive)
    void searchPassages(quint64 requestId, const QString& query, qint64 documentId, int limit);

signals:
    void configured(const QString& databasePath, bool hasModel);
    // libraryUnavailable: no service at all (its library could not be opened), else
    // the model failed and the service runs without one.
    void configurationFailed(const QString& message, bool libraryUnavailable);

    void jobStarted(quint64 id);
    void jobProgress(quint64 id, const QString& stage, qint64 done, qint64 total);
    void jobToken(quint64 id, const QString& piece);
    void jobFailed(quint64 id, const QString& message);
    void jobCancelled(quint64 id);
    void ingested(quint64 id, const lv::analysis::IngestReport& report);
    void summarized(quint64 id, const lv::analysis::Summary& summary);
    void answered(quint64 id, const lv::analysis::Answer& answer);

    void documentRemoved(qint64 documentId);
    void documentsListed(const lv::ui::LibraryEntries& entries);
    void sessionsListed(qint64 documentId, const lv::ui::SessionList& sessions);
    void messagesListed(qint64 sessionId, const lv::ui::MessageList& messages);
    // found: false when the document has no summary of its current content.
    void storedSummaryLoaded(qint64 documentId, const lv::analysis::Summary& summary, bool found);
    void modelsListed(const lv::ui::ModelList& models, bool hasModel, const QString& modelsFolder);
    void modelChosen(const QString& modelPath);
    void modelsFolderStored(const QString& folder);
    void passagesFound(quint64 requestId, const lv::ui::PassageList& passages);
    // A library, session or model query failed; what: "documents", "sessions", ...
    void queryFailed(const QString& what, const QString& message);

private:
    // Runs one job: skips it when it was cancelled while queued, installs the
    // progress and token callbacks, and turns exceptions into jobFailed/jobCancelled.
    template <typename Body> void runJob(const JobTicket& job, Body&& body);
    void installCallbacks(const JobTicket& job);
    analysis::AnalysisService& service(); // throws when none could be created
    bool requireService(const QString& what);
    qint64 sourceBytes(const QString& path, bool isFolder);

    ServiceFactory factory_;
    std::unique_ptr<analysis::AnalysisService> service_;
    analysis::ServiceConfig config_;
    QString serviceError_;
    QHash<QString, qint64> folderBytes_; // folder sizes are summed once per ingest
};

} // namespace lv::ui
