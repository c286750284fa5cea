// causalConv1d: depthwise causal convolution over time with a rolling state. Tiles of
// tokens run in parallel, each reading whole rows; a tile keeps the last K-1 inputs in a
// small ring, seeded from a copy of the rows before it taken up front, so that out may
// alias x.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <algorithm>
#include <vector>

namespace lv::cpu {

namespace {

// Rows [0, T) of one tile. wT is the weight transposed to [K][C]; ring [K-1][C] holds the
// inputs of the K-1 times before the current one, time tau in row (tau mod (K-1)) with the
// tile's first token at time 0.
LV_CPU_MULTIVERSION void convTile(const float* x, std::int64_t ldx, std::int64_t T, std::int64_t C,
                                  std::int64_t K, const float* wT, const float* bias,
                                  bool applySilu, float* ring, float* acc, float* out,
                                  std::int64_t ldo) {
    const std::int64_t R = K - 1;
    for (std::int64_t t = 0; t < T; ++t) {
        const float* xr = x + t * ldx;
        const float* wl = wT + R * C;
        for (std::int64_t c = 0; c < C; ++c)
            acc[c] = (bias ? bias[c] : 0.0f) + wl[c] * xr[c];
        for (std::int64_t j = 0; j < R; ++j) { // tap j reads time t - R + j
            const float* w = wT + j * C;
            const float* in = ring + ((t + j) % R) * C;
            for (std::int64_t c = 0; c < C; ++c)
                acc[c] += w[c] * in[c];
        }
        if (R > 0) { // time t - R is no longer needed; read x[t] before out[t] may overwrite it
            float* oldest = ring + (t % R) * C;
            for (std::int64_t c = 0; c < C; ++c)
                oldest[c] = xr[c];
        }
        float* orow = out + t * ldo;
        if (applySilu)
            for (std::int64_t c = 0; c < C; ++c)
                orow[c] = siluf32(acc[c]);
        else
            for (std::int64_t c = 0; c < C; ++c)
                orow[c] = acc[c];
    }
}

} // namespace

void causalConv1d(ThreadPool& pool, const Tensor& x, const Tensor& weight, const Tensor* bias,
                  Tensor& state, bool applySilu, Tensor& out) {
    constexpr const char* op = "causalConv1d";
    checkF32(op, "x", x, 2);
    checkFloatWeight(op, "weight", weight, 2);
    checkF32(op, "state", state, 2);
    checkF32(op, "out", out, 2);
    const std::int64_t T = x.shape[0];
    const std::int64_t C = x.shape[1];
    const std::int64_t K = weight.shape[1];
    if (K < 1) throwBadArgument(op, "weight", "has kernel size 0");
    checkDim(op, "weight", weight, 0, C);
    checkDim(op, "state", state, 0, C);
    checkDim(op, "state", state, 1, K - 1);
    checkDim(op, "out", out, 0, T);
    checkDim(op, "out", out, 1, C);
    const float* b = nullptr;
    std::vector<float> biasScratch;
    if (bias && bias->data) {
        checkFloatWeight(op, "bias", *bias, 1);
        checkDim(op, "bias", *bias, 0, C);
        b = floatVector(*bias, biasScratch);
    }
    if (T == 0) return;
    const std::int64_t R = K - 1;
    const float* X = x.as<const float>();
    const std::int64_t ldx = x.stride[0];
    float* st = state.as<float>();
    const std::int64_t lds = state.stride[0];

    std::vector<float> wT(std::size_t(K * C)), row(static_cast<std::size_t>(K));
    const WeightMatrix W = WeightMatrix::of(weight);
    for (std::int64_t c = 0; c < C; ++c) {
        convertToF32(W.row(c), W.dtype, K, row.data());
        for (std::int64_t j = 0; j < K; ++j)
            wT[std::size_t(j * C + c)] = row[std::size_t(j)];
    }

    // Input of time tau (negative: from the incoming state), channel c.
    auto input = [&](std::int64_t tau, std::int64_t c) {
        return tau >= 0 ? X[tau * ldx + c] : st[c * lds + (tau + R)];
    };
    const std::int64_t tileT =
        std::max<std::int64_t>(16, (T + pool.size() * 2 - 1) / (std::int64_t(pool.size()) * 2));
    const std::int64_t tiles = (T + tileT - 1) / tileT;
    // Each tile's ring seed (the K-1 inputs before it) and the outgoing state, copied before
    // any output row is written.
    std::vector<float> seeds(std::size_t(tiles * R * C)), newState(std::size_t(R * C));
    for (std::int64_t i = 0; i < tiles; ++i) {
        const std::int64_t t0 = i * tileT;
        for (std::int64_t j = 0; j < R; ++j) {
            // Ring row of time t0 - R + j (tile-relative -R + j) is j.
            float* dst = seeds.data() + (i * R + j) * C;
            for (std::int64_t c = 0; c < C; ++c)
                dst[c] = input(t0 - R + j, c);
        }
    }
    for (std::int64_t j = 0; j < R; ++j)
        for (std::int64_t c = 0; c < C; ++c)
            newState[std::size_t(c * R + j)] = input(T - R + j, c);

    float* O = out.as<float>();
    const std::int64_t ldo = out.stride[0];
    pool.parallelFor(tiles, 1, [&](std::int64_t i0, std::int64_t i1) {
        std::vector<float> acc(static_cast<std::size_t>(C));
        for (std::int64_t i = i0; i < i1; ++i) {
            const std::int64_t t0 = i * tileT;
            convTile(X + t0 * ldx, ldx, std::min(tileT, T - t0), C, K, wT.data(), b, applySilu,
                     seeds.data() + i * R * C, acc.data(), O + t0 * ldo, ldo);
        }
    });
    for (std::int64_t c = 0; c < C; ++c)
        for (std::int64_t j = 0; j < R; ++j)
            st[c * lds + j] = newState[std::size_t(c * R + j)];
}

} // namespace lv::cpu
