#include "cli/commands/Benches.h"
#include "cli/commands/Commands.h"
#include "cli/commands/IngestBench.h"
#include "cli/commands/StorageBench.h"

#include "backend/ProfiledBackend.h"
#include "core/Error.h"
#include "model/Model.h"
#include "model/PublishedShapes.h"
#include "runtime/BackendChoice.h"
#include "runtime/ForwardWork.h"
#include "runtime/Rng.h"
#include "runtime/Session.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <string_view>
#include <sys/resource.h>
#include <thread>
#include <unistd.h> // environ

namespace lv::cli {

namespace {

// The engine's tuning switches set in the environment (LONGVIEW_CUDA_*: the GPU backend's
// comparisons and opt-ins), sorted, so that a bench's output says what it measured.
std::map<std::string, std::string> engineSwitches() {
    std::map<std::string, std::string> out;
    static constexpr std::string_view prefix = "LONGVIEW_CUDA_";
    for (char** e = environ; e && *e; ++e) {
        const std::string_view kv(*e);
        const auto eq = kv.find('=');
        if (eq == std::string_view::npos || kv.substr(0, prefix.size()) != prefix) continue;
        out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return out;
}

nlohmann::json syntheticConfig(const std::string& name) {
    if (auto shape = publishedShape(name)) return *shape;
    std::string known;
    for (const auto& n : publishedShapeNames())
        known += (known.empty() ? "" : ", ") + n;
    throw UsageError("--synthetic: unknown model '" + name + "' (" + known + ")");
}

std::vector<std::int64_t> parseContexts(const std::string& text) {
    std::vector<std::int64_t> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t comma = text.find(',', pos);
        const std::string item =
            text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        std::size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || v <= 0)
            throw UsageError("--contexts expects positive token counts like 512,2048, got '" +
                             item + "'");
        out.push_back(v);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

double peakRssMiB() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0; // KiB on Linux
}

std::string fixed(double v, int digits) {
    char b[48];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
}

// Per phase, each op's calls, total time and share of the phase's op time.
void printProfile(const ProfiledBackend& profiler, CommandIo& io) {
    const auto entries = profiler.entries();
    std::map<std::string, double> phaseTotal;
    for (const auto& e : entries)
        phaseTotal[e.phase] += e.seconds;
    io.out << "\nprofile (all contexts; each op between two synchronisations, so the runs\n"
              "above were slower than without --profile)\n"
           << "phase     op                               calls    total ms   share    mean us\n";
    for (const auto& e : entries) {
        char line[200];
        std::snprintf(line, sizeof line, "%-9s %-30s %8lld %11.2f %6.1f%% %10.1f\n",
                      e.phase.c_str(), e.op.c_str(), static_cast<long long>(e.calls),
                      e.seconds * 1e3, 100.0 * e.seconds / phaseTotal[e.phase],
                      e.seconds * 1e6 / double(e.calls));
        io.out << line;
    }
}

int runBench(const Invocation& inv, CommandIo& io) {
    if (inv.has("model") && inv.has("synthetic"))
        throw UsageError("bench takes --model or --synthetic, not both");
    const std::string device = inv.valueOr("device", "auto");
    const int threads = int(inv.intIn("threads", 0, 0, 1024)); // 0: every core
    std::unique_ptr<Backend> backend = makeBackend(device, threads);
    const bool gpu = backend->device() != DeviceKind::Cpu;
    // --profile: every op timed on its own (slower runs; the table says where time goes).
    ProfiledBackend* profiler = nullptr;
    if (inv.has("profile")) {
        auto profiled = std::make_unique<ProfiledBackend>(std::move(backend));
        profiler = profiled.get();
        backend = std::move(profiled);
    }
    auto phase = [&](const char* name) {
        if (profiler) profiler->setPhase(name);
    };
    const auto contexts =
        parseContexts(inv.valueOr("contexts", gpu ? "1024,4096,16384,65536" : "256,1024"));
    constexpr long long kNoLimit = std::numeric_limits<long long>::max();
    const std::int64_t decodeTokens = inv.intIn("decode-tokens", gpu ? 64 : 8, 1, kNoLimit);
    const std::int64_t chunk = inv.intIn("chunk", 0, 0, kNoLimit); // 0: the backend's choice
    const std::int64_t repeat = inv.intIn("repeat", 1, 1, 100);

    std::string label;
    const auto loadStart = std::chrono::steady_clock::now();
    std::unique_ptr<Model> model;
    if (auto dir = inv.value("model")) {
        model = Model::load(*dir, *backend);
        label = *dir;
    } else {
        const std::string name = inv.valueOr("synthetic", "granite-4.0-h-350m");
        model = Model::synthetic(syntheticConfig(name), *backend, DType::BF16, 1);
        label = name + " (synthetic bf16)";
    }
    const double loadSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();
    const auto& info = model->info();

    struct Row {
        std::int64_t context;
        double prefillTps, decodeTps;
        std::size_t stateBytes;
        std::size_t peakDeviceBytes; // 0 where the backend does not track device memory
        ForwardWork work;            // the least work, for the roofline reading
    };
    std::vector<Row> rows;
    std::string decodeMode;
    std::int64_t usedChunk = chunk;
    Rng rng(42);
    if (gpu && !profiler) {
        // Untimed: a GPU loads each kernel at its first launch (and cuBLASLt picks its
        // algorithms per shape), some milliseconds in all, which would land on the first row.
        SessionOptions so;
        so.prefillChunk = chunk;
        so.recordDecode = !inv.has("direct-decode");
        Session warm(*model, so);
        std::vector<std::int32_t> ids(std::size_t(
            std::min<std::int64_t>(*std::min_element(contexts.begin(), contexts.end()), 4096)));
        for (auto& t : ids)
            t = std::int32_t(rng.next() % std::uint64_t(info.vocabSize));
        GenerateOptions g;
        g.maxTokens = 4;
        g.stopAtEos = false;
        (void)warm.generate(ids, g);
        backend->synchronize();
    }
    for (const auto ctx : contexts) {
        if (info.contextLength > 0 && ctx + decodeTokens + 1 > info.contextLength)
            throw EngineError("bench: context " + std::to_string(ctx) + " and " +
                              std::to_string(decodeTokens + 1) +
                              " decode steps (the first, untimed, may record the step) exceed "
                              "the model's " +
                              std::to_string(info.contextLength) + " positions");
        SessionOptions so;
        so.prefillChunk = chunk;
        so.recordDecode = !inv.has("direct-decode");
        // Best of `repeat` runs: on a shared machine the fastest run is the one least
        // disturbed by other work.
        Row best{ctx, 0, 0, 0, 0, forwardWork(model->spec(), ctx, backend->kvCacheDType())};
        for (std::int64_t run = 0; run < repeat; ++run) {
            backend->resetPeak(); // weights + this run's state and activations
            Session s(*model, so);
            std::vector<std::int32_t> ids(static_cast<std::size_t>(ctx));
            for (auto& t : ids)
                t = std::int32_t(rng.next() % std::uint64_t(info.vocabSize));
            phase("prefill");
            const auto t0 = std::chrono::steady_clock::now();
            s.prefill(ids);
            phase("decode");
            const auto prefilled = std::chrono::steady_clock::now(); // prefill ends with a download
            // The first step may record the decode graph: not in decode tok/s.
            s.decode(std::int32_t(rng.next() % std::uint64_t(info.vocabSize)));
            backend->synchronize();
            const auto t1 = std::chrono::steady_clock::now();
            // Greedy generation, as an answer streams: each step's token chosen and fed.
            GenerateOptions g;
            g.maxTokens = decodeTokens;
            g.stopAtEos = false;
            (void)s.generate({}, g);
            backend->synchronize();
            const auto t2 = std::chrono::steady_clock::now();
            best.prefillTps =
                std::max(best.prefillTps,
                         double(ctx) / std::chrono::duration<double>(prefilled - t0).count());
            best.decodeTps =
                std::max(best.decodeTps,
                         double(decodeTokens) / std::chrono::duration<double>(t2 - t1).count());
            best.stateBytes = s.stateBytes();
            best.peakDeviceBytes = std::max(best.peakDeviceBytes, backend->memoryStats().peakBytes);
            decodeMode = s.decodeMode();
            usedChunk = s.prefillChunk();
        }
        rows.push_back(best);
    }

    const double rss = peakRssMiB();
    const unsigned cores = std::thread::hardware_concurrency();
    const auto switches = engineSwitches();
    if (inv.json) {
        nlohmann::json j;
        j["model"] = label;
        j["architecture"] = info.architecture;
        j["parameters"] = info.parameters;
        j["weight_dtype"] = std::string(dtypeName(info.weightDtype));
        j["device"] = backend->name();
        j["threads"] = threads > 0 ? unsigned(threads) : cores;
        j["load_seconds"] = loadSeconds;
        j["prefill_chunk"] = usedChunk;
        j["decode_tokens"] = decodeTokens;
        j["decode_mode"] = decodeMode;
        j["environment"] = nlohmann::json::object();
        for (const auto& [k, v] : switches)
            j["environment"][k] = v;
        j["repeat"] = repeat;
        for (const auto& r : rows)
            j["results"].push_back({{"context", r.context},
                                    {"prefill_tokens_per_second", r.prefillTps},
                                    {"decode_tokens_per_second", r.decodeTps},
                                    {"state_bytes", r.stateBytes},
                                    {"peak_device_bytes", r.peakDeviceBytes},
                                    {"prefill_flops", r.work.prefillFlops},
                                    {"prefill_flop_per_second",
                                     r.work.prefillFlops * r.prefillTps / double(r.context)},
                                    {"decode_bytes", r.work.decodeBytes},
                                    {"decode_bytes_per_second", r.work.decodeBytes * r.decodeTps}});
        j["weight_bytes"] = info.weightBytes;
        j["peak_rss_mib"] = rss;
        if (profiler)
            for (const auto& e : profiler->entries())
                j["profile"].push_back(
                    {{"phase", e.phase}, {"op", e.op}, {"calls", e.calls}, {"seconds", e.seconds}});
        io.out << j.dump(2) << "\n";
        return 0;
    }
    io.out << "model    " << label << " (" << info.architecture << ", "
           << fixed(double(info.parameters) / 1e6, 1) << "M parameters, "
           << dtypeName(info.weightDtype) << ")\n"
           << "device   " << backend->name() << "; load " << fixed(loadSeconds, 1)
           << " s; prefill chunk " << usedChunk << ", " << decodeTokens
           << " decode tokens per context, best of " << repeat << "\n"
           << "decode   " << decodeMode << "\n";
    if (!switches.empty()) {
        io.out << "switches";
        for (const auto& [k, v] : switches)
            io.out << " " << k << "=" << v;
        io.out << "\n";
    }
    io.out << "\n"
           << "context   prefill tok/s   decode tok/s   state MiB   prefill TFLOP/s   decode GB/s"
           << (gpu ? "   peak GPU MiB\n" : "\n");
    for (const auto& r : rows) {
        char line[200];
        // The roofline reading: the least work of each (ForwardWork) at the measured rate.
        std::snprintf(line, sizeof line, "%7lld   %13.1f   %12.2f   %9.1f   %15.2f   %11.1f",
                      (long long)r.context, r.prefillTps, r.decodeTps,
                      double(r.stateBytes) / 1048576.0,
                      r.work.prefillFlops * r.prefillTps / double(r.context) / 1e12,
                      r.work.decodeBytes * r.decodeTps / 1e9);
        io.out << line;
        if (gpu) {
            std::snprintf(line, sizeof line, "   %12.1f", double(r.peakDeviceBytes) / 1048576.0);
            io.out << line;
        }
        io.out << "\n";
    }
    io.out << "(TFLOP/s and GB/s: the least work at these rates: the products and attention of the "
              "prefill; the weights, KV cache and state a decode step reads)\n";
    io.out << "\npeak memory: " << fixed(rss, 0) << " MiB resident; weights "
           << fixed(double(info.weightBytes) / 1048576.0, 0) << " MiB on " << backend->name()
           << "\n";
    if (profiler) printProfile(*profiler, io);
    return 0;
}

} // namespace

Command makeBenchCommand() {
    Command c;
    c.name = "bench";
    c.summary = "throughput benchmarks: engine (default), tokenizers, ingest, storage";
    c.usage = "bench [--model DIR | --synthetic NAME] [--device cpu|cuda] [--contexts N,N...] "
              "[--json]\n       longview-cli bench --tokenizer FILE|DIR [--corpus FILE]\n"
              "       longview-cli bench --ingest PATH [--repeat N] [--threads N]\n"
              "       longview-cli bench --storage [--sizes MiB,MiB]";
    c.options = {
        {"synthetic", "NAME",
         "random bf16 weights in a real shape: granite-4.0-h-350m (default), "
         "granite-4.0-h-1b, granite-4.0-h-tiny (64 experts, 6 a token)"},
        {"contexts", "N,N...", "prompt lengths to measure (default 256,1024 on the CPU)"},
        {"decode-tokens", "N",
         "tokens generated (greedy) after each prompt (default 8 CPU, 64 GPU)"},
        {"chunk", "N", "prefill chunk size (default as the app: 512 CPU, 8192 GPU)"},
        {"threads", "N", "CPU threads (default 0: all cores)"},
        {"repeat", "N", "runs per context; the best is reported (default 1)"},
        {"direct-decode", "", "launch every decode op instead of replaying a recorded CUDA graph"},
        {"profile", "", "time every op on its own and print where prefill and decode time goes"},
        {"tokenizer", "FILE|DIR", "tokenizer throughput of this tokenizer (repeatable)", true},
        {"corpus", "FILE", "text for the tokenizer benchmark (default: 20 MB of text and code)"},
        {"ingest", "PATH", "ingest throughput of a PDF (against pdftotext) or a source tree"},
        {"storage", "", "state-cache save/load and full-text search speed"},
        {"sizes", "MiB,MiB", "state sizes for --storage (default 100,1024)"},
    };
    c.minPositional = 0;
    c.maxPositional = 0;
    c.run = [](const Invocation& inv, CommandIo& io) {
        if (inv.has("tokenizer")) return runTokenizerBench(inv, io);
        if (inv.has("ingest")) return runIngestBench(inv, io);
        if (inv.has("storage")) return runStorageBench(inv, io);
        return runBench(inv, io);
    };
    return c;
}

} // namespace lv::cli
