#include "cli/ServiceOptions.h"

#include <chrono>
#include <ostream>
#include <unistd.h>

namespace lv::cli {

std::vector<OptionSpec> generationOptions() {
    return {
        {"max-tokens", "N", "most tokens to generate (default 512)"},
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
    cfg.maxNewTokens = int(inv.intOr("max-tokens", 512));
    if (cfg.maxNewTokens <= 0) throw UsageError("--max-tokens must be positive");
    cfg.temperature = float(inv.doubleOr("temperature", 0.0));
    if (cfg.temperature < 0) throw UsageError("--temperature must not be negative");
    cfg.seed = std::uint64_t(inv.intOr("seed", 0));
    cfg.contextLength = inv.intOr("context", 0);
    if (cfg.contextLength < 0) throw UsageError("--context must not be negative");
    cfg.pdfPassword = inv.valueOr("password", "");
    return std::make_unique<analysis::AnalysisService>(cfg);
}

void attachProgress(analysis::JobControl& job, CommandIo& io) {
    if (!isatty(STDERR_FILENO)) return;
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    std::ostream* err = &io.err;
    job.progress = [last, err](const std::string& stage, std::int64_t done, std::int64_t total) {
        const auto now = std::chrono::steady_clock::now();
        if (done < total && now - *last < std::chrono::milliseconds(200)) return;
        *last = now;
        *err << "\r\033[K" << stage << " " << done;
        if (total > 0) *err << " / " << total;
        if (done >= total) *err << "\r\033[K";
        err->flush();
    };
}

} // namespace lv::cli
