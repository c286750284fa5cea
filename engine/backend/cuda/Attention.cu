// Causal GQA attention over a KV cache, the simple form: one warp per (query, head), keys in
// groups of 32 (one per lane for the scores, then all lanes over the head dims for V), with
// an online softmax in float32.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr int kWarps = 4;

template <int DPL> // head dims per lane: d <= 32 * DPL
__global__ void attentionWarpKernel(AttentionArgs a) {
    extern __shared__ float smem[]; // per warp: q [d]
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const std::int64_t item = std::int64_t(blockIdx.x) * kWarps + warp;
    if (item >= a.T * a.Hq) return;
    const std::int64_t t = item / a.Hq;
    const int h = int(item - t * a.Hq);
    const int d = int(a.d);
    const int hk = int(h / (a.Hq / a.Hkv));
    float* qs = smem + warp * (32 * DPL);
    const float* qrow = a.q + t * a.ldq + std::int64_t(h) * d;
    for (int i = lane; i < d; i += 32)
        qs[i] = qrow[i] * a.scale;
    __syncwarp();

    float acc[DPL];
#pragma unroll
    for (int i = 0; i < DPL; ++i)
        acc[i] = 0.0f;
    float m = -INFINITY, l = 0.0f;
    const std::int64_t keys = a.pos0 + t + 1;
    const std::int64_t kvRow = a.Hkv * d;
    for (std::int64_t j0 = 0; j0 < keys; j0 += 32) {
        const std::int64_t j = j0 + lane;
        float s = -INFINITY;
        if (j < keys) {
            const std::int64_t base = j * kvRow + std::int64_t(hk) * d;
            float dot = 0.0f;
            for (int i = 0; i < d; ++i)
                dot += qs[i] * loadAsFloat(a.k, a.kvDtype, base + i);
            s = dot;
        }
        const float mNew = fmaxf(m, warpMax(s));
        const float p = j < keys ? expf(s - mNew) : 0.0f;
        const float corr = expf(m - mNew); // m = -inf on the first group: corr = 0
        l = l * corr + warpSum(p);
#pragma unroll
        for (int i = 0; i < DPL; ++i)
            acc[i] *= corr;
        const int n = int(std::min<std::int64_t>(32, keys - j0));
        for (int jj = 0; jj < n; ++jj) {
            const float pj = __shfl_sync(0xffffffffu, p, jj);
            const std::int64_t base = (j0 + jj) * kvRow + std::int64_t(hk) * d;
#pragma unroll
            for (int i = 0; i < DPL; ++i) {
                const int di = lane + 32 * i;
                if (di < d) acc[i] += pj * loadAsFloat(a.v, a.kvDtype, base + di);
            }
        }
        m = mNew;
    }
    float* o = a.out + t * a.ldo + std::int64_t(h) * d;
    const float inv = 1.0f / l;
#pragma unroll
    for (int i = 0; i < DPL; ++i) {
        const int di = lane + 32 * i;
        if (di < d) o[di] = acc[i] * inv;
    }
}

template <int DPL> void launchWarp(const AttentionArgs& a, cudaStream_t s) {
    const std::int64_t items = a.T * a.Hq;
    const std::size_t smem = sizeof(float) * kWarps * 32 * DPL;
    attentionWarpKernel<DPL><<<ceilDiv(items, kWarps), kWarps * 32, smem, s>>>(a);
    checkLaunch("attention");
}

} // namespace

void launchAttention(const AttentionArgs& a, cudaStream_t s) {
    if (a.T == 0) return;
    if (a.d <= 32)
        launchWarp<1>(a, s);
    else if (a.d <= 64)
        launchWarp<2>(a, s);
    else if (a.d <= 128)
        launchWarp<4>(a, s);
    else
        launchWarp<8>(a, s);
}

} // namespace lv::cuda
