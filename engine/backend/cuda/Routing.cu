// Top-k expert routing, one warp per token. Selection order is value descending, index
// ascending on ties, as torch.topk returns for distinct values.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

namespace lv::cuda {
namespace {

// A warp a token: each lane scans its share of the row (e = lane, lane + 32, ...) and the
// warp picks among the lanes' bests, k times (a thread a token took 18 us for a decode step's
// 64 experts, 6 picks: one serial pass over the row a pick).
__global__ void topkRoutingKernel(Rows logits, int k, bool softmaxFirst, bool renormalize,
                                  std::int32_t* indices, float* weights) {
    waitForPrevious();
    const std::int64_t t = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
    const int lane = int(threadIdx.x) & 31;
    if (t >= logits.rows) return;
    const float* row = logits.data + t * logits.ld;
    const int E = int(logits.cols);
    float mx = -INFINITY;
    for (int e = lane; e < E; e += 32)
        mx = fmaxf(mx, row[e]);
    for (int o = 16; o > 0; o >>= 1)
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
    float total = 0.0f;
    if (softmaxFirst) {
        for (int e = lane; e < E; e += 32)
            total += expf(row[e] - mx);
        total = warpSum(total);
    }

    float prevV = INFINITY, topV = 0.0f;
    int prevI = -1;
    float picked = 0.0f;
    for (int j = 0; j < k; ++j) {
        // The largest value below the previous pick (ties: the next index), lowest index first.
        int best = -1;
        float bestV = -INFINITY;
        for (int e = lane; e < E; e += 32) {
            const float v = row[e];
            const bool eligible = v < prevV || (v == prevV && e > prevI);
            if (eligible && (best < 0 || v > bestV)) {
                best = e;
                bestV = v;
            }
        }
        for (int o = 16; o > 0; o >>= 1) {
            const int oi = __shfl_xor_sync(0xffffffffu, best, o);
            const float ov = __shfl_xor_sync(0xffffffffu, bestV, o);
            if (oi >= 0 && (best < 0 || ov > bestV || (ov == bestV && oi < best))) {
                best = oi;
                bestV = ov;
            }
        }
        if (j == 0) topV = bestV;
        const float w = softmaxFirst ? expf(bestV - mx) / total : expf(bestV - topV);
        if (lane == 0) {
            indices[t * k + j] = best;
            weights[t * k + j] = w;
        }
        picked += w;
        prevV = bestV;
        prevI = best;
    }
    if ((!softmaxFirst || renormalize) && lane == 0) {
        const float inv = 1.0f / picked;
        for (int j = 0; j < k; ++j)
            weights[t * k + j] *= inv;
    }
}

} // namespace

void launchTopkRouting(Rows logits, std::int64_t k, bool softmaxFirst, bool renormalize,
                       std::int32_t* indices, float* weights, cudaStream_t s) {
    if (logits.rows == 0) return;
    launchKernel(topkRoutingKernel, ceilDiv(logits.rows, 4), 128, 0, s, "topkRouting", logits,
                 int(k), softmaxFirst, renormalize, indices, weights);
}

} // namespace lv::cuda
