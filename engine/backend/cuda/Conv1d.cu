// Depthwise causal conv1d with a rolling state of the last K-1 inputs, then optional SiLU.
// One thread per (token, channel) output; a second launch rolls the state forward, so that
// every output read the state before it changed. A single token (decode) takes one kernel.
// The input f32 or bf16 (in_proj's prefill output), the output f32 or bf16 (for the SSD).

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/Switches.h"

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr int kThreads = 256;

// Input sequence s = [state[c, 0 .. K-2], x[0 .. T-1, c]]; out[t] = sum_k w[c, k] * s[t + k].
template <class T>
__global__ void causalConv1dKernel(InRows<T> x, Weight w, int K, const float* bias,
                                   const float* state, bool applySilu, OutRows out) {
    waitForPrevious();
    const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= x.cols) return;
    float taps[8];
#pragma unroll
    for (int k = 0; k < 8; ++k)
        taps[k] = k < K ? loadAsFloat(w.data, w.dtype, c * K + k) : 0.0f;
    const float b = bias ? bias[c] : 0.0f;
    for (std::int64_t t = blockIdx.y; t < x.rows; t += gridDim.y) {
        float acc = b;
#pragma unroll
        for (int k = 0; k < 8; ++k) {
            if (k >= K) break;
            const std::int64_t j = t + k - (K - 1); // index into x; negative reads the state
            const float v =
                j >= 0 ? asFloat(x.data[j * x.ld + c]) : state[c * (K - 1) + (K - 1) + j];
            acc += taps[k] * v;
        }
        storeAsType(out.data, out.dtype, t * out.ld + c, applySilu ? siluOf<T>(acc) : acc);
    }
}

// One token (decode): a thread owns one channel's window (its state and the new input), so it
// can write the output and roll the state itself: one launch instead of two.
template <class T>
__global__ void causalConv1dStepKernel(InRows<T> x, Weight w, int K, const float* bias,
                                       float* state, bool applySilu, OutRows out) {
    waitForPrevious();
    const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= x.cols) return;
    float* st = state + c * (K - 1);
    float window[8];
#pragma unroll
    for (int k = 0; k < 7; ++k)
        if (k < K - 1) window[k] = st[k];
    const float xv = asFloat(x.data[c]);
    window[K - 1] = xv;
    float acc = bias ? bias[c] : 0.0f;
#pragma unroll
    for (int k = 0; k < 8; ++k)
        if (k < K) acc += loadAsFloat(w.data, w.dtype, c * K + k) * window[k];
    storeAsType(out.data, out.dtype, c, applySilu ? siluOf<T>(acc) : acc);
#pragma unroll
    for (int k = 0; k < 7; ++k)
        if (k < K - 1) st[k] = window[k + 1];
}

// new state[c, j] = s[T + j], read in increasing j so that the shift works in place.
template <class In> __global__ void rollConvStateKernel(InRows<In> x, int K, float* state) {
    waitForPrevious();
    const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= x.cols) return;
    const std::int64_t T = x.rows;
    float* st = state + c * (K - 1);
    for (int j = 0; j < K - 1; ++j) {
        const std::int64_t src = T + j; // index into s
        st[j] = src >= K - 1 ? asFloat(x.data[(src - (K - 1)) * x.ld + c]) : st[src];
    }
}

// Four channels per thread (16-byte loads), a run of kRun consecutive tokens per thread with
// the last K-1 inputs kept in registers, so that each input is read about once.
constexpr int kRun = 32;

// Four consecutive channels c .. c+3: their taps and bias, and one token's outputs from a
// window of their inputs (the four-channel kernels below).
template <int K> struct FourChannels {
    float taps[4][K];
    float b[4];

    __device__ __forceinline__ void load(Weight w, const float* bias, std::int64_t c) {
#pragma unroll
        for (int j = 0; j < 4; ++j) {
#pragma unroll
            for (int k = 0; k < K; ++k)
                taps[j][k] = loadAsFloat(w.data, w.dtype, (c + j) * K + k);
            b[j] = bias ? bias[c + j] : 0.0f;
        }
    }

    // The input before the sequence at j < 0: the state's column (K-1) + j of the four.
    __device__ static __forceinline__ float4 fromState(const float* state, std::int64_t c,
                                                       std::int64_t j) {
        const std::int64_t si = (K - 1) + j;
        return make_float4(state[c * (K - 1) + si], state[(c + 1) * (K - 1) + si],
                           state[(c + 2) * (K - 1) + si], state[(c + 3) * (K - 1) + si]);
    }

    // The outputs at `at` from window[k], the input at t - (K-1) + k; then the window moves
    // on by one token.
    template <class T>
    __device__ __forceinline__ void step(float4 (&window)[K], bool applySilu, OutRows out,
                                         std::int64_t at) const {
        float acc[4] = {b[0], b[1], b[2], b[3]};
#pragma unroll
        for (int k = 0; k < K; ++k) {
            acc[0] += taps[0][k] * window[k].x;
            acc[1] += taps[1][k] * window[k].y;
            acc[2] += taps[2][k] * window[k].z;
            acc[3] += taps[3][k] * window[k].w;
        }
        if (applySilu)
#pragma unroll
            for (int j = 0; j < 4; ++j)
                acc[j] = siluOf<T>(acc[j]);
        store4(out.data, out.dtype, at, make_float4(acc[0], acc[1], acc[2], acc[3]));
#pragma unroll
        for (int k = 0; k < K - 1; ++k)
            window[k] = window[k + 1];
    }
};

template <int K, class T>
__global__ void causalConv1dVec4Kernel(InRows<T> x, Weight w, const float* bias, const float* state,
                                       bool applySilu, OutRows out) {
    waitForPrevious();
    const std::int64_t c = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * 4;
    if (c >= x.cols) return;
    FourChannels<K> four;
    four.load(w, bias, c);
    const std::int64_t t0 = std::int64_t(blockIdx.y) * kRun;
    // window[k] holds the input at t - (K-1) + k for the next output t
    float4 window[K];
#pragma unroll
    for (int k = 0; k < K - 1; ++k) {
        const std::int64_t j = t0 - (K - 1) + k;
        window[k] = j >= 0 ? load4(x.data + j * x.ld + c) : FourChannels<K>::fromState(state, c, j);
    }
    const std::int64_t tEnd = t0 + kRun < x.rows ? t0 + kRun : x.rows;
    // The inputs kAhead tokens ahead are loaded before this token's output is stored: the
    // compiler cannot move a load above a store that may alias it (none does: the host
    // copies x for a conv in place), and one load in flight a thread left the kernel waiting.
    constexpr int kAhead = 4;
    float4 ahead[kAhead];
#pragma unroll
    for (int i = 0; i < kAhead; ++i)
        ahead[i] = t0 + i < tEnd ? load4(x.data + (t0 + i) * x.ld + c) : make_float4(0, 0, 0, 0);
    for (std::int64_t tb = t0; tb < tEnd; tb += kAhead) {
#pragma unroll
        for (int i = 0; i < kAhead; ++i) {
            const std::int64_t t = tb + i;
            if (t >= tEnd) break;
            window[K - 1] = ahead[i];
            if (t + kAhead < tEnd) ahead[i] = load4(x.data + (t + kAhead) * x.ld + c);
            four.template step<T>(window, applySilu, out, t * out.ld + c);
        }
    }
}

// bf16 input (in_proj's prefill output): a block's whole tile, kRun tokens and the K-1 before
// them by 512 channels, copied to shared memory by cp.async at its start, then four channels
// a thread over the run as above. The register form keeps four 8-byte loads in flight a
// thread and its registers allow 20 warps an SM: 12% of the H200's DRAM bandwidth (ncu,
// session 33). Here each block has its 36 KB in flight at once, and the copies take no
// registers (cuda-notes v91, H100: 61 -> 45 us a 4096-token chunk of the 1B).
constexpr int kStagedChannels = 512;

template <int K>
__global__ void __launch_bounds__(kStagedChannels / 4)
    causalConv1dStagedKernel(InRows<__nv_bfloat16> x, Weight w, const float* bias,
                             const float* state, bool applySilu, OutRows out) {
    constexpr int kRows = kRun + K - 1, kPieces = kStagedChannels / 8; // 16-byte copies a row
    __shared__ __align__(16) __nv_bfloat16 tile[kRows][kStagedChannels];
    const std::int64_t cBlock = std::int64_t(blockIdx.x) * kStagedChannels;
    const std::int64_t t0 = std::int64_t(blockIdx.y) * kRun;
    const std::int64_t first = t0 - (K - 1); // the token of the tile's row 0
    waitForPrevious();
    for (int i = threadIdx.x; i < kRows * kPieces; i += blockDim.x) {
        const int r = i / kPieces, k = (i % kPieces) * 8;
        const std::int64_t t = first + r;
        const bool ok = t >= 0 && t < x.rows && cBlock + k < x.cols;
        cpAsync16(&tile[r][k], ok ? x.data + t * x.ld + cBlock + k : x.data, ok);
    }
    cpAsyncCommit();
    const int cl = threadIdx.x * 4;
    const std::int64_t c = cBlock + cl;
    const bool active = c < x.cols;
    FourChannels<K> four;
    if (active) four.load(w, bias, c);
    cpAsyncWait<0>();
    __syncthreads();
    if (!active) return;
    auto row = [&](int r) { return unpack4(*reinterpret_cast<const uint2*>(&tile[r][cl]), kBF16); };
    // window[k] holds the input at t - (K-1) + k for the next output t; before the sequence
    // the state's K-1 columns.
    float4 window[K];
#pragma unroll
    for (int k = 0; k < K - 1; ++k) {
        const std::int64_t j = first + k;
        window[k] = j >= 0 ? row(k) : FourChannels<K>::fromState(state, c, j);
    }
    const int n = int(t0 + kRun < x.rows ? kRun : x.rows - t0);
    for (int i = 0; i < n; ++i) {
        window[K - 1] = row(i + K - 1);
        four.template step<__nv_bfloat16>(window, applySilu, out, (t0 + i) * out.ld + c);
    }
}

bool aligned(const void* p, std::uintptr_t bytes) {
    return (reinterpret_cast<std::uintptr_t>(p) & (bytes - 1)) == 0;
}

// The staged form (K = 4) where the input is bf16 in aligned 16-byte pieces, unless
// LONGVIEW_CUDA_CONV_STAGED=0 (read at each call) asks for the register form, to compare;
// false where it did not launch.
template <class T>
bool launchStagedConv(InRows<T> x, Weight w, const float* bias, const float* state, bool applySilu,
                      OutRows out, cudaStream_t s) {
    if constexpr (sizeof(T) != 2) {
        return false;
    } else {
        if (x.cols % 8 != 0 || x.ld % 8 != 0 || !aligned(x.data, 16) ||
            switchIs("LONGVIEW_CUDA_CONV_STAGED", "0"))
            return false;
        const dim3 grid(ceilDiv(x.cols, kStagedChannels), ceilDiv(x.rows, kRun));
        launchKernel(causalConv1dStagedKernel<4>, grid, kStagedChannels / 4, 0, s,
                     "causalConv1dStaged", x, w, bias, state, applySilu, out);
        return true;
    }
}

template <class T>
void launchConv(InRows<T> x, Weight w, std::int64_t kernelSize, const float* bias, float* state,
                bool applySilu, OutRows out, cudaStream_t s) {
    if (x.cols == 0) return;
    const int K = int(kernelSize);
    if (x.rows == 1 && K >= 1 && K <= 8) {
        launchKernel(causalConv1dStepKernel<T>, ceilDiv(x.cols, kThreads), kThreads, 0, s,
                     "causalConv1dStep", x, w, K, bias, state, applySilu, out);
        return;
    }
    const bool vec = K == 4 && x.cols % 4 == 0 && x.ld % 4 == 0 && out.ld % 4 == 0 &&
                     aligned(x.data, 4 * sizeof(T)) &&
                     aligned(out.data, out.dtype == kF32 ? 16 : 8) && x.rows > 1;
    if (vec) {
        if (!launchStagedConv(x, w, bias, state, applySilu, out, s)) {
            const dim3 grid(ceilDiv(x.cols / 4, 128), ceilDiv(x.rows, kRun));
            launchKernel(causalConv1dVec4Kernel<4, T>, grid, 128, 0, s, "causalConv1dVec4", x, w,
                         bias, state, applySilu, out);
        }
    } else if (x.rows > 0) {
        const dim3 grid(ceilDiv(x.cols, kThreads), unsigned(std::min<std::int64_t>(x.rows, 65535)));
        launchKernel(causalConv1dKernel<T>, grid, kThreads, 0, s, "causalConv1d", x, w, K, bias,
                     state, applySilu, out);
    }
    if (K > 1 && x.rows > 0) {
        launchKernel(rollConvStateKernel<T>, ceilDiv(x.cols, kThreads), kThreads, 0, s,
                     "rollConvState", x, K, state);
    }
}

} // namespace

void launchCausalConv1d(Rows x, Weight w, std::int64_t kernelSize, const float* bias, float* state,
                        bool applySilu, OutRows out, cudaStream_t s) {
    launchConv(InRows<float>{x.data, x.rows, x.cols, x.ld}, w, kernelSize, bias, state, applySilu,
               out, s);
}

void launchCausalConv1dHalfIn(HalfRows x, Weight w, std::int64_t kernelSize, const float* bias,
                              float* state, bool applySilu, OutRows out, cudaStream_t s) {
    launchConv(
        InRows<__nv_bfloat16>{static_cast<const __nv_bfloat16*>(x.data), x.rows, x.cols, x.ld}, w,
        kernelSize, bias, state, applySilu, out, s);
}

} // namespace lv::cuda
