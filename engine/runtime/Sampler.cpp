#include "runtime/Sampler.h"

#include "core/Error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace lv {

void checkSamplingParams(const SamplingParams& p) {
    if (p.topK < 0)
        throw EngineError("sampling: top-k must be >= 0, got " + std::to_string(p.topK));
    if (!(p.topP > 0.0f))
        throw EngineError("sampling: top-p must be in (0, 1], got " + std::to_string(p.topP));
    if (!(p.repetitionPenalty > 0.0f))
        throw EngineError("sampling: repetition penalty must be > 0, got " +
                          std::to_string(p.repetitionPenalty));
}

bool isPlainGreedy(const SamplingParams& p) {
    return p.temperature <= 0.0f && p.repetitionPenalty == 1.0f;
}

std::int32_t sampleToken(std::span<const float> logits, const SamplingParams& p,
                         std::span<const std::int32_t> history, Rng& rng) {
    if (logits.empty()) throw EngineError("sampling: no logits (nothing was fed to the session)");
    checkSamplingParams(p);
    const std::size_t n = logits.size();
    std::vector<float> x(logits.begin(), logits.end());

    if (p.repetitionPenalty != 1.0f) {
        std::vector<bool> seen(n, false);
        for (auto t : history)
            if (t >= 0 && std::size_t(t) < n && !seen[std::size_t(t)]) {
                seen[std::size_t(t)] = true;
                float& v = x[std::size_t(t)];
                v = v > 0 ? v / p.repetitionPenalty : v * p.repetitionPenalty;
            }
    }

    if (p.temperature <= 0.0f)
        return std::int32_t(std::max_element(x.begin(), x.end()) - x.begin());

    for (auto& v : x)
        v /= p.temperature;

    // Candidates sorted by logit, descending (stable: lower index first on ties).
    std::vector<std::int32_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::size_t keep = n;
    if (p.topK > 0 && std::size_t(p.topK) < n) keep = std::size_t(p.topK);
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(keep), order.end(),
                      [&](std::int32_t a, std::int32_t b) {
                          return x[std::size_t(a)] > x[std::size_t(b)] ||
                                 (x[std::size_t(a)] == x[std::size_t(b)] && a < b);
                      });
    order.resize(keep);

    const float maxLogit = x[std::size_t(order.front())];
    std::vector<double> prob(keep);
    double sum = 0;
    for (std::size_t i = 0; i < keep; ++i) {
        prob[i] = std::exp(double(x[std::size_t(order[i])] - maxLogit));
        sum += prob[i];
    }
    for (auto& q : prob)
        q /= sum;

    if (p.topP < 1.0f) {
        // Smallest prefix whose mass reaches top_p (always at least one token).
        double cum = 0;
        std::size_t cut = keep;
        for (std::size_t i = 0; i < keep; ++i) {
            cum += prob[i];
            if (cum >= double(p.topP)) {
                cut = i + 1;
                break;
            }
        }
        prob.resize(cut);
        order.resize(cut);
        const double s = std::accumulate(prob.begin(), prob.end(), 0.0);
        for (auto& q : prob)
            q /= s;
    }

    const double u = rng.uniform();
    double cum = 0;
    for (std::size_t i = 0; i < prob.size(); ++i) {
        cum += prob[i];
        if (u < cum) return order[i];
    }
    return order.back();
}

} // namespace lv
