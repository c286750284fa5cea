// Picks the next token from logits: greedy, temperature, top-k, top-p and a
// repetition penalty, in the order transformers applies them.
#pragma once

#include "runtime/Rng.h"

#include <cstdint>
#include <span>

namespace lv {

struct SamplingParams {
    float temperature = 0.0f;       // <= 0: greedy (argmax, first index on ties)
    std::int32_t topK = 0;          // 0: off
    float topP = 1.0f;              // >= 1: off
    float repetitionPenalty = 1.0f; // 1: off; > 1 discourages tokens already seen
};

// Throws EngineError for invalid parameters (negative top-k, top-p outside (0, 1], ...).
void checkSamplingParams(const SamplingParams& params);

// Whether params pick the largest logit as it is (greedy, no penalty): then the index alone
// is the answer, found wherever the logits are.
bool isPlainGreedy(const SamplingParams& params);

// `history`: every token consumed so far (prompt and generated), for the penalty.
// Throws EngineError for invalid parameters (checkSamplingParams).
std::int32_t sampleToken(std::span<const float> logits, const SamplingParams& params,
                         std::span<const std::int32_t> history, Rng& rng);

} // namespace lv
