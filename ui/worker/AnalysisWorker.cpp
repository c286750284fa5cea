#include "ui/worker/AnalysisWorker.h"

#include "ui/worker/FolderWalk.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QThread>

#include <exception>
#include <new>

namespace lv::ui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

// The newest modification time below a folder would cost a full walk on every
// listing; the folder's own time is what the watcher reacts to anyway.
QDateTime modifiedTime(const QFileInfo& fi) {
    return fi.lastModified();
}

} // namespace

AnalysisWorker::AnalysisWorker(ServiceFactory factory, QObject* parent)
    : QObject(parent), factory_(std::move(factory)) {}

AnalysisWorker::~AnalysisWorker() = default;

void AnalysisWorker::configure(const analysis::ServiceConfig& config) {
    config_ = config;
    service_.reset(); // release the old model before loading another one
    serviceError_.clear();
    try {
        service_ = factory_(config);
    } catch (const std::exception& e) {
        serviceError_ = qs(e.what());
    }
    if (!service_ && !config.modelPath.empty()) {
        // A broken model must not lock the user out of the library: fall back to
        // extractive mode and say what went wrong.
        analysis::ServiceConfig withoutModel = config;
        withoutModel.modelPath.clear();
        try {
            service_ = factory_(withoutModel);
        } catch (const std::exception& e) {
            serviceError_ += QStringLiteral("; ") + qs(e.what());
        }
    }
    if (!serviceError_.isEmpty()) emit configurationFailed(serviceError_, !service_);
    if (service_) {
        bool hasModel = false;
        try {
            hasModel = service_->hasModel();
        } catch (const std::exception&) {
        }
        emit configured(qs(service_->databasePath()), hasModel);
    }
}

analysis::AnalysisService& AnalysisWorker::service() {
    if (!service_)
        throw std::runtime_error(serviceError_.isEmpty() ? "the analysis service is not configured"
                                                         : serviceError_.toStdString());
    return *service_;
}

bool AnalysisWorker::requireService(const QString& what) {
    if (service_) return true;
    emit queryFailed(what, serviceError_.isEmpty() ? tr("The analysis service is not configured.")
                                                   : serviceError_);
    return false;
}

void AnalysisWorker::installCallbacks(const JobTicket& job) {
    const quint64 id = job.id;
    // Progress callbacks may fire per chunk of tokens; the GUI needs a few updates a
    // second, so the worker forwards a stage change, the end of a stage, or one
    // update every 40 ms.
    auto lastStage = std::make_shared<std::string>();
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    job.control->progress = [this, id, lastStage, clock](const std::string& stage,
                                                         std::int64_t done, std::int64_t total) {
        const bool newStage = stage != *lastStage;
        if (!newStage && done != total && clock->elapsed() < 40) return;
        *lastStage = stage;
        clock->restart();
        emit jobProgress(id, qs(stage), done, total);
    };
    job.control->token = [this, id](const std::string& piece) { emit jobToken(id, qs(piece)); };
}

template <typename Body> void AnalysisWorker::runJob(const JobTicket& job, Body&& body) {
    if (job.cancelled()) {
        emit jobCancelled(job.id);
        return;
    }
    emit jobStarted(job.id);
    installCallbacks(job);
    try {
        body();
        if (job.cancelled()) emit jobCancelled(job.id);
    } catch (const std::bad_alloc&) {
        emit jobFailed(job.id, tr("Out of memory."));
    } catch (const std::exception& e) {
        if (job.cancelled())
            emit jobCancelled(job.id);
        else
            emit jobFailed(job.id, qs(e.what()));
    }
    job.control->progress = nullptr;
    job.control->token = nullptr;
}

void AnalysisWorker::runIngest(const JobTicket& job, const QString& path, const QString& password) {
    runJob(job, [&] {
        analysis::AnalysisService& svc = service();
        analysis::IngestReport report;
        if (!password.isEmpty() && password.toStdString() != config_.pdfPassword) {
            // The service takes the PDF password from its configuration; an
            // encrypted file gets a short-lived service of its own so that the
            // long-lived one (and its loaded model) stays as it is.
            analysis::ServiceConfig withPassword = config_;
            withPassword.pdfPassword = password.toStdString();
            withPassword.modelPath.clear();
            auto once = factory_(withPassword);
            report = once->ingest(path.toStdString(), *job.control);
        } else {
            report = svc.ingest(path.toStdString(), *job.control);
        }
        folderBytes_.remove(qs(report.document.sourcePath));
        if (!job.cancelled()) emit ingested(job.id, report);
    });
}

void AnalysisWorker::runSummarize(const JobTicket& job, qint64 documentId) {
    runJob(job, [&] {
        analysis::Summary summary = service().summarize(documentId, *job.control);
        if (!job.cancelled()) emit summarized(job.id, summary);
    });
}

void AnalysisWorker::runAsk(const JobTicket& job, qint64 documentId, const QString& question,
                            qint64 sessionId) {
    runJob(job, [&] {
        std::optional<std::int64_t> session;
        if (sessionId > 0) session = sessionId;
        analysis::Answer answer =
            service().ask(documentId, question.toStdString(), session, *job.control);
        if (!job.cancelled()) emit answered(job.id, answer);
    });
}

void AnalysisWorker::removeDocument(qint64 documentId) {
    if (!requireService(QStringLiteral("remove"))) return;
    try {
        service_->removeDocument(documentId);
        emit documentRemoved(documentId);
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("remove"), qs(e.what()));
    }
}

qint64 AnalysisWorker::sourceBytes(const QString& path, bool isFolder) {
    if (!isFolder) return QFileInfo(path).size();
    auto cached = folderBytes_.constFind(path);
    if (cached != folderBytes_.cend()) return *cached;
    const qint64 total = walkFolder(path, 0).bytes;
    folderBytes_.insert(path, total);
    return total;
}

void AnalysisWorker::listDocuments() {
    if (!requireService(QStringLiteral("documents"))) return;
    try {
        LibraryEntries entries;
        for (analysis::DocumentInfo& info : service_->documents()) {
            LibraryEntry entry;
            entry.info = std::move(info);
            const QString path = entry.sourcePath();
            const QFileInfo fi(path);
            entry.sourceExists = fi.exists();
            if (entry.sourceExists) {
                entry.sourceBytes = sourceBytes(path, fi.isDir());
                entry.sourceModified = modifiedTime(fi);
            }
            entries.push_back(std::move(entry));
        }
        emit documentsListed(entries);
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("documents"), qs(e.what()));
    }
}

void AnalysisWorker::listSessions(qint64 documentId) {
    if (!requireService(QStringLiteral("sessions"))) return;
    try {
        std::optional<std::int64_t> doc;
        if (documentId > 0) doc = documentId;
        emit sessionsListed(documentId, service_->sessions(doc));
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("sessions"), qs(e.what()));
    }
}

void AnalysisWorker::loadStoredSummary(qint64 documentId) {
    if (!requireService(QStringLiteral("summary"))) return;
    try {
        const auto s = service_->storedSummary(documentId);
        emit storedSummaryLoaded(documentId, s.value_or(analysis::Summary{}), s.has_value());
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("summary"), qs(e.what()));
    }
}

void AnalysisWorker::listMessages(qint64 sessionId) {
    if (!requireService(QStringLiteral("messages"))) return;
    try {
        emit messagesListed(sessionId, service_->messages(sessionId));
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("messages"), qs(e.what()));
    }
}

void AnalysisWorker::listModels() {
    if (!requireService(QStringLiteral("models"))) return;
    try {
        emit modelsListed(service_->models(), service_->hasModel(), qs(service_->modelsFolder()));
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("models"), qs(e.what()));
    }
}

void AnalysisWorker::setModelsFolder(const QString& folder) {
    if (!requireService(QStringLiteral("models"))) return;
    try {
        service_->setModelsFolder(folder.toStdString());
        emit modelsFolderStored(folder);
        emit modelsListed(service_->models(), service_->hasModel(), qs(service_->modelsFolder()));
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("models"), qs(e.what()));
    }
}

void AnalysisWorker::chooseModel(const QString& modelPath) {
    if (!requireService(QStringLiteral("model"))) return;
    try {
        service_->setDefaultModel(modelPath.toStdString());
        emit modelChosen(modelPath);
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("model"), qs(e.what()));
    }
}

void AnalysisWorker::searchPassages(quint64 requestId, const QString& query, qint64 documentId,
                                    int limit) {
    if (!requireService(QStringLiteral("search"))) return;
    try {
        std::optional<std::int64_t> doc;
        if (documentId > 0) doc = documentId;
        emit passagesFound(requestId, service_->search(query.toStdString(), doc, limit));
    } catch (const std::exception& e) {
        emit queryFailed(QStringLiteral("search"), qs(e.what()));
    }
}

} // namespace lv::ui

#include "moc_AnalysisWorker.cpp"
