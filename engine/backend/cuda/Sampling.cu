// Sampling on the GPU: greedy argmax per row, lowest index on ties, so that no logits
// travel to the host during decode.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

#include <cstdint>

namespace lv::cuda {
namespace {

// Each thread keeps kBatch loads in flight (float4 where the range starts 16-byte aligned,
// else 2 kBatch floats): with one load at a time, 196 of them one after another, the argmax
// over Granite's 100352 logits took ~60 us of a 1.95 ms decode step on an H100 (measured by
// leaving it out of the recorded step); one block of 1024 threads with the batches, 13 us
// (one SM reading 400 KB). Rows of kSplitFrom columns and more are therefore cut into
// kParts ranges, one block each, and a second kernel picks among the ranges' winners.
constexpr int kThreads = 1024; // one block a row
constexpr int kPartThreads = 256;
constexpr int kParts = 32; // ranges a long row is cut into (one warp reduces them)
constexpr int kSplitFrom = 16384;
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
    // The better of this lane's and every other lane's of the warp, in every lane.
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

// This thread's best of row[begin, end) (indices relative to the row).
__device__ Best scanRange(const float* row, int begin, int end) {
    Best best;
    const int tid = int(threadIdx.x), threads = int(blockDim.x);
    int scalarFrom = begin;
    if ((reinterpret_cast<std::uintptr_t>(row + begin) & 15) == 0) {
        const int n4 = (end - begin) / 4;
        const auto* r4 = reinterpret_cast<const float4*>(row + begin);
        for (int base = tid; base < n4; base += kBatch * threads) {
            float4 v[kBatch];
#pragma unroll
            for (int u = 0; u < kBatch; ++u) {
                const int j = base + u * threads;
                if (j < n4) v[u] = r4[j];
            }
#pragma unroll
            for (int u = 0; u < kBatch; ++u) {
                const int j = base + u * threads;
                if (j >= n4) break;
                const int c = begin + 4 * j;
                best.consider(v[u].x, c);
                best.consider(v[u].y, c + 1);
                best.consider(v[u].z, c + 2);
                best.consider(v[u].w, c + 3);
            }
        }
        scalarFrom = begin + 4 * n4;
    }
    for (int base = scalarFrom + tid; base < end; base += 2 * kBatch * threads) {
        float v[2 * kBatch];
#pragma unroll
        for (int u = 0; u < 2 * kBatch; ++u) {
            const int c = base + u * threads;
            if (c < end) v[u] = row[c];
        }
#pragma unroll
        for (int u = 0; u < 2 * kBatch; ++u) {
            const int c = base + u * threads;
            if (c >= end) break;
            best.consider(v[u], c);
        }
    }
    return best;
}

// The block's best, valid in thread 0 (every thread takes part: syncs).
__device__ Best blockReduce(Best best) {
    __shared__ float sv[32];
    __shared__ int si[32];
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
    }
    return best;
}

__global__ void __launch_bounds__(kThreads) argmaxKernel(Rows logits, std::int32_t* indices) {
    waitForPrevious();
    const float* row = logits.data + std::int64_t(blockIdx.x) * logits.ld;
    const Best best = blockReduce(scanRange(row, 0, int(logits.cols)));
    if (threadIdx.x == 0) indices[blockIdx.x] = best.i < 0 ? 0 : best.i;
}

// Block (range, row): the range's best into partial[row][range] (index -1: none).
__global__ void __launch_bounds__(kPartThreads)
    argmaxPartKernel(Rows logits, int rangeLen, float2* partial) {
    waitForPrevious();
    const float* row = logits.data + std::int64_t(blockIdx.y) * logits.ld;
    const int begin = int(blockIdx.x) * rangeLen;
    const int end = min(begin + rangeLen, int(logits.cols));
    const Best best = blockReduce(scanRange(row, begin, end));
    if (threadIdx.x == 0)
        partial[blockIdx.y * kParts + blockIdx.x] = make_float2(best.v, __int_as_float(best.i));
}

// A warp a row: the best of its ranges' winners.
__global__ void __launch_bounds__(32)
    argmaxPickKernel(const float2* partial, std::int32_t* indices) {
    waitForPrevious();
    const float2 p = partial[blockIdx.x * kParts + threadIdx.x];
    Best best;
    best.v = p.x;
    best.i = __float_as_int(p.y);
    best.warpReduce();
    if (threadIdx.x == 0) indices[blockIdx.x] = best.i < 0 ? 0 : best.i;
}

} // namespace

std::size_t argmaxScratchBytes(Rows logits) {
    return logits.cols >= kSplitFrom ? sizeof(float2) * std::size_t(logits.rows * kParts) : 0;
}

void launchArgmax(Rows logits, std::int32_t* indices, void* scratch, cudaStream_t s) {
    if (logits.rows == 0) return;
    if (argmaxScratchBytes(logits) == 0) {
        launchKernel(argmaxKernel, unsigned(logits.rows), kThreads, 0, s, "argmax", logits,
                     indices);
        return;
    }
    // Ranges of a multiple of 4 columns, so that each starts as aligned as the row.
    const int rangeLen = int((logits.cols + kParts - 1) / kParts + 3) / 4 * 4;
    auto* partial = static_cast<float2*>(scratch);
    launchKernel(argmaxPartKernel, dim3(kParts, unsigned(logits.rows)), kPartThreads, 0, s,
                 "argmax", logits, rangeLen, partial);
    launchKernel(argmaxPickKernel, unsigned(logits.rows), 32, 0, s, "argmax", partial, indices);
}

} // namespace lv::cuda
