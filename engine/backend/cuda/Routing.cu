// Top-k expert routing, one warp per token (TopkRouting.cuh).

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/TopkRouting.cuh"

namespace lv::cuda {
namespace {

// A warp a token (a thread a token took 18 us for a decode step's 64 experts, 6 picks: one
// serial pass over the row a pick).
__global__ void topkRoutingKernel(Rows logits, int k, bool softmaxFirst, bool renormalize,
                                  std::int32_t* indices, float* weights) {
    waitForPrevious();
    const std::int64_t t = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
    if (t >= logits.rows) return;
    routeToken(logits.data + t * logits.ld, int(logits.cols), k, softmaxFirst, renormalize,
               int(threadIdx.x) & 31, indices + t * k, weights + t * k);
}

} // namespace

void launchTopkRouting(Rows logits, std::int64_t k, bool softmaxFirst, bool renormalize,
                       std::int32_t* indices, float* weights, cudaStream_t s) {
    if (logits.rows == 0) return;
    launchKernel(topkRoutingKernel, ceilDiv(logits.rows, 4), 128, 0, s, "topkRouting", logits,
                 int(k), softmaxFirst, renormalize, indices, weights);
}

} // namespace lv::cuda
