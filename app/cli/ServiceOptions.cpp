#include "cli/ServiceOptions.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <ostream>
#include <unistd.h>

namespace lv::cli {

std::vector<OptionSpec> generationOptions() {
    return {
        {"max-tokens", "N", "most tokens to generate (default 512; at most half the context)"},
        {"temperature", "T", "sampling temperature, 0 for greedy (default 0)"},
        {"seed", "N", "random seed for sampling"},
        {"context", "N", "context length to use (default: the model's)"},
        {"password", "P", "password of an encrypted PDF"},
    };
}

std::unique_ptr<analysis::AnalysisService> makeService(const Invocation& inv) {
    analysis::ServiceConfig cfg;
    cfg.databasePath = inv.valueOr("db", "");
    cfg.modelPath = inv.valueOr("model", "");
    cfg.device = inv.valueOr("device", "auto");
    if (cfg.device != "auto" && cfg.device != "cpu" && cfg.device != "cuda")
        throw UsageError("--device expects auto, cpu or cuda, got '" + cfg.device + "'");
    cfg.maxNewTokens = int(inv.intIn("max-tokens", 512, 1, std::numeric_limits<int>::max()));
    cfg.temperature = inv.floatOr("temperature", 0.0f);
    if (cfg.temperature < 0) throw UsageError("--temperature must not be negative");
    cfg.seed = std::uint64_t(inv.intIn("seed", 0, 0, std::numeric_limits<long long>::max()));
    cfg.contextLength = inv.intIn("context", 0, 0, std::numeric_limits<long long>::max());
    cfg.pdfPassword = inv.valueOr("password", "");
    return std::make_unique<analysis::AnalysisService>(cfg);
}

std::optional<std::int64_t> documentIdArgument(const std::string& pathOrId) {
    const bool digits =
        !pathOrId.empty() &&
        std::all_of(pathOrId.begin(), pathOrId.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::filesystem::exists(pathOrId)) return std::nullopt;
    return parseInteger("ID", pathOrId);
}

std::int64_t resolveDocumentArgument(analysis::AnalysisService& service,
                                     const std::string& pathOrId, analysis::JobControl& job) {
    documentIdArgument(pathOrId); // (throws for an id past 64 bits)
    return service.resolveDocument(pathOrId, job);
}

void attachProgress(analysis::JobControl& job, CommandIo& io) {
    if (!isatty(STDERR_FILENO)) return;
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    // A hierarchical summary reads and generates once a part: "part 3 of 40: read 90 / 376".
    auto part = std::make_shared<std::string>();
    std::ostream* err = &io.err;
    job.progress = [last, part, err](const std::string& stage, std::int64_t done,
                                     std::int64_t total) {
        if (stage == "summarize parts") {
            *part = done < total
                        ? "part " + std::to_string(done + 1) + " of " + std::to_string(total) + ": "
                        : std::string();
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (done < total && now - *last < std::chrono::milliseconds(200)) return;
        *last = now;
        *err << "\r\033[K" << *part << stage << " " << done;
        if (total > 0) *err << " / " << total;
        if (done >= total) *err << "\r\033[K";
        err->flush();
    };
}

} // namespace lv::cli
