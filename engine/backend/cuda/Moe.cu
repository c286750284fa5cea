// Mixture of SwiGLU experts, the direct form: one warp per output element of each (token,
// choice) slot, first the gated activation [F], then the down projection [H], then a
// deterministic weighted sum over each token's k slots (no atomics).

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

namespace lv::cuda {
namespace {

constexpr int kWarps = 8;

__device__ float dotRow(Weight w, std::int64_t offset, const float* x, std::int64_t n, int lane) {
    float acc = 0.0f;
    for (std::int64_t i = lane; i < n; i += 32)
        acc += loadAsFloat(w.data, w.dtype, offset + i) * x[i];
    return warpSum(acc);
}

// act[slot, f] = silu(gate_e[f] . x_t) * (up_e[f] . x_t), slot = t * k + j.
__global__ void moeActKernel(MoeArgs a) {
    waitForPrevious();
    const std::int64_t item = std::int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    const std::int64_t slots = a.x.rows * a.k;
    if (item >= slots * a.F) return;
    const std::int64_t slot = item / a.F, f = item - slot * a.F;
    const std::int64_t t = slot / a.k;
    const std::int32_t e = a.indices[slot];
    float* dst = a.scratchAct + slot * a.F + f;
    if (e < 0 || e >= a.E) {
        if (lane == 0) *dst = __int_as_float(0x7fc00000);
        return;
    }
    const std::int64_t H = a.x.cols;
    const float* xr = a.x.data + t * a.x.ld;
    const std::int64_t base = std::int64_t(e) * 2 * a.F * H;
    const float g = dotRow(a.gateUp, base + f * H, xr, H, lane);
    const float u = dotRow(a.gateUp, base + (a.F + f) * H, xr, H, lane);
    if (lane == 0) *dst = siluf(g) * u;
}

// y[slot, i] = down_e[i] . act[slot].
__global__ void moeDownKernel(MoeArgs a) {
    waitForPrevious();
    const std::int64_t item = std::int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    const std::int64_t H = a.x.cols;
    const std::int64_t slots = a.x.rows * a.k;
    if (item >= slots * H) return;
    const std::int64_t slot = item / H, i = item - slot * H;
    std::int32_t e = a.indices[slot];
    if (e < 0 || e >= a.E) e = 0; // the activation row is NaN already
    const float y =
        dotRow(a.down, (std::int64_t(e) * H + i) * a.F, a.scratchAct + slot * a.F, a.F, lane);
    if (lane == 0) a.scratchOut[slot * H + i] = y;
}

__global__ void moeCombineKernel(MoeArgs a) {
    waitForPrevious();
    const std::int64_t H = a.x.cols;
    const std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= H) return;
    for (std::int64_t t = blockIdx.y; t < a.x.rows; t += gridDim.y) {
        float acc = 0.0f;
        for (std::int64_t j = 0; j < a.k; ++j)
            acc += a.weights[t * a.k + j] * a.scratchOut[(t * a.k + j) * H + i];
        a.out.data[t * a.out.ld + i] = acc;
    }
}

} // namespace

void launchMoeSwiglu(const MoeArgs& a, cudaStream_t s) {
    const std::int64_t slots = a.x.rows * a.k;
    if (slots == 0) return;
    launchKernel(moeActKernel, ceilDiv(slots * a.F, kWarps), kWarps * 32, 0, s, "moeAct", a);
    launchKernel(moeDownKernel, ceilDiv(slots * a.x.cols, kWarps), kWarps * 32, 0, s, "moeDown", a);
    const dim3 grid(ceilDiv(a.x.cols, 256), unsigned(a.x.rows < 65535 ? a.x.rows : 65535));
    launchKernel(moeCombineKernel, grid, 256, 0, s, "moeCombine", a);
}

} // namespace lv::cuda
