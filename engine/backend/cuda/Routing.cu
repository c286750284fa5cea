// Top-k expert routing, one thread per token. Selection order is value descending, index
// ascending on ties, as torch.topk returns for distinct values.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

namespace lv::cuda {
namespace {

__global__ void topkRoutingKernel(Rows logits, int k, bool softmaxFirst, bool renormalize,
                                  std::int32_t* indices, float* weights) {
    waitForPrevious();
    const std::int64_t t = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t >= logits.rows) return;
    const float* row = logits.data + t * logits.ld;
    const int E = int(logits.cols);
    float mx = -INFINITY;
    for (int e = 0; e < E; ++e)
        mx = fmaxf(mx, row[e]);
    float total = 0.0f;
    if (softmaxFirst)
        for (int e = 0; e < E; ++e)
            total += expf(row[e] - mx);

    float prevV = INFINITY, topV = 0.0f;
    int prevI = -1;
    float picked = 0.0f;
    for (int j = 0; j < k; ++j) {
        int best = -1;
        float bestV = -INFINITY;
        for (int e = 0; e < E; ++e) {
            const float v = row[e];
            const bool eligible = v < prevV || (v == prevV && e > prevI);
            if (eligible && (best < 0 || v > bestV)) {
                best = e;
                bestV = v;
            }
        }
        indices[t * k + j] = best;
        if (j == 0) topV = bestV;
        const float w = softmaxFirst ? expf(bestV - mx) / total : expf(bestV - topV);
        weights[t * k + j] = w;
        picked += w;
        prevV = bestV;
        prevI = best;
    }
    if (!softmaxFirst || renormalize) {
        const float inv = 1.0f / picked;
        for (int j = 0; j < k; ++j)
            weights[t * k + j] *= inv;
    }
}

} // namespace

void launchTopkRouting(Rows logits, std::int64_t k, bool softmaxFirst, bool renormalize,
                       std::int32_t* indices, float* weights, cudaStream_t s) {
    if (logits.rows == 0) return;
    launchKernel(topkRoutingKernel, ceilDiv(logits.rows, 128), 128, 0, s, "topkRouting", logits,
                 int(k), softmaxFirst, renormalize, indices, weights);
}

} // namespace lv::cuda
