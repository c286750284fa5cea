// Mamba2's tail of a decode step as one kernel: the SSD step of one token, the gated norm
// and out_proj, with out_proj split over its K instead of waiting for every head's output.
// A cluster of four blocks owns a head (its 64 channels are 128 bytes of each out_proj row,
// a whole line); each block steps 16 of the head's state rows, the four pool their gated
// values through distributed shared memory, and each multiplies them by a quarter of
// out_proj's rows, adding the partial sums to out with float atomics. The norm's scale is
// one number a token over all channels, so it factors out of the product: the kernel adds
// its channels' sum of squares to sumSq, and the next product applies the scale while it
// stages its input (GemvInput::otherSumSq). out and sumSq must hold zeros when it starts.
//
// The state rows and the block's out_proj rows are requested before the wait for the
// previous kernel: only this layer's step a token ago wrote the state, and the weights are
// constants.

#include "backend/cuda/ClusterLines.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace lv::cuda {
namespace {

constexpr int kHeadDim = kLineColumns; // channels a head (a cluster)

// One token's step of one state row, a warp across its N columns (n = lane + 32 j), as
// SsdRecurrent.cu's decode kernel does it: s = s * exp(dt A) + dt x B, written back, and
// C . s summed over the warp.
template <int NPL>
__device__ __forceinline__ float stepStateRow(float (&s)[NPL], float dA, float dx,
                                              const float (&b)[NPL], const float (&c)[NPL],
                                              float* row, int lane) {
    float acc = 0.0f;
#pragma unroll
    for (int j = 0; j < NPL; ++j) {
        s[j] = s[j] * dA + dx * b[j];
        acc += c[j] * s[j];
        row[lane + 32 * j] = s[j];
    }
    return warpSum(acc);
}

template <class W, int NPL> // state columns a lane: N = 32 NPL
__global__ void __launch_bounds__(kLineWarps * 32) mamba2TailKernel(Mamba2TailArgs a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    constexpr int kRowsPerBlock = kHeadDim / kLineCluster;   // 16
    constexpr int kRowsPerWarp = kRowsPerBlock / kLineWarps; // 2
    __shared__ float mine[1][kRowsPerBlock];
    __shared__ float all[1][kLineColumns];
    __shared__ float squares[kLineWarps];
    const SsdArgs& s = a.ssd;
    const int rank = int(cooperative_groups::this_cluster().block_rank());
    const int h = int(blockIdx.x) / kLineCluster;
    const int warp = int(threadIdx.x) >> 5, lane = int(threadIdx.x) & 31;
    const int N = int(s.N), p0 = rank * kRowsPerBlock + warp * kRowsPerWarp;
    const std::int64_t ch0 = std::int64_t(h) * kHeadDim + p0; // the warp's first channel

    float* st = s.state + ch0 * N;
    float v[kRowsPerWarp][NPL];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
        for (int j = 0; j < NPL; ++j)
            v[r][j] = st[std::int64_t(r) * N + lane + 32 * j];
    const float Ah = s.A[h], Dh = s.D[h], bias = s.dtBias[h];
    float nw[kRowsPerWarp];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r)
        nw[r] = loadAsFloat(a.norm.data, a.norm.dtype, ch0 + r);
    LineRows<W> rows(static_cast<const W*>(a.outProj), a.ldOut, std::int64_t(h) * kHeadDim,
                     int(a.out.cols), rank);
    rows.load(rows.n0);
    waitForPrevious();

    float d = softplusf(s.dt[h] + bias);
    d = fminf(fmaxf(d, s.dtMin), s.dtMax);
    const float dA = expf(d * Ah);
    const std::int64_t g = h / (s.H / s.G);
    float b[NPL], c[NPL];
#pragma unroll
    for (int j = 0; j < NPL; ++j) {
        b[j] = s.B[g * N + lane + 32 * j];
        c[j] = s.C[g * N + lane + 32 * j];
    }
    float sq = 0.0f;
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
        const float xv = s.x[ch0 + r];
        const float y =
            stepStateRow<NPL>(v[r], dA, d * xv, b, c, st + std::int64_t(r) * N, lane) + Dh * xv;
        const float gated = y * siluf(a.z[ch0 + r]);
        const float normed = a.normBeforeGate ? y : gated;
        sq += normed * normed;
        if (lane == 0) mine[0][warp * kRowsPerWarp + r] = gated * nw[r];
    }
    if (lane == 0) squares[warp] = sq;
    __syncthreads();
    if (threadIdx.x == 0) {
        float total = 0.0f;
#pragma unroll
        for (int w = 0; w < kLineWarps; ++w)
            total += squares[w];
        atomicAdd(a.sumSq, total);
    }
    poolClusterValues<1>(mine, all);
    rows.template addTo<1>(all, a.outScale, a.out);
    clusterDone();
#endif
}

template <class W, int NPL> void launchN(const Mamba2TailArgs& a, cudaStream_t stream) {
    launchKernelInClusters(mamba2TailKernel<W, NPL>, kLineCluster, unsigned(a.ssd.H * kLineCluster),
                           kLineWarps * 32, 0, stream, "mamba2Tail", a);
}

template <class W> bool launchW(const Mamba2TailArgs& a, cudaStream_t stream) {
    switch (a.ssd.N / 32) {
    case 1:
        return launchN<W, 1>(a, stream), true;
    case 2:
        return launchN<W, 2>(a, stream), true;
    case 4:
        return launchN<W, 4>(a, stream), true;
    case 8:
        return launchN<W, 8>(a, stream), true;
    default:
        return false;
    }
}

} // namespace

bool mamba2TailApplies(std::int64_t T, std::int64_t headDim, std::int64_t stateSize, int dtype) {
    int device = 0, major = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess)
        return false;
    return major >= 9 && T == 1 && headDim == kHeadDim && stateSize % 32 == 0 && stateSize <= 256 &&
           (stateSize / 32 & (stateSize / 32 - 1)) == 0 && (dtype == kBF16 || dtype == kF16);
}

bool launchMamba2Tail(const Mamba2TailArgs& a, cudaStream_t s) {
    const auto aligned = [](const void* p) {
        return (reinterpret_cast<std::uintptr_t>(p) & 15) == 0;
    };
    if (!mamba2TailApplies(a.ssd.T, a.ssd.P, a.ssd.N, a.dtype) || a.out.cols % 4 != 0 ||
        a.ldOut % 8 != 0 || !aligned(a.outProj) || !aligned(a.out.data))
        return false;
    return a.dtype == kBF16 ? launchW<__nv_bfloat16>(a, s) : launchW<__half>(a, s);
}

} // namespace lv::cuda
