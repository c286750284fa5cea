// The jobs users come for, shared by longview-cli and the GUI: ingest, summarize,
// ask, search, sessions, models. Blocking calls meant to run on a worker thread.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lv::analysis {

// Progress, streaming and cancellation of one job. Callbacks run on the job's
// thread; a GUI forwards them through queued signals.
struct JobControl {
    std::atomic<bool> cancelRequested{false};
    // stage: "ingest", "ocr", "tokenize", "read", "restore", "generate", "store"
    std::function<void(const std::string& stage, std::int64_t done, std::int64_t total)> progress;
    // text of the answer as it is generated, at UTF-8 boundaries
    std::function<void(const std::string& piece)> token;

    bool cancelled() const { return cancelRequested.load(std::memory_order_relaxed); }
};

struct ServiceConfig {
    std::string databasePath;          // empty: $LONGVIEW_DB or the XDG default
    std::string modelPath;             // empty: the remembered default, else extractive mode
    std::string device = "auto";       // auto | cpu | cuda
    int cpuThreads = 0;                // CPU backend threads; 0: every core
    std::int64_t contextLength = 0;    // 0: the model's own limit
    std::int64_t cacheBudgetBytes = 0; // 0: the stored setting or the default
    int maxNewTokens = 512;
    float temperature = 0.0f; // 0: greedy
    std::uint64_t seed = 0;
    std::string pdfPassword;
};

class AnalysisService {
public:
    explicit AnalysisService(ServiceConfig config);
    ~AnalysisService();
    AnalysisService(const AnalysisService&) = delete;
    AnalysisService& operator=(const AnalysisService&) = delete;

    const ServiceConfig& config() const;
    std::string databasePath() const;
    // The library used without --db or $LONGVIEW_DB (the XDG default); empty where no home
    // folder can be found. Reads only the environment: safe from any thread.
    static std::string defaultDatabasePath();

    // A path is ingested (or found unchanged); an id string or a stored path is looked up.
    IngestReport ingest(const std::string& path, JobControl& job);
    std::int64_t resolveDocument(const std::string& pathOrId, JobControl& job);
    std::vector<DocumentInfo> documents() const;
    std::optional<DocumentInfo> document(std::int64_t id) const;
    std::string modelText(std::int64_t documentId) const; // what the model reads
    void removeDocument(std::int64_t id);

    // Also keeps the summary in the library (one per document and model).
    Summary summarize(std::int64_t documentId, JobControl& job);
    // The newest summary kept for the document's current content, by any model.
    std::optional<Summary> storedSummary(std::int64_t documentId) const;
    Answer ask(std::int64_t documentId, const std::string& question,
               std::optional<std::int64_t> sessionId, JobControl& job);
    std::vector<Passage> search(const std::string& query, std::optional<std::int64_t> documentId,
                                int limit = 10) const;

    std::vector<SessionInfo> sessions(std::optional<std::int64_t> documentId = {}) const;
    std::vector<Message> messages(std::int64_t sessionId) const;

    std::vector<ModelInfo> models() const; // models folder + configured model
    bool hasModel() const;
    std::string modelsFolder() const;
    void setModelsFolder(const std::string& dir); // remembered in the library's settings
    // Checked, then remembered; an empty dir forgets it (extractive mode, unless the
    // configuration names a model).
    void setDefaultModel(const std::string& dir);

private:
    Summary generateSummary(std::int64_t documentId, JobControl& job);

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace lv::analysis
