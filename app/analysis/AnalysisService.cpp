#include "analysis/AnalysisService.h"

#include "analysis/AnalysisJson.h"
#include "analysis/CitationResolver.h"
#include "analysis/DocumentPrompt.h"
#include "analysis/ExtractiveSummarizer.h"
#include "analysis/LibraryImport.h"
#include "analysis/LoadedModel.h"
#include "analysis/ModelCatalog.h"
#include "analysis/PromptParts.h"
#include "analysis/SentenceSplitter.h"
#include "analysis/StatePipe.h"
#include "analysis/SymbolDefinitions.h"

#include "core/Error.h"
#include "ingest/Ingest.h"
#include "runtime/Session.h"
#include "storage/Clock.h"
#include "storage/DocumentStore.h"
#include "storage/Library.h"
#include "storage/LibraryLocation.h"
#include "storage/LibraryWriter.h"
#include "storage/SegmentSearch.h"
#include "storage/SessionStore.h"
#include "storage/SettingsStore.h"
#include "storage/StateCache.h"
#include "storage/StorageError.h"
#include "storage/SummaryStore.h"
#include "tokenizer/StreamDecoder.h"
#include "tokenizer/Utf8.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <mutex>
#include <stop_token>
#include <sys/resource.h>
#include <thread>

namespace lv::analysis {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSettingModelsFolder = "models.folder";
constexpr const char* kSettingDefaultModel = "models.default";
constexpr const char* kSettingCacheBudget = "cache.budget_bytes";
constexpr std::uint64_t kDefaultCacheBudget = std::uint64_t{16} << 30;

const char* const kSummaryRequest =
    "Summarize the document: its purpose, its main provisions or components, and anything a "
    "careful reader must not miss. Use a few short paragraphs and cite pages or lines.";
const char* const kPartSummaryRequest =
    "Summarize this part of the document in one paragraph, citing pages or lines.";

std::string sha256Hex(const std::string& bytes) {
    return QCryptographicHash::hash(QByteArray::fromStdString(bytes), QCryptographicHash::Sha256)
        .toHex()
        .toStdString();
}

std::string isoTime(std::int64_t msSinceEpoch) {
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toString(Qt::ISODate).toStdString();
}

std::int64_t peakResidentBytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return std::int64_t(usage.ru_maxrss) * 1024;
}

bool allDigits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Whitespace runs (line breaks of the source) as single spaces.
std::string collapsed(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\n' || c == '\t' || c == '\f' || c == '\r') c = ' ';
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out.push_back(c);
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

// Whether any unit holds more than white space: an empty file or a PDF of scanned pages
// without a text layer gives the model nothing to read.
bool hasText(const std::vector<SourceUnit>& units) {
    return std::any_of(units.begin(), units.end(), [](const SourceUnit& u) {
        return u.text.find_first_not_of(" \t\r\n\f") != std::string::npos;
    });
}

// Short quote of a unit for a citation list.
std::string quoteOf(const std::string& text) {
    std::string q;
    for (char c : text) {
        // Past 160 bytes, only the rest of the character under way (the quote stays UTF-8).
        if (q.size() >= 160 && (static_cast<unsigned char>(c) & 0xC0) != 0x80) break;
        if (q.empty() && (c == ' ' || c == '\n' || c == '\t' || c == '\f')) continue;
        if (c == '\n' || c == '\t' || c == '\f') c = ' ';
        if (c == ' ' && !q.empty() && q.back() == ' ') continue;
        q.push_back(c);
    }
    while (!q.empty() && q.back() == ' ')
        q.pop_back();
    return q;
}

// The words of a question to search for: its content words, and identifiers written with
// '_' whole ("allow_nan"), which the index then matches as the phrase of their parts, not as
// any place that says "allow" or "nan".
std::vector<std::string> searchWords(const std::string& question) {
    std::vector<std::string> out;
    std::size_t i = 0;
    const auto wordByte = [](unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; };
    while (i < question.size()) {
        std::size_t end = i;
        while (end < question.size() && wordByte(static_cast<unsigned char>(question[end])))
            ++end;
        const std::string piece = question.substr(i, end - i);
        const bool identifier = piece.find('_') != std::string::npos &&
                                std::any_of(piece.begin(), piece.end(), [](char c) {
                                    return std::isalnum(static_cast<unsigned char>(c));
                                });
        if (identifier) {
            out.push_back(piece);
        } else {
            for (auto& w : wordTokens(piece, true))
                out.push_back(std::move(w));
        }
        i = end == i ? i + 1 : end;
    }
    return out;
}

// The quote of a search hit: from where the hit's snippet starts when that lies past the
// unit's opening quote (a long line cut into segments, a long paragraph), so that the
// citation shows, and the viewer marks, the text that matched. The snippet is the unit's
// text with highlight marks and ellipses added; where it cannot be found again (the text
// holds the marks itself), the unit's opening stands.
std::string quoteOfHit(const std::string& text, std::string snippet) {
    const storage::SearchOptions marks;
    for (const std::string* m : {&marks.highlightStart, &marks.highlightEnd, &marks.ellipsis})
        for (auto at = snippet.find(*m); at != std::string::npos; at = snippet.find(*m, at))
            snippet.erase(at, m->size());
    const auto b = snippet.find_first_not_of(" \t\r\n\f");
    if (b == std::string::npos) return quoteOf(text);
    const auto at = text.find(std::string_view(snippet).substr(b, 48));
    if (at == std::string::npos || at < 120) return quoteOf(text);
    return quoteOf(text.substr(at));
}

} // namespace

struct AnalysisService::Impl {
    ServiceConfig config;
    std::filesystem::path dbPath;
    storage::Library library;
    storage::LibraryWriter writer;
    mutable std::mutex readerMutex;
    mutable storage::Connection reader;
    std::mutex modelMutex;
    std::unique_ptr<LoadedModel> model;

    explicit Impl(ServiceConfig cfg)
        : config(std::move(cfg)),
          dbPath(storage::resolveLibraryPath(
              config.databasePath.empty() ? std::nullopt
                                          : std::optional<std::string>(config.databasePath))),
          library(storage::Library::open(dbPath)), writer(library), reader(library.openReader()) {}

    template <class Job> auto write(Job&& job) {
        return writer.submit(std::forward<Job>(job)).get();
    }

    template <class Fn> auto read(Fn&& fn) const {
        std::lock_guard lock(readerMutex);
        return fn(reader);
    }

    std::optional<std::string> setting(const char* key) const {
        return read([&](storage::Connection& c) { return storage::SettingsStore(c).get(key); });
    }

    std::string resolvedModelPath() const {
        if (!config.modelPath.empty()) return config.modelPath;
        auto remembered = setting(kSettingDefaultModel);
        if (remembered && std::filesystem::is_directory(*remembered)) return *remembered;
        return {};
    }

    std::string modelsFolder() const {
        if (auto s = setting(kSettingModelsFolder); s && !s->empty()) return *s;
        return (storage::defaultLibraryPath().parent_path() / "models").string();
    }

    std::uint64_t cacheBudget() const {
        if (config.cacheBudgetBytes > 0) return std::uint64_t(config.cacheBudgetBytes);
        if (auto s = setting(kSettingCacheBudget); s && allDigits(*s)) return std::stoull(*s);
        return kDefaultCacheBudget;
    }

    LoadedModel& loadedModel(JobControl& job) {
        std::lock_guard lock(modelMutex);
        if (!model) {
            const std::string path = resolvedModelPath();
            if (path.empty()) throw EngineError("no model configured (use --model DIR)");
            if (job.progress) job.progress("load model", 0, 1);
            model = LoadedModel::load(path, config.device, config.cpuThreads);
            if (job.progress) job.progress("load model", 1, 1);
            // A model given with --model that loads becomes the remembered default.
            if (!config.modelPath.empty()) {
                const std::string abs =
                    std::filesystem::absolute(config.modelPath).lexically_normal().string();
                write([&](storage::Connection& c) {
                    storage::SettingsStore(c).set(kSettingDefaultModel, abs);
                    return 0;
                });
            }
        }
        return *model;
    }

    DocumentInfo info(const storage::DocumentRecord& r) const {
        DocumentInfo d;
        d.id = r.id;
        d.kind = documentKindFromName(r.kind);
        d.title = r.title;
        d.sourcePath = r.sourcePath;
        d.contentHash = r.contentHash;
        d.addedAt = isoTime(r.addedAt);
        const auto j = nlohmann::json::parse(r.metadataJson, nullptr, false);
        if (j.is_object()) {
            d.pages = j.value("pages", std::int64_t(0));
            d.files = j.value("files", std::int64_t(0));
            d.characters = j.value("characters", std::int64_t(0));
            d.scannedPages = j.value("scanned_pages", std::int64_t(0));
        }
        return d;
    }

    bool hasState(const std::string& documentHash) const {
        return read([&](storage::Connection& c) {
            for (const auto& s : storage::StateCache(c).list())
                if (s.key.documentHash == documentHash) return true;
            return false;
        });
    }

    storage::DocumentRecord documentRecord(std::int64_t id) const {
        auto r =
            read([&](storage::Connection& c) { return storage::DocumentStore(c).document(id); });
        if (!r)
            throw std::runtime_error("no document #" + std::to_string(id) + " in the library " +
                                     dbPath.string());
        return *r;
    }

    std::vector<SourceUnit> units(const storage::DocumentRecord& doc) const {
        auto segments = read(
            [&](storage::Connection& c) { return storage::DocumentStore(c).segments(doc.id); });
        return unitsFromSegments(doc, segments);
    }

    // ---- the model path ---------------------------------------------------------

    struct Generation {
        std::string text;
        Metrics metrics;
    };

    // Restores the prefix state from the cache, or reads the prefix and stores its
    // state; then reads the suffix and generates. cacheKey empty: no caching.
    // maxNewTokens: the answer's length, 0 for the configured one.
    Generation run(LoadedModel& lm, const std::string& prefix, const std::string& suffix,
                   const std::string& documentHash, bool usePrefixCache, JobControl& job,
                   bool streamTokens = true, std::int64_t maxNewTokens = 0) {
        const auto start = Clock::now();
        Generation g;
        Metrics& m = g.metrics;
        m.model = lm.name;
        m.device = lm.device;
        m.deviceNote = lm.fallbackReason;

        SessionOptions so;
        so.maxContext = config.contextLength;
        so.seed = config.seed;
        Session session(*lm.model, so);

        const std::vector<std::int32_t> prefixTokens = lm.tokenizer->encode(prefix, false);
        const std::vector<std::int32_t> suffixTokens = lm.tokenizer->encode(suffix, false);
        m.documentTokens = std::int64_t(prefixTokens.size());
        const std::int64_t limit = session.contextLimit();
        if (limit > 0 && std::int64_t(prefixTokens.size() + suffixTokens.size()) + 16 > limit)
            throw EngineError("the prompt (" +
                              std::to_string(prefixTokens.size() + suffixTokens.size()) +
                              " tokens) does not fit the context of " + std::to_string(limit));

        // The key covers everything that shapes the state: document content, model
        // weights, and the exact prefix tokens (template, system text, tokenizer).
        std::string tokenBytes(reinterpret_cast<const char*>(prefixTokens.data()),
                               prefixTokens.size() * sizeof(std::int32_t));
        const storage::StateKey key{documentHash, lm.model->fingerprint(), sha256Hex(tokenBytes)};

        auto progress = [&](const char* stage) {
            return [&job, stage](std::int64_t done, std::int64_t total) {
                if (job.progress) job.progress(stage, done, total);
                return !job.cancelled();
            };
        };

        bool restored = false;
        if (usePrefixCache) restored = restoreState(session, key, job);
        if (restored) {
            // The cache key hashes the prefix tokens, so the history must match them.
            if (session.tokens() != prefixTokens) {
                session.reset();
                restored = false;
            }
        }
        const auto prefillStart = Clock::now();
        std::int64_t read = 0;
        if (restored) {
            m.stateResumed = true;
            m.tokensFromCache = std::int64_t(prefixTokens.size());
        } else {
            session.prefill(prefixTokens, progress("read"));
            read += std::int64_t(prefixTokens.size());
            if (usePrefixCache) {
                if (job.progress) job.progress("store", 0, 1);
                saveState(session, key);
                m.stateStored = true;
                if (job.progress) job.progress("store", 1, 1);
            }
        }
        session.prefill(suffixTokens, progress("read"));
        read += std::int64_t(suffixTokens.size());
        m.tokensRead = read;
        const double prefillSeconds =
            std::chrono::duration<double>(Clock::now() - prefillStart).count();
        m.prefillTokensPerSecond = prefillSeconds > 0 ? double(read) / prefillSeconds : 0;

        GenerateOptions go;
        go.maxTokens = maxNewTokens > 0 ? maxNewTokens : config.maxNewTokens;
        go.sampling.temperature = config.temperature;
        go.stopTokens = lm.tokenizer->eosIds();
        StreamDecoder stream(*lm.tokenizer);
        std::vector<std::int32_t> generated;
        Clock::time_point firstToken{};
        const auto genStart = Clock::now();
        auto result = session.generate({}, go, [&](std::int32_t token) {
            if (generated.empty()) firstToken = Clock::now();
            if (lm.tokenizer->isEndOfGeneration(token)) return false;
            generated.push_back(token);
            const std::string piece = stream.push(token);
            if (!piece.empty() && job.token && streamTokens) job.token(piece);
            if (job.progress)
                job.progress("generate", std::int64_t(generated.size()), go.maxTokens);
            return !job.cancelled();
        });
        if (job.cancelled()) throw Cancelled();
        const std::string tail = stream.finish();
        if (!tail.empty() && job.token && streamTokens) job.token(tail);
        (void)result;
        const auto end = Clock::now();
        g.text = lm.tokenizer->decode(generated, true);
        m.generatedTokens = std::int64_t(generated.size());
        if (!generated.empty()) {
            m.timeToFirstTokenMs =
                std::chrono::duration<double, std::milli>(firstToken - start).count();
            const double genSeconds = std::chrono::duration<double>(end - genStart).count();
            m.tokensPerSecond = genSeconds > 0 ? double(generated.size()) / genSeconds : 0;
        }
        m.peakMemoryBytes = peakResidentBytes();
        return g;
    }

    bool restoreState(Session& session, const storage::StateKey& key, JobControl& job) {
        const bool known = read(
            [&](storage::Connection& c) { return storage::StateCache(c).find(key).has_value(); });
        if (!known) return false;
        if (job.progress) job.progress("restore", 0, 1);
        StatePipe pipe;
        std::future<storage::StateLoadResult> loading = writer.submit([&](storage::Connection& c) {
            storage::StateCache cache(c);
            storage::StateLoadResult r;
            try {
                r = cache.load(key, [&](std::span<const std::byte> bytes) {
                    if (!pipe.push(bytes)) throw Cancelled();
                });
            } catch (...) {
                pipe.close(false);
                throw;
            }
            pipe.close(r.loaded());
            return r;
        });
        bool ok = true;
        try {
            session.restore([&](void* dst, std::size_t n) { return pipe.read(dst, n); });
        } catch (const std::exception&) {
            ok = false;
        }
        pipe.abandon();
        storage::StateLoadResult result;
        try {
            result = loading.get();
        } catch (const std::exception&) {
            ok = false;
        }
        ok = ok && result.loaded();
        if (!ok) session.reset();
        if (job.progress) job.progress("restore", 1, 1);
        return ok;
    }

    void saveState(const Session& session, const storage::StateKey& key) {
        const std::uint64_t budget = cacheBudget();
        const nlohmann::json meta = {{"tokens", session.position()},
                                     {"bytes", session.snapshotBytes()}};
        write([&](storage::Connection& c) {
            storage::StateCacheOptions options;
            options.budgetBytes = budget;
            storage::StateCache cache(c, options);
            storage::StateWriter w = cache.beginSave(key, meta.dump());
            session.snapshot([&](const void* data, std::size_t n) {
                w.write(std::span<const std::byte>(static_cast<const std::byte*>(data), n));
            });
            return w.commit();
        });
    }

    // The context a prompt must fit, in tokens: the configured one, else the model's own;
    // 0: no limit (pure SSM).
    // A configured context longer than the model's is the model's (as a Session takes it).
    std::int64_t contextLimit(LoadedModel& lm) const {
        const std::int64_t own = lm.model->info().contextLength;
        if (config.contextLength <= 0) return own;
        return own > 0 ? std::min(own, config.contextLength) : config.contextLength;
    }

    // The context less the system text, the template, the request and a margin: what
    // the document and the answer share. 0: no limit (pure SSM).
    std::int64_t promptRoom(LoadedModel& lm, const std::string& request) const {
        const std::int64_t limit = contextLimit(lm);
        if (limit <= 0) return 0;
        const PromptParts empty = splitPrompt(*lm.chat, "", {}, request);
        const std::int64_t overhead =
            std::int64_t(lm.tokenizer->encode(empty.prefix, false).size() +
                         lm.tokenizer->encode(empty.suffix, false).size());
        return limit - overhead - 32;
    }

    // Token budget for the document part of a prompt whose answer may take maxNewTokens
    // (0: the configured length), though never more than half of what the prompt leaves:
    // an answer asked longer than the context allows would leave the document nothing, and
    // generation stops where the context ends anyway. 0: no limit (pure SSM).
    std::int64_t documentBudget(LoadedModel& lm, const std::string& request,
                                std::int64_t maxNewTokens = 0) const {
        constexpr std::int64_t kLeastRoom = 96; // a few lines of the document and an answer
        const std::int64_t limit = contextLimit(lm);
        if (limit <= 0) return 0;
        const std::int64_t room = promptRoom(lm, request);
        if (room < kLeastRoom)
            throw std::runtime_error("the context of " + std::to_string(limit) +
                                     " tokens is too small for this model's prompt (" +
                                     std::to_string(limit - room - 32) +
                                     " tokens of instructions and template)");
        const std::int64_t asked = maxNewTokens > 0 ? maxNewTokens : config.maxNewTokens;
        return room - std::min(asked, room / 2);
    }

    // The answer's length for a part of a hierarchical summary: at most a quarter of what
    // the prompt leaves, so that three parts' summaries fit the next round's part and
    // the rounds shrink whatever the context.
    std::int64_t partAnswerTokens(LoadedModel& lm) const {
        const std::int64_t room = promptRoom(lm, kPartSummaryRequest);
        if (room <= 0) return config.maxNewTokens;
        return std::max<std::int64_t>(16, std::min<std::int64_t>(config.maxNewTokens, room / 4));
    }

    // Splits units into consecutive parts whose prompt text fits `budget` tokens.
    std::vector<std::pair<std::size_t, std::size_t>> partition(LoadedModel& lm,
                                                               const std::vector<SourceUnit>& units,
                                                               DocumentKind kind,
                                                               std::int64_t budget) {
        std::vector<std::pair<std::size_t, std::size_t>> parts;
        std::size_t begin = 0;
        std::int64_t used = 0;
        for (std::size_t i = 0; i < units.size(); ++i) {
            const std::int64_t t =
                std::int64_t(
                    lm.tokenizer->encode(promptText(units, i, i + 1, kind), false).size()) +
                8;
            if (used + t > budget && i > begin) {
                parts.emplace_back(begin, i);
                begin = i;
                used = 0;
            }
            used += t;
        }
        if (begin < units.size()) parts.emplace_back(begin, units.size());
        return parts;
    }

    std::string rangeLabel(const std::vector<SourceUnit>& units, std::size_t a, std::size_t b) {
        const Citation& first = units[a].citation;
        const Citation& last = units[b - 1].citation;
        if (first.label == last.label) return first.label;
        return first.label + " to " + last.label;
    }
};

AnalysisService::AnalysisService(ServiceConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}

AnalysisService::~AnalysisService() = default;

const ServiceConfig& AnalysisService::config() const {
    return impl_->config;
}

std::string AnalysisService::databasePath() const {
    return impl_->dbPath.string();
}

std::string AnalysisService::defaultDatabasePath() {
    try {
        return storage::defaultLibraryPath().string();
    } catch (const storage::StorageError&) {
        return {};
    }
}

IngestReport AnalysisService::ingest(const std::string& path, JobControl& job) {
    // Qt names files in Unicode: a name of other bytes (an old Latin-1 archive) cannot be
    // opened through it, and would read as "no such file".
    if (!utf8::isValid(path))
        throw std::runtime_error(utf8::repair(path) +
                                 ": the file name is not UTF-8, which Longview cannot open "
                                 "(rename the file)");
    const auto start = Clock::now();
    const QString qpath = QFileInfo(QString::fromStdString(path)).absoluteFilePath();
    ingest::IngestOptions options;
    options.password = QString::fromStdString(impl_->config.pdfPassword);

    std::stop_source stop;
    std::jthread watcher([&](std::stop_token done) {
        while (!done.stop_requested()) {
            if (job.cancelled()) {
                stop.request_stop();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });

    IngestReport report;
    const QString hash = ingest::contentHash(qpath, options, stop.get_token());
    auto existing = impl_->read([&](storage::Connection& c) {
        return storage::DocumentStore(c).documentByPath(qpath.toStdString());
    });
    if (existing && existing->contentHash == hash.toStdString()) {
        report.document = impl_->info(*existing);
        report.document.stateCached = impl_->hasState(existing->contentHash);
        report.unchanged = true;
        report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        return report;
    }

    auto progress = [&](const ingest::IngestProgress& p) {
        if (!job.progress) return;
        using Stage = ingest::IngestProgress::Stage;
        const char* stage = p.stage == Stage::Page      ? "ingest pages"
                            : p.stage == Stage::Listing ? "list files"
                            : p.stage == Stage::File    ? "ingest files"
                                                        : "ingest"; // done: pages or files
        job.progress(stage, p.done, p.total);
    };
    ingest::Document doc;
    try {
        doc = ingest::ingestPath(qpath, options, progress, stop.get_token());
    } catch (const ingest::IngestCancelled&) {
        throw Cancelled();
    }
    if (job.cancelled()) throw Cancelled();

    std::optional<std::int64_t> replacing;
    if (existing) replacing = existing->id;
    const std::int64_t id =
        impl_->write([&](storage::Connection& c) { return storeDocument(c, doc, replacing); });
    report.document = impl_->info(impl_->documentRecord(id));
    report.skippedFiles = doc.skipped.total();
    for (auto it = doc.skipped.counts.begin(); it != doc.skipped.counts.end(); ++it) {
        SkippedFiles group{it.key().toStdString(), it.value(), {}};
        for (const QString& path : doc.skipped.examples.value(it.key()))
            group.examples.push_back(path.toStdString());
        report.skipped.push_back(std::move(group));
    }
    for (const auto& w : doc.warnings)
        report.warnings.push_back(w.toStdString());
    report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report;
}

std::int64_t AnalysisService::resolveDocument(const std::string& pathOrId, JobControl& job) {
    if (allDigits(pathOrId) && !std::filesystem::exists(pathOrId)) {
        const std::int64_t id = std::stoll(pathOrId);
        if (!document(id))
            throw std::runtime_error("no document #" + pathOrId + " in the library " +
                                     databasePath() + " (see 'longview-cli list')");
        return id;
    }
    if (!std::filesystem::exists(pathOrId)) {
        // A source that moved away is still in the library under its old path.
        const std::string abs = std::filesystem::absolute(pathOrId).lexically_normal().string();
        auto stored = impl_->read(
            [&](storage::Connection& c) { return storage::DocumentStore(c).documentByPath(abs); });
        if (stored) return stored->id;
        throw std::runtime_error(utf8::repair(pathOrId) + ": no such file or directory");
    }
    return ingest(pathOrId, job).document.id;
}

std::vector<DocumentInfo> AnalysisService::documents() const {
    auto records =
        impl_->read([](storage::Connection& c) { return storage::DocumentStore(c).documents(); });
    auto states = impl_->read([](storage::Connection& c) { return storage::StateCache(c).list(); });
    std::vector<DocumentInfo> out;
    for (const auto& r : records) {
        DocumentInfo d = impl_->info(r);
        d.stateCached = std::any_of(states.begin(), states.end(), [&](const storage::StateInfo& s) {
            return s.key.documentHash == r.contentHash;
        });
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<DocumentInfo> AnalysisService::document(std::int64_t id) const {
    auto r =
        impl_->read([&](storage::Connection& c) { return storage::DocumentStore(c).document(id); });
    if (!r) return std::nullopt;
    DocumentInfo d = impl_->info(*r);
    d.stateCached = impl_->hasState(r->contentHash);
    return d;
}

std::string AnalysisService::modelText(std::int64_t documentId) const {
    const auto doc = impl_->documentRecord(documentId);
    auto segments = impl_->read(
        [&](storage::Connection& c) { return storage::DocumentStore(c).segments(documentId); });
    return plainText(doc, segments);
}

void AnalysisService::removeDocument(std::int64_t id) {
    const auto doc = impl_->documentRecord(id);
    impl_->write([&](storage::Connection& c) {
        storage::StateCache(c).removeForDocumentHash(doc.contentHash);
        return storage::DocumentStore(c).removeDocument(id);
    });
}

Summary AnalysisService::summarize(std::int64_t documentId, JobControl& job) {
    const auto doc = impl_->documentRecord(documentId);
    Summary s = generateSummary(documentId, job);
    if (job.progress) job.progress("store", 0, 1);
    try {
        impl_->write([&](storage::Connection& c) {
            storage::NewSummary ns;
            ns.documentId = documentId;
            ns.contentHash = doc.contentHash;
            ns.model = s.extractive ? std::string() : s.metrics.model;
            ns.text = s.text;
            ns.citationsJson = toJson(s.citations).dump();
            ns.metricsJson = toJson(s.metrics).dump();
            return storage::SummaryStore(c).put(ns);
        });
        s.storedAt = isoTime(storage::nowMilliseconds());
    } catch (const storage::StorageError& e) {
        // The summary took minutes to write: hand it over anyway, saying why it is not kept.
        s.storeError = e.what();
    }
    if (job.progress) job.progress("store", 1, 1);
    return s;
}

std::optional<Summary> AnalysisService::storedSummary(std::int64_t documentId) const {
    const auto doc = impl_->documentRecord(documentId);
    auto r = impl_->read([&](storage::Connection& c) {
        return storage::SummaryStore(c).latest(documentId, doc.contentHash);
    });
    if (!r) return std::nullopt;
    Summary s;
    s.documentId = documentId;
    s.extractive = r->model.empty();
    s.text = r->text;
    s.citations = citationsFromJson(nlohmann::json::parse(r->citationsJson, nullptr, false));
    s.metrics = metricsFromJson(nlohmann::json::parse(r->metricsJson, nullptr, false));
    s.storedAt = isoTime(r->createdAt);
    return s;
}

Summary AnalysisService::generateSummary(std::int64_t documentId, JobControl& job) {
    const auto doc = impl_->documentRecord(documentId);
    const auto units = impl_->units(doc);
    const DocumentKind kind = documentKindFromName(doc.kind);
    Summary s;
    s.documentId = documentId;

    if (!hasModel() || !hasText(units)) { // (nothing for a model to read: said as is)
        s.extractive = true;
        s.metrics.device = "none";
        if (job.progress) job.progress("rank sentences", 0, 1);
        const auto picked = extractSummary(units);
        if (job.progress) job.progress("rank sentences", 1, 1);
        for (const auto& p : picked) {
            Citation c = units[p.unit].citation;
            c.quote = quoteOf(p.text);
            // One citation per unit: sentences from the same paragraph share it.
            auto it = std::find_if(s.citations.begin(), s.citations.end(),
                                   [&](const Citation& o) { return o.segmentId == c.segmentId; });
            std::size_t number = std::size_t(it - s.citations.begin()) + 1;
            if (it == s.citations.end()) s.citations.push_back(c);
            s.text += p.text + " [" + std::to_string(number) + "]\n\n";
        }
        if (s.text.empty() && hasText(units)) {
            // Text without sentences to rank (a dump without punctuation or word breaks):
            // say so, and show how it opens.
            const auto first = std::find_if(units.begin(), units.end(), [](const SourceUnit& u) {
                return u.text.find_first_not_of(" \t\r\n\f") != std::string::npos;
            });
            Citation c = first->citation;
            c.quote = quoteOf(first->text);
            s.citations.push_back(c);
            s.text = "(No sentences to rank: the text has no sentence or word breaks to go by. It "
                     "opens with:)\n\n" +
                     collapsed(std::string(utf8::prefix(first->text, 300))) + " [1]";
        }
        if (s.text.empty()) s.text = "(The document has no text to summarize.)";
        while (!s.text.empty() && s.text.back() == '\n')
            s.text.pop_back();
        return s;
    }

    LoadedModel& lm = impl_->loadedModel(job);
    s.extractive = false;
    const std::int64_t budget = impl_->documentBudget(lm, kSummaryRequest);
    std::string whole = promptText(units, 0, units.size(), kind);
    if (kind == DocumentKind::Codebase) whole = fileListing(units) + "\n" + whole;
    const std::int64_t wholeTokens =
        budget <= 0 ? 0 : std::int64_t(lm.tokenizer->encode(whole, false).size());
    const bool fits = budget <= 0 || wholeTokens <= budget;
    if (fits) {
        const PromptParts parts = splitPrompt(*lm.chat, whole, {}, kSummaryRequest);
        auto g = impl_->run(lm, parts.prefix, parts.suffix, doc.contentHash, true, job);
        s.text = g.text;
        s.metrics = g.metrics;
    } else {
        // Hierarchical: summaries of parts that fit the context (each cached under the
        // document, the model and the part's text), then summaries of those, until the
        // digest fits.
        const std::int64_t partAnswer = impl_->partAnswerTokens(lm);
        const std::int64_t partBudget = impl_->documentBudget(lm, kPartSummaryRequest, partAnswer);
        auto tokenCount = [&](const std::string& t) {
            return std::int64_t(lm.tokenizer->encode(t, false).size());
        };
        Metrics total;
        auto summarizePart = [&](const std::string& partText) {
            const std::string cacheKey = "summary:" + doc.contentHash + ":" +
                                         lm.model->fingerprint() + ":" + sha256Hex(partText);
            if (auto cached = impl_->setting(cacheKey.c_str())) {
                total.tokensFromCache += tokenCount(partText);
                return *cached;
            }
            const PromptParts pp = splitPrompt(*lm.chat, partText, {}, kPartSummaryRequest);
            auto g = impl_->run(lm, pp.prefix, pp.suffix, doc.contentHash, false, job, false,
                                partAnswer);
            total.tokensRead += g.metrics.tokensRead;
            total.generatedTokens += g.metrics.generatedTokens;
            impl_->write([&](storage::Connection& c) {
                storage::SettingsStore(c).set(cacheKey, g.text);
                return 0;
            });
            return g.text;
        };
        std::vector<std::string> pieces;
        const auto within = unitsWithin(units, kind, partBudget, tokenCount);
        const auto parts = impl_->partition(lm, within, kind, partBudget);
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (job.progress)
                job.progress("summarize parts", std::int64_t(i), std::int64_t(parts.size()));
            pieces.push_back(
                "[" + impl_->rangeLabel(within, parts[i].first, parts[i].second) + "]\n" +
                summarizePart(promptText(within, parts[i].first, parts[i].second, kind)));
        }
        // (the reading and generating that follow are the whole summary's, no part's)
        if (job.progress)
            job.progress("summarize parts", std::int64_t(parts.size()), std::int64_t(parts.size()));
        std::string digest;
        for (int round = 0;; ++round) {
            digest.clear();
            for (const auto& p : pieces)
                digest += p + "\n\n";
            if (tokenCount(digest) <= budget || round == 4) break;
            std::vector<std::string> next;
            std::string group;
            std::int64_t used = 0;
            for (const auto& p : pieces) {
                const std::int64_t t = tokenCount(p);
                if (used + t > partBudget && !group.empty()) {
                    next.push_back(summarizePart(group));
                    group.clear();
                    used = 0;
                }
                group += p + "\n\n";
                used += t;
            }
            if (!group.empty()) next.push_back(summarizePart(group));
            if (next.size() >= pieces.size()) break; // no progress: truncate below
            pieces = std::move(next);
        }
        auto digestTokens = lm.tokenizer->encode(digest, false);
        if (std::int64_t(digestTokens.size()) > budget) {
            digestTokens.resize(std::size_t(std::max<std::int64_t>(budget - 16, 0)));
            digest = lm.tokenizer->decode(digestTokens, true);
        }
        const PromptParts pp = splitPrompt(*lm.chat, digest, {}, kSummaryRequest);
        auto g = impl_->run(lm, pp.prefix, pp.suffix, doc.contentHash, false, job);
        s.text = g.text;
        s.metrics = g.metrics;
        s.metrics.tokensRead += total.tokensRead;
        s.metrics.tokensFromCache += total.tokensFromCache;
        s.metrics.generatedTokens += total.generatedTokens;
        s.metrics.coverage.wholeDocumentTokens = wholeTokens;
        s.metrics.coverage.contextTokens = impl_->contextLimit(lm);
        s.metrics.coverage.summaryParts = std::int64_t(parts.size());
    }
    s.citations = resolveCitations(s.text, units);
    for (auto& c : s.citations)
        for (const auto& u : units)
            if (u.citation.segmentId == c.segmentId) c.quote = quoteOf(u.text);
    return s;
}

Answer AnalysisService::ask(std::int64_t documentId, const std::string& question,
                            std::optional<std::int64_t> sessionId, JobControl& job) {
    if (question.find_first_not_of(" \t\r\n") == std::string::npos)
        throw std::runtime_error("the question is empty");
    const auto doc = impl_->documentRecord(documentId);
    const auto units = impl_->units(doc);
    const DocumentKind kind = documentKindFromName(doc.kind);
    Answer a;
    a.documentId = documentId;
    a.question = question;

    std::vector<Turn> history;
    if (sessionId) {
        auto session = impl_->read(
            [&](storage::Connection& c) { return storage::SessionStore(c).session(*sessionId); });
        if (!session) throw std::runtime_error("no session #" + std::to_string(*sessionId));
        if (session->documentId && *session->documentId != documentId)
            throw std::runtime_error("session #" + std::to_string(*sessionId) +
                                     " belongs to document #" +
                                     std::to_string(*session->documentId));
        for (const auto& m : messages(*sessionId))
            history.push_back({m.question, m.answer});
    }

    if (!hasModel() || !hasText(units)) {
        a.extractive = true;
        a.metrics.device = "none";
        std::vector<Passage> passages;
        // A codebase's definitions of the identifiers asked about come first, cited at
        // their line: BM25 ranks the many places a name is used above the one that makes it.
        if (kind == DocumentKind::Codebase)
            for (const SymbolDefinition& d : definitionsNamedIn(question, units)) {
                Passage p;
                p.citation = units[d.unit].citation;
                const int lines = int(std::count(d.text.begin(), d.text.end(), '\n'));
                p.citation.lineStart = d.line;
                p.citation.lineEnd =
                    std::max(d.line, std::min(d.line + lines - 1, units[d.unit].citation.lineEnd));
                p.citation.label =
                    lineRangeLabel(p.citation.filePath, p.citation.lineStart, p.citation.lineEnd);
                p.citation.quote = quoteOf(d.text);
                p.snippet = collapsed(std::string(utf8::prefix(d.text, 300)));
                passages.push_back(std::move(p));
            }
        for (std::size_t i : unitsOfNamedFiles(question, units)) {
            if (passages.size() >= 3) break;
            const bool seenFile =
                std::any_of(passages.begin(), passages.end(), [&](const Passage& p) {
                    return p.citation.filePath == units[i].citation.filePath;
                });
            if (seenFile) continue;
            Passage p;
            p.citation = units[i].citation;
            p.citation.quote = quoteOf(units[i].text);
            p.snippet = collapsed(std::string(utf8::prefix(units[i].text, 300)));
            passages.push_back(std::move(p));
        }
        // Contents entries that match stay out where the text itself matches too: they
        // name a section, not what it says.
        auto hits = search(question, documentId, 8);
        const bool textMatches = std::any_of(
            hits.begin(), hits.end(), [](const Passage& p) { return !hasDotLeaders(p.snippet); });
        for (auto& p : hits) {
            const bool dup = std::any_of(passages.begin(), passages.end(), [&](const Passage& o) {
                return o.citation.segmentId == p.citation.segmentId;
            });
            const bool contents = hasDotLeaders(p.snippet) && (textMatches || !passages.empty());
            if (!dup && !contents && passages.size() < 5) passages.push_back(std::move(p));
        }
        if (passages.empty()) {
            a.text = "No passage of the document matches the question.";
        } else {
            a.text = "Passages that match the question (no model configured):\n\n";
            for (std::size_t i = 0; i < passages.size(); ++i) {
                a.citations.push_back(passages[i].citation);
                a.text += passages[i].snippet + " [" + std::to_string(i + 1) + "]\n\n";
            }
        }
        while (!a.text.empty() && a.text.back() == '\n')
            a.text.pop_back();
    } else {
        LoadedModel& lm = impl_->loadedModel(job);
        a.extractive = false;
        const std::int64_t budget = impl_->documentBudget(lm, question);
        std::string docText = promptText(units, 0, units.size(), kind);
        if (kind == DocumentKind::Codebase) docText = fileListing(units) + "\n" + docText;
        bool cache = true;
        Coverage coverage;
        const std::int64_t wholeTokens =
            budget <= 0 ? 0 : std::int64_t(lm.tokenizer->encode(docText, false).size());
        if (budget > 0 && wholeTokens > budget) {
            // Too long to read whole: the passages BM25 ranks highest, in document
            // order, as many as fit (a passage longer than the budget in slices that do).
            cache = false;
            auto hits = impl_->read([&](storage::Connection& c) {
                storage::SearchOptions o;
                o.mode = storage::MatchMode::AnyTerm;
                return storage::SegmentSearch(c).search(question, 200, documentId, o);
            });
            const auto within = unitsWithin(units, kind, budget, [&](const std::string& t) {
                return std::int64_t(lm.tokenizer->encode(t, false).size());
            });
            std::vector<std::size_t> chosen;
            std::int64_t used = 0;
            auto take = [&](std::size_t i) {
                if (std::find(chosen.begin(), chosen.end(), i) != chosen.end()) return false;
                const std::int64_t t = std::int64_t(
                    lm.tokenizer->encode(promptText(within, i, i + 1, kind), false).size());
                if (used + t > budget) return false;
                chosen.push_back(i);
                used += t;
                return true;
            };
            // Definitions of the identifiers asked about (a codebase), then the files the
            // question names, then what BM25 ranks highest.
            if (kind == DocumentKind::Codebase)
                for (const SymbolDefinition& d : definitionsNamedIn(question, within))
                    take(d.unit);
            for (std::size_t i : unitsOfNamedFiles(question, within))
                take(i);
            for (const auto& h : hits)
                for (std::size_t i = 0; i < within.size(); ++i)
                    if (within[i].citation.segmentId == h.segmentId && take(i) &&
                        within[i].role == "heading" && i + 1 < within.size())
                        take(i + 1); // a heading that matches, with the text under it
            if (chosen.empty())      // the opening, as much as fits
                for (std::size_t i = 0; i < within.size(); ++i)
                    if (!take(i)) break;
            std::sort(chosen.begin(), chosen.end());
            std::vector<SourceUnit> subset;
            std::vector<std::int64_t> segments;
            for (std::size_t i : chosen) {
                subset.push_back(within[i]);
                if (segments.empty() || segments.back() != within[i].citation.segmentId)
                    segments.push_back(within[i].citation.segmentId);
            }
            docText = promptText(subset, 0, subset.size(), kind);
            coverage.wholeDocumentTokens = wholeTokens;
            coverage.contextTokens = impl_->contextLimit(lm);
            coverage.passagesRead = std::int64_t(segments.size());
            coverage.passagesTotal = std::int64_t(units.size());
        }
        const PromptParts parts = splitPrompt(*lm.chat, docText, history, question);
        auto g = impl_->run(lm, parts.prefix, parts.suffix, doc.contentHash, cache, job);
        a.text = g.text;
        a.metrics = g.metrics;
        a.metrics.coverage = coverage;
        a.citations = resolveCitations(a.text, units);
        for (auto& c : a.citations)
            for (const auto& u : units)
                if (u.citation.segmentId == c.segmentId) c.quote = quoteOf(u.text);
    }

    // Every question and answer is kept with its citations and metrics.
    const std::string modelName = a.extractive ? std::string() : a.metrics.model;
    auto ids = impl_->write([&](storage::Connection& c) {
        storage::SessionStore store(c);
        std::int64_t sid = sessionId.value_or(0);
        if (!sessionId) {
            storage::NewSession ns;
            ns.documentId = documentId;
            ns.title = std::string(utf8::prefix(question, 80));
            ns.model = modelName;
            sid = store.createSession(ns);
        }
        storage::NewMessage nm;
        nm.question = question;
        nm.answer = a.text;
        nm.citationsJson = toJson(a.citations).dump();
        nm.metricsJson = toJson(a.metrics).dump();
        return std::make_pair(sid, store.addMessage(sid, nm));
    });
    a.sessionId = ids.first;
    a.messageId = ids.second;
    return a;
}

std::vector<Passage> AnalysisService::search(const std::string& query,
                                             std::optional<std::int64_t> documentId,
                                             int limit) const {
    // A question's function words ("can", "for", "the") would rank every passage;
    // search its content words, unless nothing else is left.
    std::string terms;
    for (const auto& w : searchWords(query))
        terms += (terms.empty() ? "" : " ") + w;
    const std::string& q = terms.empty() || query.find('"') != std::string::npos ? query : terms;
    auto hits = impl_->read([&](storage::Connection& c) {
        storage::SearchOptions o;
        o.mode = storage::MatchMode::AnyTerm;
        return storage::SegmentSearch(c).search(q, limit, documentId, o);
    });
    std::vector<Passage> out;
    std::map<std::int64_t, std::vector<SourceUnit>> unitsByDoc;
    for (const auto& h : hits) {
        auto it = unitsByDoc.find(h.documentId);
        if (it == unitsByDoc.end())
            it = unitsByDoc.emplace(h.documentId, impl_->units(impl_->documentRecord(h.documentId)))
                     .first;
        const std::vector<SourceUnit>& units = it->second;
        for (std::size_t i = 0; i < units.size(); ++i) {
            const SourceUnit& u = units[i];
            if (u.citation.segmentId != h.segmentId) continue;
            Passage p;
            p.citation = u.citation;
            p.citation.quote = quoteOfHit(u.text, h.snippet);
            p.snippet = collapsed(h.snippet);
            p.score = h.rank;
            // A heading that matches stands for its section: the passage is the heading
            // and the text under it, cited where that text is. A first paragraph too short
            // to say much ("The format is described below.") brings the next ones of the
            // section, of the same page or file.
            if (u.role == "heading" && i + 1 < units.size() && units[i + 1].role != "heading") {
                const SourceUnit& next = units[i + 1];
                p.citation = next.citation;
                p.citation.quote = quoteOf(next.text);
                std::string under = next.text;
                for (std::size_t j = i + 2; j < units.size() && under.size() < 250; ++j) {
                    const Citation& c = units[j].citation;
                    if (units[j].role == "heading" || c.pageIndex != next.citation.pageIndex ||
                        c.filePath != next.citation.filePath)
                        break;
                    under += "\n\n" + units[j].text;
                    if (c.lineEnd > p.citation.lineEnd) {
                        p.citation.lineEnd = c.lineEnd;
                        p.citation.label =
                            lineRangeLabel(c.filePath, p.citation.lineStart, p.citation.lineEnd);
                    }
                }
                p.snippet =
                    collapsed(h.snippet) + " — " + collapsed(std::string(utf8::prefix(under, 250)));
            }
            out.push_back(std::move(p));
            break;
        }
    }
    return out;
}

std::vector<SessionInfo> AnalysisService::sessions(std::optional<std::int64_t> documentId) const {
    auto records = impl_->read(
        [&](storage::Connection& c) { return storage::SessionStore(c).sessions(documentId); });
    std::vector<SessionInfo> out;
    for (const auto& r : records) {
        SessionInfo s;
        s.id = r.id;
        s.documentId = r.documentId.value_or(0);
        if (r.documentId)
            if (auto d = document(*r.documentId)) s.documentTitle = d->title;
        s.createdAt = isoTime(r.createdAt);
        s.messages = r.messageCount;
        auto msgs = messages(r.id);
        s.lastActiveAt = msgs.empty() ? s.createdAt : msgs.back().createdAt;
        if (!msgs.empty()) s.lastQuestion = msgs.back().question;
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<Message> AnalysisService::messages(std::int64_t sessionId) const {
    auto records = impl_->read(
        [&](storage::Connection& c) { return storage::SessionStore(c).messages(sessionId); });
    std::vector<Message> out;
    for (const auto& r : records) {
        Message m;
        m.id = r.id;
        m.question = r.question;
        m.answer = r.answer;
        m.citations = citationsFromJson(nlohmann::json::parse(r.citationsJson, nullptr, false));
        m.metrics = metricsFromJson(nlohmann::json::parse(r.metricsJson, nullptr, false));
        m.createdAt = isoTime(r.createdAt);
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<ModelInfo> AnalysisService::models() const {
    std::vector<std::string> extra;
    if (!impl_->config.modelPath.empty()) extra.push_back(impl_->config.modelPath);
    const std::string def = impl_->resolvedModelPath();
    if (!def.empty()) extra.push_back(def);
    return findModels(impl_->modelsFolder(), extra, def);
}

bool AnalysisService::hasModel() const {
    return !impl_->resolvedModelPath().empty();
}

std::string AnalysisService::modelsFolder() const {
    return impl_->modelsFolder();
}

void AnalysisService::setModelsFolder(const std::string& dir) {
    const std::string abs = std::filesystem::absolute(dir).lexically_normal().string();
    impl_->write([&](storage::Connection& c) {
        storage::SettingsStore(c).set(kSettingModelsFolder, abs);
        return 0;
    });
}

void AnalysisService::setDefaultModel(const std::string& dir) {
    if (dir.empty()) { // back to extractive summaries and answers
        impl_->write([&](storage::Connection& c) {
            storage::SettingsStore(c).remove(kSettingDefaultModel);
            return 0;
        });
        std::lock_guard lock(impl_->modelMutex);
        impl_->model.reset();
        return;
    }
    const std::string abs = std::filesystem::absolute(dir).lexically_normal().string();
    describeModel(abs); // throws, naming the folder, when it is not a usable checkpoint
    impl_->write([&](storage::Connection& c) {
        storage::SettingsStore(c).set(kSettingDefaultModel, abs);
        return 0;
    });
}

} // namespace lv::analysis
