// Runs a reference fixture (a checkpoint with golden.safetensors and golden.json written
// by transformers) through the engine: all-position logits, prefill of the first half
// then token-by-token decode of the second, and the greedy continuation.
#pragma once

#include "backend/Backend.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lv {

struct ReferenceTolerance {
    double relative = 1e-4;       // max |diff| / max |ref| over the compared logits
    double argmaxAgreement = 0.0; // fraction of positions whose argmax must agree (0: off)
};

struct ReferenceResult {
    std::string name;         // the fixture folder's name
    std::string architecture; // model_type
    std::int64_t tokens = 0;
    double logitsError = 0, logitsArgmax = 0; // all positions in one prefill
    double decodeError = 0, decodeArgmax = 0; // first half prefilled, then decoded
    std::vector<std::int32_t> greedy, expectedGreedy;
    bool logitsOk = false, decodeOk = false, greedyOk = false;
    std::string error; // why the fixture could not run at all
    double seconds = 0;
    bool passed() const { return error.empty() && logitsOk && decodeOk && greedyOk; }
};

// Never throws for problems of the fixture: they end up in ReferenceResult::error.
ReferenceResult checkReference(const std::filesystem::path& dir, Backend& backend,
                               const ReferenceTolerance& tolerance);

} // namespace lv
