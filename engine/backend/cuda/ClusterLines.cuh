// A split-K product's last part in a cluster of four blocks (sm_90): the cluster owns 64
// columns of a 16-bit weight [N, ld] (128 bytes of each row, a whole line), each block a
// quarter of its rows; the 64 input values are pooled from the four blocks' shared memory.
// Shared by the decode step's fused MLP and Mamba2 tail.
#pragma once

#include "backend/cuda/Kernels.h"
#include "backend/cuda/WeightPieces.cuh"

#include <cooperative_groups.h>

#include <cstdint>

namespace lv::cuda {

constexpr int kLineCluster = 4;   // blocks a cluster
constexpr int kLineColumns = 64;  // columns a cluster
constexpr int kLinePassRows = 12; // rows a thread holds in registers at once
constexpr int kLineWarps = 8;     // warps a block

// out[0..3] += v, as one 16-byte reduction where the GPU has it (sm_90).
__device__ __forceinline__ void addFour(float* out, float a, float b, float c, float d) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("red.global.add.v4.f32 [%0], {%1, %2, %3, %4};" ::"l"(out), "f"(a), "f"(b), "f"(c),
                 "f"(d)
                 : "memory");
#else
    atomicAdd(out, a);
    atomicAdd(out + 1, b);
    atomicAdd(out + 2, c);
    atomicAdd(out + 3, d);
#endif
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
// Rows [rank R, rank R + R) of w (R a multiple of 4, so that a warp's four rows are one
// 16-byte reduction) times the cluster's columns [c0, c0 + 64): eight lanes a row, 16 bytes
// each. load() requests a pass of rows ahead of the values; addTo() multiplies and adds.
template <class W> struct LineRows {
    static constexpr int E = Unpack<W>::n;
    static_assert(E * 8 == kLineColumns, "16-bit weights: a row's 64 columns are 8 pieces");
    const W* w;
    std::int64_t ld, c0;
    int n0, n1, warp, lane, piece, sub;
    uint4 dw[kLinePassRows];

    __device__ LineRows(const W* w_, std::int64_t ld_, std::int64_t c0_, int N, int rank) {
        w = w_;
        ld = ld_;
        c0 = c0_;
        const int R = (N / 4 + kLineCluster - 1) / kLineCluster * 4;
        n0 = rank * R;
        n1 = min(N, n0 + R);
        warp = int(threadIdx.x) >> 5;
        lane = int(threadIdx.x) & 31;
        piece = lane & 7;
        sub = lane >> 3;
    }
    __device__ __forceinline__ int rowOf(int base, int i) const {
        return base + (i * kLineWarps + warp) * 4 + sub;
    }
    __device__ __forceinline__ void load(int base) {
#pragma unroll
        for (int i = 0; i < kLinePassRows; ++i) {
            const int n = rowOf(base, i);
            dw[i] = n < n1
                        ? *reinterpret_cast<const uint4*>(w + std::int64_t(n) * ld + c0 + E * piece)
                        : make_uint4(0, 0, 0, 0);
        }
    }
    // vals [T][64] in this block's shared memory; the first pass loaded already.
    template <int T>
    __device__ void addTo(const float (&vals)[T][kLineColumns], float alpha, Rows out) {
        for (int base = n0; base < n1; base += kLinePassRows * kLineWarps * 4) {
            if (base != n0) load(base);
#pragma unroll
            for (int i = 0; i < kLinePassRows; ++i) {
                const int n = rowOf(base, i);
                float wf[E];
                Unpack<W>::run(dw[i], wf);
#pragma unroll
                for (int t = 0; t < T; ++t) {
                    float s = 0.0f;
#pragma unroll
                    for (int e = 0; e < E; ++e)
                        s += wf[e] * vals[t][E * piece + e];
                    // The row's 8 lanes, then the warp's four rows into lane 0.
                    s += __shfl_xor_sync(0xffffffffu, s, 1);
                    s += __shfl_xor_sync(0xffffffffu, s, 2);
                    s += __shfl_xor_sync(0xffffffffu, s, 4);
                    const float s1 = __shfl_sync(0xffffffffu, s, 8);
                    const float s2 = __shfl_sync(0xffffffffu, s, 16);
                    const float s3 = __shfl_sync(0xffffffffu, s, 24);
                    const int first = n - sub; // row of lane 0
                    if (lane == 0 && first < n1)
                        addFour(out.data + std::int64_t(t) * out.ld + first, alpha * s, alpha * s1,
                                alpha * s2, alpha * s3);
                }
            }
        }
    }
};

// all[t][c] = block c / J's mine[t][c % J], J = 64 / 4, after a cluster barrier that makes
// every block's mine visible; then the arrival that lets the others exit once they are
// done (pair it with clusterDone() before the block exits). Every thread calls it.
template <int T>
__device__ void poolClusterValues(const float (&mine)[T][kLineColumns / kLineCluster],
                                  float (&all)[T][kLineColumns]) {
    constexpr int J = kLineColumns / kLineCluster;
    asm volatile("barrier.cluster.arrive.release.aligned;\n" ::: "memory");
    asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
    cooperative_groups::cluster_group cluster = cooperative_groups::this_cluster();
    const int tid = int(threadIdx.x);
    if (tid < T * kLineColumns) {
        const int t = tid / kLineColumns, c = tid - t * kLineColumns;
        const float* theirs = cluster.map_shared_rank(&mine[0][0], unsigned(c / J));
        all[t][c] = theirs[t * J + c % J];
    }
    __syncthreads();
    asm volatile("barrier.cluster.arrive.release.aligned;\n" ::: "memory");
}

// Before a block of the cluster exits: the others have read its shared memory.
__device__ __forceinline__ void clusterDone() {
    asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
}
#endif

} // namespace lv::cuda
