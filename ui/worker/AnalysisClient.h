// The GUI's handle on the analysis service: starts jobs and queries on two worker
// threads (long jobs; quick library reads) and re-emits their results on the UI thread.
#pragma once

#include "ui/worker/AnalysisWorker.h"

#include <QList>
#include <QObject>
#include <QSet>
#include <QThread>

#include <optional>

namespace lv::ui {

class AnalysisClient : public QObject {
    Q_OBJECT
public:
    // Each worker thread gets its own service from the factory: SQLite (in WAL
    // mode) lets the library be read while a long job writes.
    explicit AnalysisClient(ServiceFactory factory, QObject* parent = nullptr);
    // Cancels every job and waits for the worker threads to finish.
    ~AnalysisClient() override;

    // Applies a configuration to both workers; jobs already queued run first.
    void configure(const analysis::ServiceConfig& config);
    const analysis::ServiceConfig& config() const { return config_; }
    bool isReady() const { return ready_; }
    bool hasModel() const { return hasModel_; }
    QString databasePath() const { return databasePath_; }

    quint64 ingest(const QString& path, const QString& password = {});
    quint64 summarize(qint64 documentId, const QString& documentTitle);
    quint64 ask(qint64 documentId, const QString& question, qint64 sessionId);
    // Queued jobs are dropped at once; a running one stops at its next check.
    void cancel(quint64 jobId);
    void cancelAll();
    bool isCancelling(quint64 jobId) const { return cancelling_.contains(jobId); }

    const QList<JobState>& jobs() const { return jobs_; }
    std::optional<JobState> job(quint64 jobId) const;
    // The job that a queued one waits for (the running one, else the first before it);
    // nullopt when it runs or nothing is ahead of it.
    std::optional<JobState> jobAhead(quint64 jobId) const;

    void refreshLibrary();
    void removeDocument(qint64 documentId);
    void loadSessions(qint64 documentId); // 0: every document
    void loadMessages(qint64 sessionId);
    void loadStoredSummary(qint64 documentId); // the one kept in the library, if any
    void loadModels();
    // Writes go through the job thread, behind running jobs; a chosen model then
    // reconfigures both workers so that they load it.
    void setModelsFolder(const QString& folder);
    void chooseModel(const QString& modelPath);
    quint64 searchPassages(const QString& query, qint64 documentId, int limit = 10);

signals:
    void configured(const QString& databasePath, bool hasModel);
    void configurationFailed(const QString& message, bool libraryUnavailable);

    void jobsChanged();
    void jobStarted(quint64 id);
    void jobProgress(quint64 id, const QString& stage, qint64 done, qint64 total);
    void jobToken(quint64 id, const QString& piece);
    void jobFailed(quint64 id, const QString& message);
    void jobCancelled(quint64 id);
    void ingested(quint64 id, const lv::analysis::IngestReport& report);
    void summarized(quint64 id, const lv::analysis::Summary& summary);
    void answered(quint64 id, const lv::analysis::Answer& answer);

    void libraryChanged(const lv::ui::LibraryEntries& entries);
    void documentRemoved(qint64 documentId);
    void sessionsLoaded(qint64 documentId, const lv::ui::SessionList& sessions);
    void messagesLoaded(qint64 sessionId, const lv::ui::MessageList& messages);
    void storedSummaryLoaded(qint64 documentId, const lv::analysis::Summary& summary, bool found);
    void modelsLoaded(const lv::ui::ModelList& models, bool hasModel, const QString& modelsFolder);
    void modelChosen(const QString& modelPath);
    void passagesFound(quint64 requestId, const lv::ui::PassageList& passages);
    void queryFailed(const QString& what, const QString& message);

private:
    JobTicket newTicket(JobKind kind, const QString& title);
    void finishJob(quint64 id);
    JobState* findJob(quint64 id);
    void connectWorker(AnalysisWorker* worker);

    QThread jobThread_;
    QThread queryThread_;
    AnalysisWorker* jobWorker_ = nullptr;   // lives on jobThread_
    AnalysisWorker* queryWorker_ = nullptr; // lives on queryThread_

    analysis::ServiceConfig config_;
    bool ready_ = false;
    bool hasModel_ = false;
    QString databasePath_;

    quint64 nextId_ = 1;
    QList<JobState> jobs_;
    QHash<quint64, JobTicket> tickets_;
    QSet<quint64> cancelling_;
    QSet<quint64> droppedWhileQueued_;
};

} // namespace lv::ui
