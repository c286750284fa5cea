// RMSNorm and Mamba2's gated group RMSNorm: one block per row (per row and group), float32
// sums. Each element is read and written by the same thread, so in-place calls are safe.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void rmsNormKernel(Rows x, Weight w, float eps, OutRows out) {
    waitForPrevious();
    __shared__ float scratch[32];
    const float* row = x.data + std::int64_t(blockIdx.x) * x.ld;
    float ss = 0.0f;
    for (std::int64_t c = threadIdx.x; c < x.cols; c += blockDim.x)
        ss += row[c] * row[c];
    ss = blockSum(ss, scratch);
    const float inv = rsqrtf(ss / float(x.cols) + eps);
    const std::int64_t o = std::int64_t(blockIdx.x) * out.ld;
    for (std::int64_t c = threadIdx.x; c < x.cols; c += blockDim.x)
        storeAsType(out.data, out.dtype, o + c, row[c] * inv * loadAsFloat(w.data, w.dtype, c));
}

// Block (row, group). normBeforeGate=false: h = x * silu(z), out = h / rms(h) * w.
// normBeforeGate=true: out = x / rms(x) * w * silu(z).
// x (the SSD's y) and z (in_proj's) each f32, or bf16 where a GPU's prefill wrote them so.
template <class XT, class ZT>
__global__ void gatedRmsNormKernel(InRows<XT> x, InRows<ZT> z, Weight w, std::int64_t groupSize,
                                   float eps, bool normBeforeGate, OutRows out) {
    waitForPrevious();
    __shared__ float scratch[32];
    const std::int64_t r = blockIdx.x;
    const std::int64_t c0 = std::int64_t(blockIdx.y) * groupSize;
    const XT* xr = x.data + r * x.ld + c0;
    const ZT* zr = z.data + r * z.ld + c0;
    float ss = 0.0f;
    for (std::int64_t c = threadIdx.x; c < groupSize; c += blockDim.x) {
        const float xv = asFloat(xr[c]);
        const float h = normBeforeGate ? xv : xv * siluOf<ZT>(asFloat(zr[c]));
        ss += h * h;
    }
    ss = blockSum(ss, scratch);
    const float inv = rsqrtf(ss / float(groupSize) + eps);
    const std::int64_t o = r * out.ld + c0;
    for (std::int64_t c = threadIdx.x; c < groupSize; c += blockDim.x) {
        const float g = siluOf<ZT>(asFloat(zr[c]));
        const float wc = loadAsFloat(w.data, w.dtype, c0 + c);
        storeAsType(out.data, out.dtype, o + c,
                    normBeforeGate ? asFloat(xr[c]) * inv * wc * g : asFloat(xr[c]) * g * inv * wc);
    }
}

// Rows of up to 256 * PER elements: each thread keeps its elements in registers, so x (and z)
// are read once. With delta (addRmsNorm: one block's residual add and the next block's
// norm in one pass), x += scale * delta is written back first; without, x is only read (and
// out may be x).
template <int PER>
__global__ void __launch_bounds__(256)
    rmsNormCachedKernel(Rows x, Rows delta, float scale, Weight w, float eps, OutRows out) {
    __shared__ float scratch[32];
    // The weights are constant: requested before the previous kernel is waited for. Every
    // load of x and delta is issued before the first store (delta may alias x, and a store
    // between two loads makes each wait out the memory latency on its own).
    float wv[PER];
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const std::int64_t c = threadIdx.x + i * 256;
        wv[i] = c < x.cols ? loadAsFloat(w.data, w.dtype, c) : 0.0f;
    }
    waitForPrevious();
    float* row = x.data + std::int64_t(blockIdx.x) * x.ld;
    const float* d = delta.data ? delta.data + std::int64_t(blockIdx.x) * delta.ld : nullptr;
    float v[PER], dv[PER];
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const std::int64_t c = threadIdx.x + i * 256;
        v[i] = c < x.cols ? row[c] : 0.0f;
        dv[i] = d && c < x.cols ? d[c] : 0.0f;
    }
    float ss = 0.0f;
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const std::int64_t c = threadIdx.x + i * 256;
        if (d) {
            v[i] += scale * dv[i];
            if (c < x.cols) row[c] = v[i];
        }
        ss += v[i] * v[i];
    }
    ss = blockSum(ss, scratch);
    const float inv = rsqrtf(ss / float(x.cols) + eps);
    const std::int64_t o = std::int64_t(blockIdx.x) * out.ld;
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const std::int64_t c = threadIdx.x + i * 256;
        if (c < x.cols) storeAsType(out.data, out.dtype, o + c, v[i] * inv * wv[i]);
    }
}

template <int PER, class XT, class ZT>
__global__ void __launch_bounds__(256)
    gatedRmsNormCachedKernel(InRows<XT> x, InRows<ZT> z, Weight w, std::int64_t groupSize,
                             float eps, bool normBeforeGate, OutRows out) {
    __shared__ float scratch[32];
    const std::int64_t r = blockIdx.x;
    const std::int64_t c0 = std::int64_t(blockIdx.y) * groupSize;
    float wv[PER]; // constant: requested before the previous kernel is waited for
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const std::int64_t c = threadIdx.x + i * 256;
        wv[i] = c < groupSize ? loadAsFloat(w.data, w.dtype, c0 + c) : 0.0f;
    }
    waitForPrevious();
    const XT* xr = x.data + r * x.ld + c0;
    const ZT* zr = z.data + r * z.ld + c0;
    float hv[PER], gv[PER];
    float ss = 0.0f;
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const std::int64_t c = threadIdx.x + i * 256;
        const bool in = c < groupSize;
        const float xv = in ? asFloat(xr[c]) : 0.0f;
        gv[i] = in ? siluOf<ZT>(asFloat(zr[c])) : 0.0f;
        hv[i] = normBeforeGate ? xv : xv * gv[i];
        ss += hv[i] * hv[i];
    }
    ss = blockSum(ss, scratch);
    const float inv = rsqrtf(ss / float(groupSize) + eps);
    const std::int64_t o = r * out.ld + c0;
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const std::int64_t c = threadIdx.x + i * 256;
        if (c < groupSize)
            storeAsType(out.data, out.dtype, o + c,
                        normBeforeGate ? hv[i] * inv * wv[i] * gv[i] : hv[i] * inv * wv[i]);
    }
}

// Prefill's gated norm with 16-byte loads: groups of up to 4096 elements, 4 consecutive
// ones a thread per step (groupSize, row strides and pointers multiples of 4 elements /
// 16 bytes; host check). The scalar form ran at 2.1 TB/s on [8192, 3072] in the timeline.
template <int PER4, class XT, class ZT>
__global__ void __launch_bounds__(256)
    gatedRmsNormVec4Kernel(InRows<XT> x, InRows<ZT> z, Weight w, std::int64_t groupSize, float eps,
                           bool normBeforeGate, OutRows out) {
    __shared__ float scratch[32];
    const std::int64_t r = blockIdx.x;
    const std::int64_t c0 = std::int64_t(blockIdx.y) * groupSize;
    const int n4 = int(groupSize / 4);
    float wv[PER4][4]; // constant: requested before the previous kernel is waited for
#pragma unroll
    for (int i = 0; i < PER4; ++i) {
        const int q = threadIdx.x + i * 256;
#pragma unroll
        for (int e = 0; e < 4; ++e)
            wv[i][e] = q < n4 ? loadAsFloat(w.data, w.dtype, c0 + 4 * q + e) : 0.0f;
    }
    waitForPrevious();
    const XT* xr = x.data + r * x.ld + c0;
    const ZT* zr = z.data + r * z.ld + c0;
    // Every quad's loads are issued before the first is used: a load under `q < n4` was its own
    // branch, and ncu (H100) found the three quads of a 3072-wide group waiting one after
    // another (three L2 round trips a row). Past the group's end a thread re-reads its last
    // quad and discards it.
    float4 xq[PER4], zq[PER4];
#pragma unroll
    for (int i = 0; i < PER4; ++i) {
        const int q = min(int(threadIdx.x) + i * 256, n4 - 1);
        xq[i] = load4(xr + 4 * q);
        zq[i] = load4(zr + 4 * q);
    }
    float hv[PER4][4], gv[PER4][4];
    float ss = 0.0f;
#pragma unroll
    for (int i = 0; i < PER4; ++i) {
        const int q = threadIdx.x + i * 256;
        const bool in = q < n4;
        const float4 xv = in ? xq[i] : float4{};
        const float4 zv = in ? zq[i] : float4{};
        const float xs[4] = {xv.x, xv.y, xv.z, xv.w}, zs[4] = {zv.x, zv.y, zv.z, zv.w};
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            gv[i][e] = in ? siluOf<ZT>(zs[e]) : 0.0f;
            hv[i][e] = normBeforeGate ? xs[e] : xs[e] * gv[i][e];
            ss += hv[i][e] * hv[i][e];
        }
    }
    ss = blockSum(ss, scratch);
    const float inv = rsqrtf(ss / float(groupSize) + eps);
    const std::int64_t o = r * out.ld + c0;
#pragma unroll
    for (int i = 0; i < PER4; ++i) {
        const int q = threadIdx.x + i * 256;
        if (q >= n4) continue;
        float v[4];
#pragma unroll
        for (int e = 0; e < 4; ++e)
            v[e] =
                normBeforeGate ? hv[i][e] * inv * wv[i][e] * gv[i][e] : hv[i][e] * inv * wv[i][e];
        store4(out.data, out.dtype, o + 4 * q, make_float4(v[0], v[1], v[2], v[3]));
    }
}

int threadsFor(std::int64_t cols) {
    return int(std::min<std::int64_t>(kThreads, std::max<std::int64_t>(32, (cols + 31) / 32 * 32)));
}

} // namespace

void launchRmsNorm(Rows x, Weight w, float eps, OutRows out, cudaStream_t s) {
    if (x.rows == 0 || x.cols == 0) return;
    const Rows none{};
    if (x.cols > 1024 && x.cols <= 256 * 8) {
        launchKernel(rmsNormCachedKernel<8>, unsigned(x.rows), 256, 0, s, "rmsNormCached", x, none,
                     0.0f, w, eps, out);
    } else if (x.cols > 2048 && x.cols <= 256 * 16) {
        launchKernel(rmsNormCachedKernel<16>, unsigned(x.rows), 256, 0, s, "rmsNormCached", x, none,
                     0.0f, w, eps, out);
    } else {
        launchKernel(rmsNormKernel, unsigned(x.rows), threadsFor(x.cols), 0, s, "rmsNorm", x, w,
                     eps, out);
    }
}

bool launchAddRmsNorm(Rows x, Rows delta, float scale, Weight w, float eps, OutRows out,
                      cudaStream_t s) {
    if (x.cols > 256 * 16) return false;
    if (x.rows == 0 || x.cols == 0) return true;
    if (x.cols <= 256 * 4)
        launchKernel(rmsNormCachedKernel<4>, unsigned(x.rows), 256, 0, s, "rmsNormCached", x, delta,
                     scale, w, eps, out);
    else if (x.cols <= 256 * 8)
        launchKernel(rmsNormCachedKernel<8>, unsigned(x.rows), 256, 0, s, "rmsNormCached", x, delta,
                     scale, w, eps, out);
    else
        launchKernel(rmsNormCachedKernel<16>, unsigned(x.rows), 256, 0, s, "rmsNormCached", x,
                     delta, scale, w, eps, out);
    return true;
}

namespace {

template <class XT, class ZT>
void launchGated(InRows<XT> x, InRows<ZT> z, Weight w, std::int64_t groupSize, float eps,
                 bool normBeforeGate, OutRows out, cudaStream_t s) {
    if (x.rows == 0 || x.cols == 0) return;
    const dim3 grid(unsigned(x.rows), unsigned(x.cols / groupSize));
    const auto addr = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p); };
    const bool vec = x.rows > 4 && groupSize % 4 == 0 && groupSize <= 256 * 4 * 4 &&
                     groupSize > 1024 && x.ld % 4 == 0 && z.ld % 4 == 0 && out.ld % 4 == 0 &&
                     (addr(out.data) & 15) == 0 && (addr(x.data) & (4 * sizeof(XT) - 1)) == 0 &&
                     (addr(z.data) & (4 * sizeof(ZT) - 1)) == 0;
    if (vec)
        launchKernel(gatedRmsNormVec4Kernel<4, XT, ZT>, grid, 256, 0, s, "gatedRmsNormVec4", x, z,
                     w, groupSize, eps, normBeforeGate, out);
    else if (groupSize > 1024 && groupSize <= 256 * 16)
        launchKernel(gatedRmsNormCachedKernel<16, XT, ZT>, grid, 256, 0, s, "gatedRmsNormCached", x,
                     z, w, groupSize, eps, normBeforeGate, out);
    else
        launchKernel(gatedRmsNormKernel<XT, ZT>, grid, threadsFor(groupSize), 0, s, "gatedRmsNorm",
                     x, z, w, groupSize, eps, normBeforeGate, out);
}

template <class T> InRows<T> typed(TypedRows r) {
    return {static_cast<const T*>(r.data), r.rows, r.cols, r.ld};
}

template <class XT>
void launchGatedOver(InRows<XT> x, TypedRows z, Weight w, std::int64_t groupSize, float eps,
                     bool normBeforeGate, OutRows out, cudaStream_t s) {
    if (z.bf16)
        launchGated(x, typed<__nv_bfloat16>(z), w, groupSize, eps, normBeforeGate, out, s);
    else
        launchGated(x, typed<float>(z), w, groupSize, eps, normBeforeGate, out, s);
}

} // namespace

void launchGatedRmsNorm(TypedRows x, TypedRows z, Weight w, std::int64_t groupSize, float eps,
                        bool normBeforeGate, OutRows out, cudaStream_t s) {
    if (x.bf16)
        launchGatedOver(typed<__nv_bfloat16>(x), z, w, groupSize, eps, normBeforeGate, out, s);
    else
        launchGatedOver(typed<float>(x), z, w, groupSize, eps, normBeforeGate, out, s);
}

} // namespace lv::cuda
