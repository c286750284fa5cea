// Sampling on the GPU: greedy argmax per row, lowest index on ties, so that no logits
// travel to the host during decode.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

#include <cstdint>

namespace lv::cuda {
namespace {

// One block a row. Each thread keeps kBatch loads in flight (float4 where the row is 16-byte
// aligned, else 2 kBatch floats): with one load at a time, 196 of them one after another,
// the argmax over Granite's 100352 logits took ~60 us of a 1.95 ms decode step on an H100
// (measured by leaving it out of the recorded step).
constexpr int kThreads = 1024;
constexpr int kBatch = 8;

__device__ __forceinline__ bool better(float v, int i, float bv, int bi) {
    // NaN never wins; among equals the lower index does.
    return v > bv || (v == bv && i < bi) || (bi < 0 && v == v);
}

struct Best {
    float v = -INFINITY;
    int i = -1;
    __device__ __forceinline__ void consider(float value, int index) {
        if (better(value, index, v, i)) {
            v = value;
            i = index;
        }
    }
    // The best of the warp's lanes, in every lane.
    __device__ __forceinline__ void warpReduce() {
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float ov = __shfl_xor_sync(0xffffffffu, v, o);
            const int oi = __shfl_xor_sync(0xffffffffu, i, o);
            if (oi >= 0 && better(ov, oi, v, i)) {
                v = ov;
                i = oi;
            }
        }
    }
};

__global__ void __launch_bounds__(kThreads) argmaxKernel(Rows logits, std::int32_t* indices) {
    waitForPrevious();
    __shared__ float sv[32];
    __shared__ int si[32];
    const float* row = logits.data + std::int64_t(blockIdx.x) * logits.ld;
    const int n = int(logits.cols);
    Best best;
    int scalarFrom = 0;
    if ((reinterpret_cast<std::uintptr_t>(row) & 15) == 0) {
        const int n4 = n / 4;
        const auto* r4 = reinterpret_cast<const float4*>(row);
        for (int base = int(threadIdx.x); base < n4; base += kBatch * kThreads) {
            float4 v[kBatch];
#pragma unroll
            for (int u = 0; u < kBatch; ++u) {
                const int j = base + u * kThreads;
                if (j < n4) v[u] = r4[j];
            }
#pragma unroll
            for (int u = 0; u < kBatch; ++u) {
                const int j = base + u * kThreads;
                if (j >= n4) break;
                best.consider(v[u].x, 4 * j);
                best.consider(v[u].y, 4 * j + 1);
                best.consider(v[u].z, 4 * j + 2);
                best.consider(v[u].w, 4 * j + 3);
            }
        }
        scalarFrom = 4 * n4;
    }
    for (int base = scalarFrom + int(threadIdx.x); base < n; base += 2 * kBatch * kThreads) {
        float v[2 * kBatch];
#pragma unroll
        for (int u = 0; u < 2 * kBatch; ++u) {
            const int c = base + u * kThreads;
            if (c < n) v[u] = row[c];
        }
#pragma unroll
        for (int u = 0; u < 2 * kBatch; ++u) {
            const int c = base + u * kThreads;
            if (c >= n) break;
            best.consider(v[u], c);
        }
    }
    best.warpReduce();
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) {
        sv[warp] = best.v;
        si[warp] = best.i;
    }
    __syncthreads();
    if (warp == 0) {
        const int warps = blockDim.x >> 5;
        best.v = lane < warps ? sv[lane] : -INFINITY;
        best.i = lane < warps ? si[lane] : -1;
        best.warpReduce();
        if (lane == 0) indices[blockIdx.x] = best.i < 0 ? 0 : best.i;
    }
}

} // namespace

void launchArgmax(Rows logits, std::int32_t* indices, cudaStream_t s) {
    if (logits.rows == 0) return;
    launchKernel(argmaxKernel, unsigned(logits.rows), kThreads, 0, s, "argmax", logits, indices);
}

} // namespace lv::cuda
