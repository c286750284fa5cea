#include "cli/commands/Commands.h"

#include "cli/Command.h"
#include "model/Model.h"
#include "runtime/BackendChoice.h"
#include "runtime/Session.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <ostream>

namespace lv::cli {

namespace {

std::vector<std::int32_t> parseIds(const std::string& text) {
    std::vector<std::int32_t> ids;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t comma = text.find(',', pos);
        const std::string item =
            text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        std::size_t used = 0;
        long long v = -1;
        try {
            v = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || v < 0 || v > INT32_MAX)
            throw UsageError("--prompt-ids expects comma-separated token ids, got '" + item + "'");
        ids.push_back(std::int32_t(v));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return ids;
}

const char* stopName(GenerateResult::Stop s) {
    switch (s) {
    case GenerateResult::Stop::MaxTokens:
        return "max_tokens";
    case GenerateResult::Stop::StopToken:
        return "stop_token";
    case GenerateResult::Stop::Callback:
        return "callback";
    case GenerateResult::Stop::ContextFull:
        return "context_full";
    }
    return "?";
}

int runGenerate(const Invocation& inv, CommandIo& io) {
    const auto modelDir = inv.value("model");
    if (!modelDir) throw UsageError("generate needs --model DIR");
    const auto idsText = inv.value("prompt-ids");
    if (!idsText) throw UsageError("generate needs --prompt-ids 1,2,3");
    const auto prompt = parseIds(*idsText);

    // The sampler checks these too, but only once the model is loaded, and it reads a
    // top-p above 1 or a negative temperature as "off".
    constexpr long long kNoLimit = std::numeric_limits<long long>::max();
    GenerateOptions g;
    g.maxTokens = inv.intIn("max-tokens", 32, 0, kNoLimit);
    g.sampling.temperature = inv.floatOr("temperature", 0.0f);
    if (g.sampling.temperature < 0) throw UsageError("--temperature must not be negative");
    g.sampling.topK = std::int32_t(inv.intIn("top-k", 0, 0, INT32_MAX));
    g.sampling.topP = inv.floatOr("top-p", 1.0f);
    if (!(g.sampling.topP > 0 && g.sampling.topP <= 1))
        throw UsageError("--top-p must be in (0, 1], got " + inv.valueOr("top-p", ""));
    g.sampling.repetitionPenalty = inv.floatOr("repetition-penalty", 1.0f);
    if (!(g.sampling.repetitionPenalty > 0))
        throw UsageError("--repetition-penalty must be positive, got " +
                         inv.valueOr("repetition-penalty", ""));
    g.stopAtEos = !inv.has("ignore-eos");
    SessionOptions so;
    so.seed = std::uint64_t(inv.intIn("seed", 0, 0, kNoLimit));

    const auto backend = makeBackend(inv.valueOr("device", "auto"));
    const auto model = Model::load(*modelDir, *backend);
    Session session(*model, so);
    const bool stream = !inv.json;
    bool first = true;
    const auto result = session.generate(prompt, g, [&](std::int32_t t) {
        if (stream) {
            io.out << (first ? "" : ",") << t << std::flush;
            first = false;
        }
        return true;
    });
    if (inv.json) {
        nlohmann::json j;
        j["prompt"] = prompt;
        j["tokens"] = result.tokens;
        j["stop"] = stopName(result.stop);
        io.out << j.dump() << "\n";
    } else {
        io.out << "\n";
    }
    return 0;
}

} // namespace

Command makeGenerateCommand() {
    Command c;
    c.name = "generate";
    c.summary = "greedy or sampled continuation of token ids";
    c.usage = "generate --model DIR --prompt-ids IDS [--max-tokens N] [--temperature T] "
              "[--top-k K] [--top-p P] [--repetition-penalty R] [--seed S] [--ignore-eos] "
              "[--json]";
    c.options = {
        {"prompt-ids", "IDS", "comma-separated prompt token ids"},
        {"max-tokens", "N", "tokens to generate (default 32)"},
        {"temperature", "T", "sampling temperature; 0 is greedy (default)"},
        {"top-k", "K", "sample among the K most likely tokens (0: all)"},
        {"top-p", "P", "sample within probability mass P (default 1)"},
        {"repetition-penalty", "R", "penalise tokens already seen (default 1: off)"},
        {"seed", "S", "random seed for sampling (default 0)"},
        {"ignore-eos", "", "do not stop at the model's end-of-sequence token"},
    };
    c.minPositional = 0;
    c.maxPositional = 0;
    c.run = runGenerate;
    return c;
}

} // namespace lv::cli
