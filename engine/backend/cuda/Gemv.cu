// Matrix-vector products for decode (a few rows of x): out[t, n] = alpha * (x[t] . w[n] + b[n]).
// Memory-bound on the weights: each block streams 8 weight rows with 16-byte loads (8 loads
// in flight per lane, the next step's issued before this one computes), x sits in shared
// memory as f32, and the 8 warps split K; f32 accumulation, one reduction across lanes and
// warps at the end. No scratch, one launch.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace lv::cuda {
namespace {

constexpr int kRows = 8; // weight rows per block
// x in shared memory; every target (sm_80 .. sm_120) allows this much per block.
constexpr std::int64_t kGemvMaxSmem = 96 * 1024;
constexpr int kWarps = 8; // warps per block, splitting K

template <class W> struct Unpack; // 16 bytes of weights -> floats
template <> struct Unpack<__nv_bfloat16> {
    static constexpr int n = 8;
    __device__ static void run(const uint4& u, float* f) {
        const auto* h = reinterpret_cast<const __nv_bfloat162*>(&u);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const float2 v = __bfloat1622float2(h[i]);
            f[2 * i] = v.x;
            f[2 * i + 1] = v.y;
        }
    }
};
template <> struct Unpack<__half> {
    static constexpr int n = 8;
    __device__ static void run(const uint4& u, float* f) {
        const auto* h = reinterpret_cast<const __half2*>(&u);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const float2 v = __half22float2(h[i]);
            f[2 * i] = v.x;
            f[2 * i + 1] = v.y;
        }
    }
};
template <> struct Unpack<float> {
    static constexpr int n = 4;
    __device__ static void run(const uint4& u, float* f) {
        f[0] = __uint_as_float(u.x);
        f[1] = __uint_as_float(u.y);
        f[2] = __uint_as_float(u.z);
        f[3] = __uint_as_float(u.w);
    }
};

// Fills xs [T][K] with the product's input: x itself, silu(x) * other (swiglu), or Mamba2's
// gated group RMSNorm of x with z = other. Every thread of the block takes part (syncs).
template <int T>
__device__ void stageInput(const Rows& x, const GemvInput& in, float* xs, float* normRed) {
    const int K = int(x.cols);
    for (int i = threadIdx.x; i < T * K; i += blockDim.x) {
        const int t = i / K, k = i - t * K;
        float v = x.data[std::int64_t(t) * x.ld + k];
        if (in.kind == kGemvSwiglu)
            v = siluf(v) * in.other.data[std::int64_t(t) * in.other.ld + k];
        else if (in.kind == kGemvGatedNorm && !in.normBeforeGate)
            v *= siluf(in.other.data[std::int64_t(t) * in.other.ld + k]);
        xs[i] = v;
    }
    __syncthreads();
    if (in.kind != kGemvGatedNorm) return;
    const int group = int(in.groupSize), groups = K / group;
    for (int tg = 0; tg < T * groups; ++tg) { // uniform across the block: blockSum syncs
        const int t = tg / groups, c0 = (tg - t * groups) * group;
        float* h = xs + t * K + c0;
        float ss = 0.0f;
        for (int c = threadIdx.x; c < group; c += blockDim.x)
            ss += h[c] * h[c];
        const float inv = rsqrtf(blockSum(ss, normRed) / float(group) + in.eps);
        const float* z = in.other.data + std::int64_t(t) * in.other.ld + c0;
        for (int c = threadIdx.x; c < group; c += blockDim.x) {
            const float v = h[c] * inv * loadAsFloat(in.norm.data, in.norm.dtype, c0 + c);
            h[c] = in.normBeforeGate ? v * siluf(z[c]) : v;
        }
    }
    __syncthreads();
}

template <class W, int T>
__global__ void __launch_bounds__(kWarps * 32)
    gemvKernel(Rows x, GemvInput in, const W* w, std::int64_t ldw, const float* bias, float alpha,
               Rows out) {
    constexpr int EPL = Unpack<W>::n;           // weights per lane per load
    constexpr int CHUNK = 32 * EPL;             // weights per warp step
    extern __shared__ __align__(16) float xs[]; // [T][K]
    __shared__ float red[kWarps][kRows][T];
    __shared__ float normRed[32];
    const int K = int(x.cols), N = int(out.cols);
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int n0 = blockIdx.x * kRows;
    const int chunks = (K + CHUNK - 1) / CHUNK;
    // A lane's 16 bytes of each of the block's rows for chunk c (zeros past K or N; K % EPL
    // == 0, so a lane's EPL weights are all in or all out).
    uint4 next[kRows];
    auto fetch = [&](int c) {
        const int k = c * CHUNK + lane * EPL;
#pragma unroll
        for (int r = 0; r < kRows; ++r)
            next[r] = n0 + r < N && k < K
                          ? *reinterpret_cast<const uint4*>(w + std::int64_t(n0 + r) * ldw + k)
                          : make_uint4(0, 0, 0, 0);
    };
    // The kernel is a few microseconds long: the first weights are requested before x is
    // staged (launched as a dependent, before the previous kernel has even finished), and
    // each step requests the next before it computes, so HBM never waits on the block.
    if (warp < chunks) fetch(warp);
    waitForPrevious(); // the weights are constant; x and out belong to the step
    stageInput<T>(x, in, xs, normRed);
    float acc[kRows][T] = {};
    for (int c = warp; c < chunks; c += kWarps) {
        const int k = c * CHUNK + lane * EPL;
        uint4 raw[kRows];
#pragma unroll
        for (int r = 0; r < kRows; ++r)
            raw[r] = next[r];
        if (c + kWarps < chunks) fetch(c + kWarps);
        if (k >= K) continue;
        float xv[T][EPL];
#pragma unroll
        for (int t = 0; t < T; ++t)
#pragma unroll
            for (int e = 0; e < EPL; e += 4) {
                const float4 v = *reinterpret_cast<const float4*>(xs + t * K + k + e);
                xv[t][e] = v.x;
                xv[t][e + 1] = v.y;
                xv[t][e + 2] = v.z;
                xv[t][e + 3] = v.w;
            }
#pragma unroll
        for (int r = 0; r < kRows; ++r) {
            float wf[EPL];
            Unpack<W>::run(raw[r], wf);
#pragma unroll
            for (int t = 0; t < T; ++t)
#pragma unroll
                for (int e = 0; e < EPL; ++e)
                    acc[r][t] += wf[e] * xv[t][e];
        }
    }
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int t = 0; t < T; ++t) {
            const float v = warpSum(acc[r][t]);
            if (lane == 0) red[warp][r][t] = v;
        }
    __syncthreads();
    if (tid < kRows * T) {
        const int r = tid / T, t = tid % T;
        const int n = n0 + r;
        if (n < N) {
            float v = 0.0f;
#pragma unroll
            for (int q = 0; q < kWarps; ++q)
                v += red[q][r][t];
            if (bias) v += bias[n];
            out.data[std::int64_t(t) * out.ld + n] = alpha * v;
        }
    }
}

template <class W, int T>
void launchT(Rows x, const GemvInput& in, const void* w, std::int64_t ldw, const float* bias,
             float alpha, Rows out, cudaStream_t s) {
    const std::size_t smem = sizeof(float) * std::size_t(T * x.cols);
    allowDynamicSharedMemory(reinterpret_cast<const void*>(gemvKernel<W, T>), int(kGemvMaxSmem),
                             "gemv shared memory");
    launchKernel(gemvKernel<W, T>, ceilDiv(out.cols, kRows), kWarps * 32, smem, s, "gemv", x, in,
                 static_cast<const W*>(w), ldw, bias, alpha, out);
}

template <class W>
void launchW(Rows x, const GemvInput& in, const void* w, std::int64_t ldw, const float* bias,
             float alpha, Rows out, cudaStream_t s) {
    switch (x.rows) {
    case 1:
        launchT<W, 1>(x, in, w, ldw, bias, alpha, out, s);
        break;
    case 2:
        launchT<W, 2>(x, in, w, ldw, bias, alpha, out, s);
        break;
    case 3:
        launchT<W, 3>(x, in, w, ldw, bias, alpha, out, s);
        break;
    default:
        launchT<W, 4>(x, in, w, ldw, bias, alpha, out, s);
        break;
    }
}

} // namespace

bool gemvApplies(Rows x, const void* w, std::int64_t ldw, int dtype) {
    const int es = dtype == kF32 ? 4 : 2;
    const int epl = 16 / es;
    return x.rows >= 1 && x.rows <= kGemvMaxRows && x.cols % epl == 0 &&
           x.rows * x.cols * 4 <= kGemvMaxSmem && (reinterpret_cast<std::uintptr_t>(w) & 15) == 0 &&
           (ldw * es) % 16 == 0;
}

void launchGemv(Rows x, const void* w, std::int64_t ldw, int dtype, const float* bias, float alpha,
                Rows out, cudaStream_t s, const GemvInput& in) {
    if (dtype == kBF16)
        launchW<__nv_bfloat16>(x, in, w, ldw, bias, alpha, out, s);
    else if (dtype == kF16)
        launchW<__half>(x, in, w, ldw, bias, alpha, out, s);
    else
        launchW<float>(x, in, w, ldw, bias, alpha, out, s);
}

} // namespace lv::cuda
