// The steps of one flash-attention tile on Hopper's warpgroup products, shared by the wgmma
// kernels: the operand descriptors, the two products, the online softmax of a tile's scores.
//
// A block's tiles: Q of kRows rows (two warpgroups of 64), K and V of kKeys rows, f16, in
// the 128-byte swizzled layout of Wgmma.cuh (column blocks of 64 head dims). Every function
// here only issues products; the kernels commit and wait, which is where they differ.
#pragma once

#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/MmaBf16.cuh"
#include "backend/cuda/sm90a/Wgmma.cuh"

#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace lv::cuda::sm90a {

constexpr int kTileRows = 128; // queries x heads per block: two warpgroups of 64
constexpr int kTileKeys = 128; // keys per step

template <int D> constexpr int tileBytes(int rows) {
    return rows * D * 2;
}

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
// The descriptors of head dims 16 ks .. 16 ks + 15 of Q (warpgroup wg's 64 rows) and of K:
// within a column block of 64 the start moves by 32 bytes (the hardware applies the swizzle
// to the address it forms).
__device__ __forceinline__ std::uint64_t qDescriptor(std::uint32_t qTile, int wg, int ks) {
    return descriptor(qTile + (ks >> 2) * tileBytes<64>(kTileRows) + wg * 64 * 128 + (ks & 3) * 32,
                      16, 1024);
}
__device__ __forceinline__ std::uint64_t kDescriptor(std::uint32_t kTile, int ks) {
    return descriptor(kTile + (ks >> 2) * tileBytes<64>(kTileKeys) + (ks & 3) * 32, 16, 1024);
}

// s = Q K^T over the tile's keys for warpgroup wg's 64 rows, 16 head dims a product.
template <int D>
__device__ __forceinline__ void issueScores(float (&s)[kTileKeys / 2], std::uint32_t qTile, int wg,
                                            std::uint32_t kTile) {
#pragma unroll
    for (int ks = 0; ks < D / 16; ++ks)
        wgmmaM64N128SS(s, qDescriptor(qTile, wg, ks), kDescriptor(kTile, ks), ks > 0);
}

// Probabilities (the softmax's exponentials, in [0, 1]) as A fragments of the P.V products,
// 16 keys each: the accumulator layout of two neighbouring 8-key groups is the A layout of
// their 16. (No saturation, unlike packF16: the values are in f16's range.)
template <int N>
__device__ __forceinline__ void scoresAsA(const float (&s)[N], std::uint32_t (&p)[N / 8][4]) {
#pragma unroll
    for (int kk = 0; kk < N / 8; ++kk)
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const __half2 v = __floats2half2_rn(s[8 * kk + 2 * i], s[8 * kk + 2 * i + 1]);
            p[kk][i] = *reinterpret_cast<const std::uint32_t*>(&v);
        }
}

// o += P V over the tile's keys: V rows (keys) 16 kk .. 16 kk + 15 are two swizzle atoms of
// 8 rows (sbo); the head dims lie in column blocks of 64 (lbo, one block of kTileKeys rows).
template <int D>
__device__ __forceinline__ void
issuePV(float (&o)[D / 2], const std::uint32_t (&p)[kTileKeys / 16][4], std::uint32_t vTile) {
#pragma unroll
    for (int kk = 0; kk < kTileKeys / 16; ++kk) {
        const std::uint64_t vd = descriptor(vTile + kk * 16 * 128, tileBytes<64>(kTileKeys), 1024);
        if constexpr (D == 128)
            wgmmaM64N128RS(o, p[kk], vd);
        else
            wgmmaM64N64RS(o, p[kk], vd);
    }
}

// o's rows scaled by corr: this thread's accumulators of rows A and A + 8.
template <int N>
__device__ __forceinline__ void rescaleRows(float (&o)[N], const float (&corr)[2]) {
#pragma unroll
    for (int n = 0; n < N / 4; ++n) {
        o[4 * n] *= corr[0];
        o[4 * n + 1] *= corr[0];
        o[4 * n + 2] *= corr[1];
        o[4 * n + 3] *= corr[1];
    }
}

// The online softmax (base 2) of a thread's two rows, A and A + 8 of its warp's 16 (the
// accumulator layout: element 4 j + e is row 8 (e / 2), key 8 j + 2 tig + e % 2).
struct OnlineSoftmax {
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};
    std::int64_t lastKey[2];    // the last key each row sees (causal)
    std::int64_t unmaskedBelow; // the smallest lastKey of the warpgroup: no mask up to it
    int tig;

    // Scores sh of keys kBase ..: masks past each row's last key, updates m and l, leaves the
    // exponentials in sh and the rows' rescale of o in corr (o may be in a running product).
    template <int N>
    __device__ __forceinline__ void apply(float (&sh)[N], std::int64_t kBase, float (&corr)[2]) {
        constexpr int NJ = N / 4;
        if (kBase + NJ * 8 - 1 > unmaskedBelow) { // the diagonal crosses these keys
#pragma unroll
            for (int j = 0; j < NJ; ++j)
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const std::int64_t key = kBase + j * 8 + 2 * tig + (e & 1);
                    if (key > lastKey[e >> 1]) sh[4 * j + e] = -INFINITY;
                }
        }
#pragma unroll
        for (int rr = 0; rr < 2; ++rr) {
            float mx = -INFINITY;
#pragma unroll
            for (int j = 0; j < NJ; ++j)
                mx = fmaxf(mx, fmaxf(sh[4 * j + 2 * rr], sh[4 * j + 2 * rr + 1]));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            const float mNew = fmaxf(m[rr], mx);
            const float mUse = mNew == -INFINITY ? 0.0f : mNew;
            corr[rr] = exp2Approx(m[rr] - mUse);
            float sum = 0.0f;
#pragma unroll
            for (int j = 0; j < NJ; ++j) {
                sh[4 * j + 2 * rr] = exp2Approx(sh[4 * j + 2 * rr] - mUse);
                sh[4 * j + 2 * rr + 1] = exp2Approx(sh[4 * j + 2 * rr + 1] - mUse);
                sum += sh[4 * j + 2 * rr] + sh[4 * j + 2 * rr + 1];
            }
            l[rr] = l[rr] * corr[rr] + sum;
            m[rr] = mNew;
        }
    }

    // The row sums over the four threads that share each row (after the last tile).
    __device__ __forceinline__ float rowSum(int rr) const {
        float sum = l[rr];
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
        return sum;
    }
};
// The rows of a block: (query, head) pairs of the G query heads that share kv head hk,
// query-major (row r: query q0 + r / G, head hk G + r % G), so that each K/V tile brought in
// serves every head of its group. Blocks run from the last queries, which see the most keys,
// so that the short ones fill the tail of the grid instead of waiting behind it.
struct BlockRows {
    int hk, G, queries;              // queries per block; rows queries G .. are padding
    std::int64_t T, q0, qLast, kEnd; // keys [0, kEnd) are needed by some row

    __device__ explicit BlockRows(const AttentionArgs& a)
        : hk(int(blockIdx.y)), G(int(a.Hq / a.Hkv)), queries(kTileRows / G), T(a.T),
          q0(std::int64_t(gridDim.x - 1 - blockIdx.x) * queries),
          qLast(std::min<std::int64_t>(q0 + queries, a.T) - 1), kEnd(a.pos0 + qLast + 1) {}
    // Row r's query (past every real one for padding rows, which are never written).
    __device__ std::int64_t queryOf(int r) const { return r < queries * G ? q0 + r / G : T; }
    __device__ int headOf(int r) const { return hk * G + r % G; }
};

// Rows r0 .. r0 + N - 1 of the Q tile at Qs: scaled by qMul (base 2) and rounded to f16,
// zeros past the queries; by threads thread, thread + THREADS, ... Four chunks' loads are
// issued before any is stored: a store through the generic tile pointer might alias the
// queries for all the compiler knows, so one chunk at a time was one round trip each.
template <int D, int N, int THREADS>
__device__ __forceinline__ void storeQRows(unsigned char* Qs, const AttentionArgs& a,
                                           const BlockRows& b, float qMul, int r0, int thread) {
    constexpr int CH = D / 8; // 16-byte chunks a row
    constexpr int kIters = N * CH / THREADS, kBatch = kIters < 4 ? kIters : 4;
    static_assert(N * CH % THREADS == 0 && kIters % kBatch == 0, "whole batches a thread");
    for (int i0 = 0; i0 < kIters; i0 += kBatch) {
        float4 v[kBatch][2];
#pragma unroll
        for (int j = 0; j < kBatch; ++j) {
            const int i = thread + (i0 + j) * THREADS, r = r0 + i / CH, c = i % CH;
            const std::int64_t t = b.queryOf(r);
            v[j][0] = v[j][1] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (t < a.T) {
                const float4* q = reinterpret_cast<const float4*>(
                    a.q + t * a.ldq + std::int64_t(b.headOf(r)) * D + c * 8);
                v[j][0] = q[0], v[j][1] = q[1];
            }
        }
#pragma unroll
        for (int j = 0; j < kBatch; ++j) {
            const int i = thread + (i0 + j) * THREADS, r = r0 + i / CH, c = i % CH;
            const float4 x = v[j][0], y = v[j][1];
            *reinterpret_cast<uint4*>(Qs + swizzledOffset(kTileRows, r, c)) =
                make_uint4(packF16(x.x * qMul, x.y * qMul), packF16(x.z * qMul, x.w * qMul),
                           packF16(y.x * qMul, y.y * qMul), packF16(y.z * qMul, y.w * qMul));
        }
    }
}

// The thread's two rows of o (rowA and rowA + 8 of the block), divided by their sums.
template <int D>
__device__ __forceinline__ void writeRows(const float (&o)[D / 2], const OnlineSoftmax& sm,
                                          const AttentionArgs& a, const BlockRows& b, int rowA) {
#pragma unroll
    for (int rr = 0; rr < 2; ++rr) {
        const float sum = sm.rowSum(rr);
        const std::int64_t t = b.queryOf(rowA + 8 * rr);
        if (t >= a.T) continue;
        const float inv = 1.0f / sum;
        float* out = a.out + t * a.ldo + std::int64_t(b.headOf(rowA + 8 * rr)) * D;
#pragma unroll
        for (int n = 0; n < D / 8; ++n)
            *reinterpret_cast<float2*>(out + n * 8 + 2 * sm.tig) =
                make_float2(o[4 * n + 2 * rr] * inv, o[4 * n + 2 * rr + 1] * inv);
    }
}
#endif

} // namespace lv::cuda::sm90a
