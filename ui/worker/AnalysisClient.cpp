#include "ui/worker/AnalysisClient.h"

#include <QFileInfo>

#include <algorithm>
#include <thread>

namespace lv::ui {

AnalysisClient::AnalysisClient(ServiceFactory factory, QObject* parent) : QObject(parent) {
    jobThread_.setObjectName(QStringLiteral("longview-jobs"));
    queryThread_.setObjectName(QStringLiteral("longview-queries"));

    jobWorker_ = new AnalysisWorker(factory);
    queryWorker_ = new AnalysisWorker(std::move(factory));
    jobWorker_->moveToThread(&jobThread_);
    queryWorker_->moveToThread(&queryThread_);
    // The services are destroyed on their own threads, after the last job.
    connect(&jobThread_, &QThread::finished, jobWorker_, &QObject::deleteLater);
    connect(&queryThread_, &QThread::finished, queryWorker_, &QObject::deleteLater);

    // Every connection below crosses threads and is therefore queued; nothing
    // ever waits for the other side.
    connect(jobWorker_, &AnalysisWorker::configured, this,
            [this](const QString& databasePath, bool hasModel) {
                ready_ = true;
                databasePath_ = databasePath;
                hasModel_ = hasModel;
                emit configured(databasePath, hasModel);
                refreshLibrary();
            });
    connect(jobWorker_, &AnalysisWorker::configurationFailed, this,
            &AnalysisClient::configurationFailed);

    connect(jobWorker_, &AnalysisWorker::jobStarted, this, [this](quint64 id) {
        if (JobState* job = findJob(id)) {
            job->running = true;
            emit jobsChanged();
        }
        emit jobStarted(id);
    });
    connect(jobWorker_, &AnalysisWorker::jobProgress, this,
            [this](quint64 id, const QString& stage, qint64 done, qint64 total) {
                if (JobState* job = findJob(id)) {
                    job->stage = stage;
                    job->done = done;
                    job->total = total;
                }
                emit jobProgress(id, stage, done, total);
            });
    connect(jobWorker_, &AnalysisWorker::jobToken, this, &AnalysisClient::jobToken);
    connect(jobWorker_, &AnalysisWorker::jobFailed, this,
            [this](quint64 id, const QString& message) {
                finishJob(id);
                emit jobFailed(id, message);
            });
    connect(jobWorker_, &AnalysisWorker::jobCancelled, this, [this](quint64 id) {
        const bool announced = droppedWhileQueued_.remove(id);
        finishJob(id);
        if (!announced) emit jobCancelled(id);
    });
    connect(jobWorker_, &AnalysisWorker::ingested, this,
            [this](quint64 id, const analysis::IngestReport& report) {
                finishJob(id);
                emit ingested(id, report);
                refreshLibrary();
            });
    connect(jobWorker_, &AnalysisWorker::summarized, this,
            [this](quint64 id, const analysis::Summary& summary) {
                finishJob(id);
                emit summarized(id, summary);
                refreshLibrary(); // a state may now be cached
            });
    connect(jobWorker_, &AnalysisWorker::answered, this,
            [this](quint64 id, const analysis::Answer& answer) {
                finishJob(id);
                emit answered(id, answer);
                refreshLibrary();
            });
    connect(jobWorker_, &AnalysisWorker::documentRemoved, this, [this](qint64 documentId) {
        emit documentRemoved(documentId);
        refreshLibrary();
    });
    connect(jobWorker_, &AnalysisWorker::queryFailed, this, &AnalysisClient::queryFailed);
    connect(jobWorker_, &AnalysisWorker::modelsListed, this, &AnalysisClient::modelsLoaded);
    connect(jobWorker_, &AnalysisWorker::modelChosen, this, [this](const QString& modelPath) {
        emit modelChosen(modelPath);
        configure(config_); // both services pick up the remembered default
        loadModels();
    });
    connect(jobWorker_, &AnalysisWorker::modelsFolderStored, this, [this] {
        AnalysisWorker* queries = queryWorker_;
        const analysis::ServiceConfig config = config_;
        QMetaObject::invokeMethod(
            queries, [queries, config] { queries->configure(config); }, Qt::QueuedConnection);
    });

    connect(queryWorker_, &AnalysisWorker::documentsListed, this, &AnalysisClient::libraryChanged);
    connect(queryWorker_, &AnalysisWorker::sessionsListed, this, &AnalysisClient::sessionsLoaded);
    connect(queryWorker_, &AnalysisWorker::storedSummaryLoaded, this,
            &AnalysisClient::storedSummaryLoaded);
    connect(queryWorker_, &AnalysisWorker::messagesListed, this, &AnalysisClient::messagesLoaded);
    connect(queryWorker_, &AnalysisWorker::modelsListed, this, &AnalysisClient::modelsLoaded);
    connect(queryWorker_, &AnalysisWorker::passagesFound, this, &AnalysisClient::passagesFound);
    connect(queryWorker_, &AnalysisWorker::queryFailed, this, &AnalysisClient::queryFailed);

    jobThread_.start();
    queryThread_.start();
}

AnalysisClient::~AnalysisClient() {
    cancelAll();
    jobThread_.quit();
    queryThread_.quit();
    jobThread_.wait();
    queryThread_.wait();
}

void AnalysisClient::configure(const analysis::ServiceConfig& requested) {
    // A model on the CPU leaves one core to the UI thread, so that the window
    // answers while a document is read.
    analysis::ServiceConfig config = requested;
    if (config.cpuThreads == 0)
        config.cpuThreads = std::max(1, int(std::thread::hardware_concurrency()) - 1);
    config_ = config;
    AnalysisWorker* jobs = jobWorker_;
    AnalysisWorker* queries = queryWorker_;
    QMetaObject::invokeMethod(
        jobs, [jobs, config] { jobs->configure(config); }, Qt::QueuedConnection);
    QMetaObject::invokeMethod(
        queries, [queries, config] { queries->configure(config); }, Qt::QueuedConnection);
}

JobTicket AnalysisClient::newTicket(JobKind kind, const QString& title) {
    JobTicket ticket;
    ticket.id = nextId_++;
    ticket.kind = kind;
    ticket.title = title;
    ticket.control = std::make_shared<analysis::JobControl>();
    tickets_.insert(ticket.id, ticket);
    JobState state;
    state.id = ticket.id;
    state.kind = kind;
    state.title = title;
    jobs_.append(state);
    emit jobsChanged();
    return ticket;
}

quint64 AnalysisClient::ingest(const QString& path, const QString& password) {
    const QString name = QFileInfo(path).fileName();
    JobTicket ticket =
        newTicket(JobKind::Ingest, tr("Adding %1").arg(name.isEmpty() ? path : name));
    AnalysisWorker* worker = jobWorker_;
    QMetaObject::invokeMethod(
        worker, [worker, ticket, path, password] { worker->runIngest(ticket, path, password); },
        Qt::QueuedConnection);
    return ticket.id;
}

quint64 AnalysisClient::summarize(qint64 documentId, const QString& documentTitle) {
    JobTicket ticket = newTicket(JobKind::Summarize, tr("Summarizing %1").arg(documentTitle));
    AnalysisWorker* worker = jobWorker_;
    QMetaObject::invokeMethod(
        worker, [worker, ticket, documentId] { worker->runSummarize(ticket, documentId); },
        Qt::QueuedConnection);
    return ticket.id;
}

quint64 AnalysisClient::ask(qint64 documentId, const QString& question, qint64 sessionId) {
    JobTicket ticket = newTicket(JobKind::Ask, tr("Answering"));
    AnalysisWorker* worker = jobWorker_;
    QMetaObject::invokeMethod(
        worker,
        [worker, ticket, documentId, question, sessionId] {
            worker->runAsk(ticket, documentId, question, sessionId);
        },
        Qt::QueuedConnection);
    return ticket.id;
}

void AnalysisClient::cancel(quint64 jobId) {
    auto it = tickets_.find(jobId);
    if (it == tickets_.end()) return;
    it->control->cancelRequested.store(true);
    JobState* state = findJob(jobId);
    if (state && !state->running) {
        // Not started: the worker will skip it; the GUI need not wait for that.
        droppedWhileQueued_.insert(jobId);
        finishJob(jobId);
        emit jobCancelled(jobId);
        return;
    }
    cancelling_.insert(jobId);
    emit jobsChanged();
}

void AnalysisClient::cancelAll() {
    const QList<quint64> ids = tickets_.keys();
    for (quint64 id : ids)
        cancel(id);
}

std::optional<JobState> AnalysisClient::job(quint64 jobId) const {
    for (const JobState& s : jobs_)
        if (s.id == jobId) return s;
    return std::nullopt;
}

std::optional<JobState> AnalysisClient::jobAhead(quint64 jobId) const {
    std::optional<JobState> ahead;
    for (const JobState& s : jobs_) {
        if (s.id == jobId) return s.running ? std::nullopt : ahead;
        if (s.running) return s; // one job runs at a time; the rest wait in order
        if (!ahead) ahead = s;
    }
    return std::nullopt;
}

JobState* AnalysisClient::findJob(quint64 id) {
    for (JobState& s : jobs_)
        if (s.id == id) return &s;
    return nullptr;
}

void AnalysisClient::finishJob(quint64 id) {
    tickets_.remove(id);
    cancelling_.remove(id);
    const auto before = jobs_.size();
    jobs_.removeIf([id](const JobState& s) { return s.id == id; });
    if (jobs_.size() != before) emit jobsChanged();
}

void AnalysisClient::refreshLibrary() {
    AnalysisWorker* worker = queryWorker_;
    QMetaObject::invokeMethod(
        worker, [worker] { worker->listDocuments(); }, Qt::QueuedConnection);
}

void AnalysisClient::removeDocument(qint64 documentId) {
    // A write: it goes through the job thread, the only writer.
    AnalysisWorker* worker = jobWorker_;
    QMetaObject::invokeMethod(
        worker, [worker, documentId] { worker->removeDocument(documentId); }, Qt::QueuedConnection);
}

void AnalysisClient::loadSessions(qint64 documentId) {
    AnalysisWorker* worker = queryWorker_;
    QMetaObject::invokeMethod(
        worker, [worker, documentId] { worker->listSessions(documentId); }, Qt::QueuedConnection);
}

void AnalysisClient::loadStoredSummary(qint64 documentId) {
    AnalysisWorker* worker = queryWorker_;
    QMetaObject::invokeMethod(
        worker, [worker, documentId] { worker->loadStoredSummary(documentId); },
        Qt::QueuedConnection);
}

void AnalysisClient::loadMessages(qint64 sessionId) {
    AnalysisWorker* worker = queryWorker_;
    QMetaObject::invokeMethod(
        worker, [worker, sessionId] { worker->listMessages(sessionId); }, Qt::QueuedConnection);
}

void AnalysisClient::loadModels() {
    AnalysisWorker* worker = queryWorker_;
    QMetaObject::invokeMethod(
        worker, [worker] { worker->listModels(); }, Qt::QueuedConnection);
}

void AnalysisClient::setModelsFolder(const QString& folder) {
    AnalysisWorker* worker = jobWorker_;
    QMetaObject::invokeMethod(
        worker, [worker, folder] { worker->setModelsFolder(folder); }, Qt::QueuedConnection);
}

void AnalysisClient::chooseModel(const QString& modelPath) {
    AnalysisWorker* worker = jobWorker_;
    QMetaObject::invokeMethod(
        worker, [worker, modelPath] { worker->chooseModel(modelPath); }, Qt::QueuedConnection);
}

quint64 AnalysisClient::searchPassages(const QString& query, qint64 documentId, int limit) {
    const quint64 requestId = nextId_++;
    AnalysisWorker* worker = queryWorker_;
    QMetaObject::invokeMethod(
        worker,
        [worker, requestId, query, documentId, limit] {
            worker->searchPassages(requestId, query, documentId, limit);
        },
        Qt::QueuedConnection);
    return requestId;
}

} // namespace lv::ui

#include "moc_AnalysisClient.cpp"
