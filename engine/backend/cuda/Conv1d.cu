// Depthwise causal conv1d with a rolling state of the last K-1 inputs, then optional SiLU.
// One thread per (token, channel) output; a second launch rolls the state forward, so that
// every output read the state before it changed.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr int kThreads = 256;

// Input sequence s = [state[c, 0 .. K-2], x[0 .. T-1, c]]; out[t] = sum_k w[c, k] * s[t + k].
__global__ void causalConv1dKernel(Rows x, Weight w, int K, const float* bias, const float* state,
                                   bool applySilu, Rows out) {
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
            const float v = j >= 0 ? x.data[j * x.ld + c] : state[c * (K - 1) + (K - 1) + j];
            acc += taps[k] * v;
        }
        out.data[t * out.ld + c] = applySilu ? siluf(acc) : acc;
    }
}

// new state[c, j] = s[T + j], read in increasing j so that the shift works in place.
__global__ void rollConvStateKernel(Rows x, int K, float* state) {
    const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= x.cols) return;
    const std::int64_t T = x.rows;
    float* st = state + c * (K - 1);
    for (int j = 0; j < K - 1; ++j) {
        const std::int64_t src = T + j; // index into s
        st[j] = src >= K - 1 ? x.data[(src - (K - 1)) * x.ld + c] : st[src];
    }
}

} // namespace

void launchCausalConv1d(Rows x, Weight w, std::int64_t kernelSize, const float* bias, float* state,
                        bool applySilu, Rows out, cudaStream_t s) {
    if (x.cols == 0) return;
    const int K = int(kernelSize);
    if (x.rows > 0) {
        const dim3 grid(ceilDiv(x.cols, kThreads), unsigned(std::min<std::int64_t>(x.rows, 65535)));
        causalConv1dKernel<<<grid, kThreads, 0, s>>>(x, w, K, bias, state, applySilu, out);
        checkLaunch("causalConv1d");
    }
    if (K > 1 && x.rows > 0) {
        rollConvStateKernel<<<ceilDiv(x.cols, kThreads), kThreads, 0, s>>>(x, K, state);
        checkLaunch("rollConvState");
    }
}

} // namespace lv::cuda
