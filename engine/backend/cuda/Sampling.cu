// Sampling on the GPU: greedy argmax per row, lowest index on ties, so that no logits
// travel to the host during decode.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

namespace lv::cuda {
namespace {

constexpr int kThreads = 512;

__device__ __forceinline__ bool better(float v, int i, float bv, int bi) {
    // NaN never wins; among equals the lower index does.
    return v > bv || (v == bv && i < bi) || (bi < 0 && v == v);
}

__global__ void argmaxKernel(Rows logits, std::int32_t* indices) {
    waitForPrevious();
    __shared__ float sv[32];
    __shared__ int si[32];
    const float* row = logits.data + std::int64_t(blockIdx.x) * logits.ld;
    float bv = -INFINITY;
    int bi = -1;
    for (std::int64_t c = threadIdx.x; c < logits.cols; c += blockDim.x)
        if (better(row[c], int(c), bv, bi)) {
            bv = row[c];
            bi = int(c);
        }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
        const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (oi >= 0 && better(ov, oi, bv, bi)) {
            bv = ov;
            bi = oi;
        }
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) {
        sv[warp] = bv;
        si[warp] = bi;
    }
    __syncthreads();
    if (warp == 0) {
        const int warps = blockDim.x >> 5;
        bv = lane < warps ? sv[lane] : -INFINITY;
        bi = lane < warps ? si[lane] : -1;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
            const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
            if (oi >= 0 && better(ov, oi, bv, bi)) {
                bv = ov;
                bi = oi;
            }
        }
        if (lane == 0) indices[blockIdx.x] = bi < 0 ? 0 : bi;
    }
}

} // namespace

void launchArgmax(Rows logits, std::int32_t* indices, cudaStream_t s) {
    if (logits.rows == 0) return;
    launchKernel(argmaxKernel, unsigned(logits.rows), kThreads, 0, s, "argmax", logits, indices);
}

} // namespace lv::cuda
