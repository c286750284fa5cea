// causalConv1d: depthwise causal convolution over time with a rolling state. Blocks of
// channels run in parallel; each walks the tokens in order with its window of the last
// K-1 inputs in a small buffer, so out may alias x.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <algorithm>
#include <vector>

namespace lv::cpu {

namespace {

constexpr std::int64_t kChannelBlock = 64;

// Channels [0, cb) of one block: wT is the weight transposed to [K][cb], window [K-1][cb]
// holds the inputs at times t-K+1 .. t-1 (oldest first) and is advanced in place.
LV_CPU_MULTIVERSION void convBlock(const float* x, std::int64_t ldx, std::int64_t T,
                                   std::int64_t cb, std::int64_t K, const float* wT,
                                   const float* bias, bool applySilu, float* window, float* out,
                                   std::int64_t ldo) {
    float acc[kChannelBlock];
    float xt[kChannelBlock];
    for (std::int64_t t = 0; t < T; ++t) {
        const float* xr = x + t * ldx;
        for (std::int64_t c = 0; c < cb; ++c) {
            xt[c] = xr[c];
            acc[c] = bias ? bias[c] : 0.0f;
        }
        for (std::int64_t j = 0; j + 1 < K; ++j) {
            const float* w = wT + j * cb;
            const float* win = window + j * cb;
            for (std::int64_t c = 0; c < cb; ++c)
                acc[c] += w[c] * win[c];
        }
        const float* wl = wT + (K - 1) * cb;
        for (std::int64_t c = 0; c < cb; ++c)
            acc[c] += wl[c] * xt[c];
        if (applySilu)
            for (std::int64_t c = 0; c < cb; ++c)
                acc[c] = siluf32(acc[c]);
        float* orow = out + t * ldo;
        for (std::int64_t c = 0; c < cb; ++c)
            orow[c] = acc[c];
        if (K > 1) {
            for (std::int64_t j = 0; j + 2 < K; ++j)
                std::copy_n(window + (j + 1) * cb, cb, window + j * cb);
            std::copy_n(xt, cb, window + (K - 2) * cb);
        }
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
    const WeightMatrix W = WeightMatrix::of(weight);
    float* st = state.as<float>();
    const std::int64_t lds = state.stride[0];
    const std::int64_t blocks = (C + kChannelBlock - 1) / kChannelBlock;
    pool.parallelFor(blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
        std::vector<float> wRow(static_cast<std::size_t>(K));
        std::vector<float> wT(std::size_t(K * kChannelBlock));
        std::vector<float> window(std::size_t(std::max<std::int64_t>(K - 1, 1) * kChannelBlock));
        for (std::int64_t blk = b0; blk < b1; ++blk) {
            const std::int64_t c0 = blk * kChannelBlock;
            const std::int64_t cb = std::min(kChannelBlock, C - c0);
            for (std::int64_t c = 0; c < cb; ++c) {
                convertToF32(W.row(c0 + c), W.dtype, K, wRow.data());
                for (std::int64_t j = 0; j < K; ++j)
                    wT[std::size_t(j * cb + c)] = wRow[std::size_t(j)];
                for (std::int64_t j = 0; j + 1 < K; ++j)
                    window[std::size_t(j * cb + c)] = st[(c0 + c) * lds + j];
            }
            convBlock(x.as<const float>() + c0, x.stride[0], T, cb, K, wT.data(),
                      b ? b + c0 : nullptr, applySilu, window.data(), out.as<float>() + c0,
                      out.stride[0]);
            for (std::int64_t c = 0; c < cb; ++c)
                for (std::int64_t j = 0; j + 1 < K; ++j)
                    st[(c0 + c) * lds + j] = window[std::size_t(j * cb + c)];
        }
    });
}

} // namespace lv::cpu
