// A SwiGLU MLP's decode step as one kernel: out += down(silu(gate x) * up x), the gate-up
// product, swiglu and the down product without a kernel boundary between them.
//
// Two products in a row cost a step two all-to-all hops (every down block needs every
// swiglu value); H100 decode spent 2.4-5.5 us a product on that wait beyond its bytes. Here
// the down product is split over its K instead: each block computes the gate and up rows of
// J intermediate columns and their swiglu itself, multiplies them by those columns of down
// for a set of output rows, and adds the partial sums to out with float atomics. out must
// hold zeros (or what the sums add to) when the kernel starts; the order of the atomics
// varies, so the last bits of out vary between runs.
//
// The block's gate and up rows (2 J x K) are all requested into shared memory before the
// wait for the previous kernel: they are constants, so HBM streams them while the previous
// kernel drains. Its down weights follow into registers once x is staged.
//
// Three forms. Columns: a block multiplies its J columns by every row of down, J x 2 bytes of
// each 8 KB row (a 32-byte piece at J = 16). Clusters (sm_90, 16-bit weights, the default
// there): four blocks of a cluster pool their swiglu values through distributed shared
// memory, and each multiplies the cluster's 4 J columns (128 bytes, a whole line) by a
// quarter of the rows, so down streams in whole lines and each output takes a quarter of
// the atomics. Rows (LONGVIEW_CUDA_MLP=rows, down kept transposed as well): each block's
// columns are J contiguous rows of down transposed. H100 decode at 1K: 496 tok/s with two
// kernels; 407 rows, 381 columns, 320 clusters (332 with the split Mamba2 tail). Alone the
// kernel beats the two; in the stream the two overlap (down's GEMV streams its weights while
// gate-up computes), so each form now asks L2 for its part of down before its wait too.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/ClusterLines.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/StageInput.cuh"
#include "backend/cuda/Switches.h"
#include "backend/cuda/WeightPieces.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

namespace lv::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kPassGroups = 2; // columns form: groups of 4 down rows a thread holds at once

// The block's gate and up rows [j0, j0 + J) and [F + j0, F + j0 + J), requested into ws
// (one commit group).
template <class W, int J>
__device__ __forceinline__ void requestGateUp(uint4* ws, const W* w1, std::int64_t ldw1,
                                              std::int64_t F, std::int64_t j0, int kv) {
    constexpr int E = Unpack<W>::n;
    for (int i = int(threadIdx.x); i < 2 * J * kv; i += kThreads) {
        const int r = i / kv, c = i - r * kv;
        const std::int64_t row = r < J ? j0 + r : F + j0 + (r - J);
        cpAsync16(ws + i, w1 + row * ldw1 + std::int64_t(c) * E, true);
    }
    cpAsyncCommit();
}

// act[t][j] = silu(g) * u of the block's columns once ws has landed and x is staged in xs.
// Syncs; act is complete when it returns.
template <class W, int J, int T>
__device__ __forceinline__ void swigluOfColumns(const uint4* ws, const float* xs, int K,
                                                float alpha1, float (&gu)[2 * J][T],
                                                float (&act)[T][J]) {
    constexpr int E = Unpack<W>::n;
    const int kv = K / E, tid = int(threadIdx.x), warp = tid >> 5, lane = tid & 31;
    cpAsyncWait<0>();
    __syncthreads(); // every thread's copies of the gate and up rows have landed
    for (int r = warp; r < 2 * J; r += kWarps) {
        float acc[T] = {};
        for (int c = lane; c < kv; c += 32) {
            float wf[E];
            Unpack<W>::run(ws[r * kv + c], wf);
#pragma unroll
            for (int t = 0; t < T; ++t)
#pragma unroll
                for (int e = 0; e < E; e += 4) {
                    const float4 a = *reinterpret_cast<const float4*>(xs + t * K + E * c + e);
                    acc[t] += wf[e] * a.x + wf[e + 1] * a.y + wf[e + 2] * a.z + wf[e + 3] * a.w;
                }
        }
#pragma unroll
        for (int t = 0; t < T; ++t) {
            const float v = warpSum(acc[t]);
            if (lane == 0) gu[r][t] = alpha1 * v;
        }
    }
    __syncthreads();
    if (tid < J * T) {
        const int t = tid / J, j = tid - t * J;
        act[t][j] = siluf(gu[j][t]) * gu[J + j][t];
    }
    __syncthreads();
}

template <class W, int J, int T>
__global__ void __launch_bounds__(kThreads)
    mlpColumnsKernel(Rows x, GemvInput in, const W* w1, std::int64_t ldw1, std::int64_t F,
                     float alpha1, const W* w2, std::int64_t ldw2, float alpha2, Rows out) {
    constexpr int E = Unpack<W>::n; // weights a 16-byte piece
    constexpr int Q = J / E;        // pieces of a down row's J columns
    extern __shared__ __align__(16) unsigned char smem[];
    __shared__ float gu[2 * J][T]; // gate rows, then up rows, times alpha1
    __shared__ float act[T][J];    // swiglu
    __shared__ float normRed[32];
    const int K = int(x.cols), N = int(out.cols), kv = K / E, tid = int(threadIdx.x);
    const std::int64_t j0 = std::int64_t(blockIdx.x) * J;
    auto* ws = reinterpret_cast<uint4*>(smem); // [2 J][kv]
    auto* xs = reinterpret_cast<float*>(smem + std::size_t(2 * J) * kv * 16);

    requestGateUp<W, J>(ws, w1, ldw1, F, j0, kv);
    waitForPrevious(); // the weights are constant; x, the residual and out belong to the step
    stageInput<T, true>(x, in, xs, normRed);

    const int groups = N / 4;
    uint4 dw[kPassGroups][4][Q];
    auto loadDown = [&](int g0) {
#pragma unroll
        for (int p = 0; p < kPassGroups; ++p) {
            const int g = g0 + tid + p * kThreads;
#pragma unroll
            for (int r = 0; r < 4; ++r)
#pragma unroll
                for (int q = 0; q < Q; ++q)
                    dw[p][r][q] = g < groups ? *reinterpret_cast<const uint4*>(
                                                   w2 + std::int64_t(4 * g + r) * ldw2 + j0 + E * q)
                                             : make_uint4(0, 0, 0, 0);
        }
    };
    loadDown(0);
    swigluOfColumns<W, J, T>(ws, xs, K, alpha1, gu, act);

    for (int g0 = 0;;) {
#pragma unroll
        for (int p = 0; p < kPassGroups; ++p) {
            const int g = g0 + tid + p * kThreads;
            if (g >= groups) continue;
#pragma unroll
            for (int t = 0; t < T; ++t) {
                float s[4] = {};
#pragma unroll
                for (int r = 0; r < 4; ++r)
#pragma unroll
                    for (int q = 0; q < Q; ++q) {
                        float wf[E];
                        Unpack<W>::run(dw[p][r][q], wf);
#pragma unroll
                        for (int e = 0; e < E; ++e)
                            s[r] += wf[e] * act[t][E * q + e];
                    }
                addFour(out.data + std::int64_t(t) * out.ld + 4 * g, alpha2 * s[0], alpha2 * s[1],
                        alpha2 * s[2], alpha2 * s[3]);
            }
        }
        g0 += kPassGroups * kThreads;
        if (g0 >= groups) break;
        loadDown(g0);
    }
}

// The clusters form (16-bit weights, J = 16: a cluster's 64 columns are 128 bytes of a down
// row). Block `rank` of a cluster computes swiglu of columns c0 + rank J, then takes all
// 64 values from the four blocks' shared memory and multiplies them by rows
// [rank R, rank R + R) of down: 8 lanes a row (16 bytes each), four rows a warp's load.
template <class W, int T, bool Prefetch>
__global__ void __launch_bounds__(kThreads)
    mlpClustersKernel(Rows x, GemvInput in, const W* w1, std::int64_t ldw1, std::int64_t F,
                      float alpha1, const W* w2, std::int64_t ldw2, float alpha2, Rows out) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    constexpr int J = kLineColumns / kLineCluster, E = Unpack<W>::n;
    extern __shared__ __align__(16) unsigned char smem[];
    __shared__ float gu[2 * J][T];
    __shared__ float act[T][J];
    __shared__ float actAll[T][kLineColumns];
    __shared__ float normRed[32];
    const int rank = int(cooperative_groups::this_cluster().block_rank());
    const int K = int(x.cols), kv = K / E;
    const std::int64_t c0 = std::int64_t(blockIdx.x / kLineCluster) * kLineColumns;
    auto* ws = reinterpret_cast<uint4*>(smem);
    auto* xs = reinterpret_cast<float*>(smem + std::size_t(2 * J) * kv * 16);

    requestGateUp<W, J>(ws, w1, ldw1, F, c0 + rank * J, kv);
    LineRows<W> down(w2, ldw2, c0, int(out.cols), rank);
    if constexpr (Prefetch) // the block's lines of down, a line a thread
        for (int n = down.n0 + int(threadIdx.x); n < down.n1; n += kThreads)
            prefetchLineL2(w2 + std::int64_t(n) * ldw2 + c0);
    waitForPrevious();
    stageInput<T, true>(x, in, xs, normRed);
    down.load(down.n0);
    swigluOfColumns<W, J, T>(ws, xs, K, alpha1, gu, act);
    poolClusterValues<T>(act, actAll);
    down.template addTo<T>(actAll, alpha2, out);
    clusterDone();
#endif
}

// The rows form, for down stored transposed ([F, N], each intermediate column's N weights
// contiguous): block b's J rows of it are one contiguous slice, read whole. The model keeps
// down transposed as well only when asked (LONGVIEW_CUDA_MLP=rows: down's bytes again).
template <class W, int J, int T, bool Prefetch>
__global__ void __launch_bounds__(kThreads)
    mlpRowsKernel(Rows x, GemvInput in, const W* w1, std::int64_t ldw1, std::int64_t F,
                  float alpha1, const W* w2t, std::int64_t ldw2t, float alpha2, Rows out) {
    constexpr int E = Unpack<W>::n;
    extern __shared__ __align__(16) unsigned char smem[];
    __shared__ float gu[2 * J][T];
    __shared__ float act[T][J];
    __shared__ float normRed[32];
    const int K = int(x.cols), N = int(out.cols), kv = K / E, pieces = N / E;
    const int tid = int(threadIdx.x);
    const std::int64_t j0 = std::int64_t(blockIdx.x) * J;
    auto* ws = reinterpret_cast<uint4*>(smem);
    auto* xs = reinterpret_cast<float*>(smem + std::size_t(2 * J) * kv * 16);

    requestGateUp<W, J>(ws, w1, ldw1, F, j0, kv);
    if constexpr (Prefetch) { // the block's slice of down, in pieces of 16 rows' worth at most
        constexpr int kRowsAPiece = 16;
        const int t = int(threadIdx.x);
        if (t < (J + kRowsAPiece - 1) / kRowsAPiece)
            prefetchSpanL2(
                w2t + (j0 + t * kRowsAPiece) * ldw2t,
                std::uint32_t(min(kRowsAPiece, J - t * kRowsAPiece) * ldw2t * sizeof(W)));
    }
    waitForPrevious();
    stageInput<T, true>(x, in, xs, normRed);

    uint4 dw[J]; // piece c of each of the block's J rows
    auto loadDown = [&](int c) {
#pragma unroll
        for (int j = 0; j < J; ++j)
            dw[j] =
                c < pieces
                    ? *reinterpret_cast<const uint4*>(w2t + (j0 + j) * ldw2t + std::int64_t(c) * E)
                    : make_uint4(0, 0, 0, 0);
    };
    loadDown(tid);
    swigluOfColumns<W, J, T>(ws, xs, K, alpha1, gu, act);

    for (int c = tid; c < pieces; c += kThreads) {
        if (c != tid) loadDown(c);
#pragma unroll
        for (int t = 0; t < T; ++t) {
            float sum[E] = {};
#pragma unroll
            for (int j = 0; j < J; ++j) {
                float wf[E];
                Unpack<W>::run(dw[j], wf);
#pragma unroll
                for (int e = 0; e < E; ++e)
                    sum[e] += act[t][j] * wf[e];
            }
            float* o = out.data + std::int64_t(t) * out.ld + std::int64_t(c) * E;
#pragma unroll
            for (int e = 0; e < E; e += 4)
                addFour(o + e, alpha2 * sum[e], alpha2 * sum[e + 1], alpha2 * sum[e + 2],
                        alpha2 * sum[e + 3]);
        }
    }
}

// One form's kernel over F / J blocks, in clusters of `cluster` where more than one; false
// where F does not divide or the block's shared memory (its gate and up rows, x) does not fit.
template <class W, int T, class... Params>
bool launchForm(void (*kernel)(Params...), int J, unsigned cluster, Rows x, const GemvInput& in,
                const void* w1, std::int64_t ldw1, std::int64_t F, float alpha1, const void* w2,
                std::int64_t ldw2, float alpha2, Rows out, cudaStream_t s, int limit) {
    const std::size_t smem =
        std::size_t(2 * J) * std::size_t(x.cols) * sizeof(W) + sizeof(float) * T * x.cols;
    if (F % (J * std::int64_t(cluster)) != 0 || smem > std::size_t(limit)) return false;
    allowDynamicSharedMemory(reinterpret_cast<const void*>(kernel), limit, "mlpStep shared memory");
    const auto b1 = static_cast<const W*>(w1);
    const auto b2 = static_cast<const W*>(w2);
    if (cluster > 1)
        launchKernelInClusters(kernel, cluster, unsigned(F / J), kThreads, smem, s, "mlpStep", x,
                               in, b1, ldw1, F, alpha1, b2, ldw2, alpha2, out);
    else
        launchKernel(kernel, unsigned(F / J), kThreads, smem, s, "mlpStep", x, in, b1, ldw1, F,
                     alpha1, b2, ldw2, alpha2, out);
    return true;
}

// The rows form where down is given transposed too; else LONGVIEW_CUDA_MLP: columns (the
// columns form on sm_90 too), else the clusters form where it applies. LONGVIEW_CUDA_MLP_J=8
// gives the columns form 8 columns a block. Read at each launch: the op test runs each.
template <class W, int T>
bool launchT(Rows x, const GemvInput& in, const void* w1, std::int64_t ldw1, std::int64_t F,
             float alpha1, const void* w2, std::int64_t ldw2, float alpha2, Rows out,
             cudaStream_t s, bool transposed) {
    int limit = 0, device = 0, major = 0;
    check(cudaGetDevice(&device), "mlpStep");
    check(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device),
          "mlpStep");
    check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "mlpStep");
    limit -= 2048; // the kernels' static shared memory
    const auto form = [&](auto kernel, int J, unsigned cluster) {
        return launchForm<W, T>(kernel, J, cluster, x, in, w1, ldw1, F, alpha1, w2, ldw2, alpha2,
                                out, s, limit);
    };
    // Down's part asked of L2 before the wait as well, unless LONGVIEW_CUDA_MLP_PREFETCH=0.
    const bool prefetch = !switchIs("LONGVIEW_CUDA_MLP_PREFETCH", "0");
    if (transposed)
        return prefetch ? form(mlpRowsKernel<W, 16, T, true>, 16, 1)
                        : form(mlpRowsKernel<W, 16, T, false>, 16, 1);
    const bool columns = switchIs("LONGVIEW_CUDA_MLP", "columns");
    const bool narrow = switchIs("LONGVIEW_CUDA_MLP_J", "8");
    if constexpr (sizeof(W) == 2) // the clusters form reads 64 columns as 128-byte lines
        if (major >= 9 && !columns &&
            (prefetch ? form(mlpClustersKernel<W, T, true>, 16, kLineCluster)
                      : form(mlpClustersKernel<W, T, false>, 16, kLineCluster)))
            return true;
    return (!narrow && form(mlpColumnsKernel<W, 16, T>, 16, 1)) ||
           form(mlpColumnsKernel<W, 8, T>, 8, 1);
}

template <class W>
bool launchW(Rows x, const GemvInput& in, const void* w1, std::int64_t ldw1, std::int64_t F,
             float alpha1, const void* w2, std::int64_t ldw2, float alpha2, Rows out,
             cudaStream_t s, bool tr) {
    switch (x.rows) {
    case 1:
        return launchT<W, 1>(x, in, w1, ldw1, F, alpha1, w2, ldw2, alpha2, out, s, tr);
    case 2:
        return launchT<W, 2>(x, in, w1, ldw1, F, alpha1, w2, ldw2, alpha2, out, s, tr);
    case 3:
        return launchT<W, 3>(x, in, w1, ldw1, F, alpha1, w2, ldw2, alpha2, out, s, tr);
    default:
        return launchT<W, 4>(x, in, w1, ldw1, F, alpha1, w2, ldw2, alpha2, out, s, tr);
    }
}

bool aligned16(const void* p) {
    return (reinterpret_cast<std::uintptr_t>(p) & 15) == 0;
}

} // namespace

bool launchMlpStep(Rows x, const GemvInput& in, const void* gateUp, int dtype,
                   std::int64_t ldGateUp, std::int64_t F, float gateScale, const void* down,
                   std::int64_t ldDown, float downScale, Rows out, cudaStream_t s,
                   bool downTransposed) {
    const int es = dtype == kF32 ? 4 : 2, e = 16 / es; // a 16-byte piece's weights
    if (x.rows < 1 || x.rows > kGemvMaxRows || x.cols % e != 0 || out.cols % 4 != 0 ||
        out.ld % 4 != 0 || ldGateUp % e != 0 || ldDown % e != 0 || !aligned16(gateUp) ||
        !aligned16(down) || !aligned16(out.data) || (downTransposed && out.cols % e != 0))
        return false;
    if (dtype == kBF16)
        return launchW<__nv_bfloat16>(x, in, gateUp, ldGateUp, F, gateScale, down, ldDown,
                                      downScale, out, s, downTransposed);
    if (dtype == kF16)
        return launchW<__half>(x, in, gateUp, ldGateUp, F, gateScale, down, ldDown, downScale, out,
                               s, downTransposed);
    return launchW<float>(x, in, gateUp, ldGateUp, F, gateScale, down, ldDown, downScale, out, s,
                          downTransposed);
}

} // namespace lv::cuda
