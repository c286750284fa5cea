// The input a decode product stages in shared memory (GemvInput's kinds: x itself, swiglu,
// Mamba2's gated norm, the residual add and norm), shared by the GEMV and the fused MLP step.
#pragma once

#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"

namespace lv::cuda {

// Fills xs [T][K] with the product's input (GemvInput's kinds). Every thread of the block
// takes part (syncs).
// A thread issues all the loads of a batch before it uses any: one element at a time, each
// waited out a full memory latency (16 in a row for K = 4096), which the timeline showed as
// 19 us for a 3072 -> 1536 product that moves 9 MB.
// Pending: honour otherSumSq (the split decode kernels); the GEMV's instantiations leave it
// out, so that their code is what it was before it existed.
template <int T, bool Pending = false>
__device__ void stageInput(const Rows& x, const GemvInput& in, float* xs, float* normRed) {
    constexpr int U = 16;
    const int K = int(x.cols), n = T * K;
    const bool two = in.kind != kGemvPlain;
    const int slice = (n + int(gridDim.x) - 1) / int(gridDim.x);
    const int mine0 = int(blockIdx.x) * slice, mine1 = mine0 + slice;
    // kGemvAddRmsNorm's scale of other a token: with otherSumSq, other is a product whose
    // norm scale was left for this one (a Mamba2 tail's out_proj).
    float scale[T];
    if constexpr (Pending) {
#pragma unroll
        for (int t = 0; t < T; ++t)
            scale[t] = in.otherSumSq
                           ? in.scale * rsqrtf(in.otherSumSq[t] * in.otherInvCount + in.otherEps)
                           : in.scale;
    }
    for (int base = threadIdx.x; base < n; base += U * int(blockDim.x)) {
        float v[U], o[U];
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int i = base + u * int(blockDim.x);
            v[u] = o[u] = 0.0f;
            if (i < n) {
                const int t = i / K, k = i - t * K;
                v[u] = x.data[std::int64_t(t) * x.ld + k];
                if (two) o[u] = in.other.data[std::int64_t(t) * in.other.ld + k];
            }
        }
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int i = base + u * int(blockDim.x);
            if (i >= n) continue;
            float r = v[u];
            if (in.kind == kGemvSwiglu) {
                r = siluf(r) * o[u];
            } else if (in.kind == kGemvGatedNorm && !in.normBeforeGate) {
                r *= siluf(o[u]);
            } else if (in.kind == kGemvAddRmsNorm) {
                if constexpr (Pending) {
                    float sc = scale[0];
#pragma unroll
                    for (int t = 1; t < T; ++t)
                        if (i >= t * K) sc = scale[t];
                    r += sc * o[u];
                } else {
                    r += in.scale * o[u];
                }
                // The residual's new value: every block computes all of it, each writes
                // its own slice (x may still be read by other blocks, so not in place).
                if (i >= mine0 && i < mine1) {
                    const int t = i / K, k = i - t * K;
                    in.residualOut.data[std::int64_t(t) * in.residualOut.ld + k] = r;
                }
            }
            xs[i] = r;
        }
    }
    __syncthreads();
    if (in.kind != kGemvGatedNorm && in.kind != kGemvAddRmsNorm) return;
    // The norm over each group (the whole row for kGemvAddRmsNorm): h / rms(h) * w.
    const int group = int(in.groupSize), groups = K / group;
    for (int tg = 0; tg < T * groups; ++tg) { // uniform across the block: blockSum syncs
        const int t = tg / groups, c0 = (tg - t * groups) * group;
        float* h = xs + t * K + c0;
        float ss = 0.0f;
        for (int c = threadIdx.x; c < group; c += blockDim.x)
            ss += h[c] * h[c];
        const float inv = rsqrtf(blockSum(ss, normRed) / float(group) + in.eps);
        const float* z = in.other.data + std::int64_t(t) * in.other.ld + c0;
        for (int base = threadIdx.x; base < group; base += U * int(blockDim.x)) {
            float wv[U], zv[U];
#pragma unroll
            for (int u = 0; u < U; ++u) {
                const int c = base + u * int(blockDim.x);
                wv[u] = zv[u] = 0.0f;
                if (c < group) {
                    wv[u] = loadAsFloat(in.norm.data, in.norm.dtype, c0 + c);
                    if (in.normBeforeGate) zv[u] = z[c];
                }
            }
#pragma unroll
            for (int u = 0; u < U; ++u) {
                const int c = base + u * int(blockDim.x);
                if (c >= group) continue;
                const float v = h[c] * inv * wv[u];
                h[c] = in.normBeforeGate ? v * siluf(zv[u]) : v;
            }
        }
    }
    __syncthreads();
}

} // namespace lv::cuda
