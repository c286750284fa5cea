// Elementwise kernels over float32 rows (strided rows, contiguous within a row), the
// embedding gather and dtype conversions.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr int kThreads = 256;

// Grid for a [rows, cols] sweep: x covers columns, y strides over rows.
dim3 rowsGrid(std::int64_t rows, std::int64_t cols) {
    return dim3(ceilDiv(cols, kThreads), unsigned(std::min<std::int64_t>(rows, 65535)));
}

template <class Op> __global__ void rowsKernel(Rows x, Op op) {
    waitForPrevious();
    const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= x.cols) return;
    for (std::int64_t r = blockIdx.y; r < x.rows; r += gridDim.y)
        op(r, c);
}

template <class Op> void launchRows(Rows shape, Op op, cudaStream_t s, const char* name) {
    if (shape.rows == 0 || shape.cols == 0) return;
    launchKernel(rowsKernel<Op>, rowsGrid(shape.rows, shape.cols), kThreads, 0, s, name, shape, op);
}

__global__ void fillKernel(float* dst, float value, std::int64_t count) {
    waitForPrevious();
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += std::int64_t(gridDim.x) * blockDim.x)
        dst[i] = value;
}

// src rows srcVecs apart (k and v of a stacked q/k/v product), dst rows packed.
__global__ void storeRowsKernel(const uint4* src, std::int64_t srcVecs, uint4* dst,
                                std::int64_t count, DevicePos row0, std::int64_t vecsPerRow) {
    waitForPrevious();
    uint4* to = dst + row0.value() * vecsPerRow;
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += std::int64_t(gridDim.x) * blockDim.x) {
        const std::int64_t r = i / vecsPerRow;
        to[i] = src[r * srcVecs + (i - r * vecsPerRow)];
    }
}

// The 16-bit cache append: f32 rows converted as the flash kernel would (f16 saturates).
__global__ void storeRowsConvertKernel(const float* src, std::int64_t srcLd, void* dst,
                                       int dstDtype, std::int64_t count, DevicePos row0,
                                       std::int64_t rowLen) {
    waitForPrevious();
    const std::int64_t first = row0.value() * rowLen;
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += std::int64_t(gridDim.x) * blockDim.x) {
        const std::int64_t r = i / rowLen;
        storeAsType(dst, dstDtype, first + i, src[r * srcLd + (i - r * rowLen)]);
    }
}

__global__ void embeddingKernel(const std::int32_t* ids, Weight table, std::int64_t vocab,
                                std::int64_t ldTable, float scale, Rows out) {
    waitForPrevious();
    const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= out.cols) return;
    for (std::int64_t r = blockIdx.y; r < out.rows; r += gridDim.y) {
        const std::int32_t id = ids[r];
        // An id outside the table cannot be reported from here: the row becomes NaN so that
        // the error shows in the logits instead of passing as a plausible token.
        out.data[r * out.ld + c] =
            (id >= 0 && id < vocab) ? loadAsFloat(table.data, table.dtype, id * ldTable + c) * scale
                                    : __int_as_float(0x7fc00000);
    }
}

__global__ void convertKernel(const void* src, int srcDtype, void* dst, int dstDtype,
                              std::int64_t count) {
    waitForPrevious();
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += std::int64_t(gridDim.x) * blockDim.x) {
        const float v = loadAsFloat(src, srcDtype, i);
        if (dstDtype == kBF16)
            static_cast<__nv_bfloat16*>(dst)[i] = __float2bfloat16_rn(v);
        else if (dstDtype == kF16)
            static_cast<__half*>(dst)[i] = __float2half_rn(v);
        else
            static_cast<float*>(dst)[i] = v;
    }
}

// Prefill's swiglu over [T, F] with F % 4 == 0: four columns a thread, every row at once.
// The row-looping form (one element a thread, rows in a loop) ran at 1.55 TB/s in the
// timeline, each row's loads waiting on the previous row's store.
__global__ void swigluVec4Kernel(Rows gate, Rows up, OutRows out) {
    waitForPrevious();
    const std::int64_t quads = gate.cols / 4;
    const std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= gate.rows * quads) return;
    const std::int64_t r = i / quads, c = (i - r * quads) * 4;
    const float4 g = *reinterpret_cast<const float4*>(gate.data + r * gate.ld + c);
    const float4 u = *reinterpret_cast<const float4*>(up.data + r * up.ld + c);
    const float4 v =
        make_float4(siluf(g.x) * u.x, siluf(g.y) * u.y, siluf(g.z) * u.z, siluf(g.w) * u.w);
    store4(out.data, out.dtype, r * out.ld + c, v);
}

// swiglu of bf16 gate and up, four columns a thread where rows allow 8-byte accesses, else
// one: what a gate-up product written in bf16 hands over (half the bytes of f32).
template <bool VEC4> __global__ void swigluHalfInKernel(HalfRows gate, HalfRows up, OutRows out) {
    waitForPrevious();
    constexpr int E = VEC4 ? 4 : 1;
    const std::int64_t per = gate.cols / E;
    const std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= gate.rows * per) return;
    const std::int64_t r = i / per, c = (i - r * per) * E;
    const auto* g = static_cast<const __nv_bfloat16*>(gate.data) + r * gate.ld + c;
    const auto* u = static_cast<const __nv_bfloat16*>(up.data) + r * up.ld + c;
    float v[E];
    if constexpr (VEC4) {
        const uint2 gp = *reinterpret_cast<const uint2*>(g),
                    up4 = *reinterpret_cast<const uint2*>(u);
        const auto* gh = reinterpret_cast<const __nv_bfloat162*>(&gp);
        const auto* uh = reinterpret_cast<const __nv_bfloat162*>(&up4);
#pragma unroll
        for (int k = 0; k < 2; ++k) {
            const float2 gf = __bfloat1622float2(gh[k]), uf = __bfloat1622float2(uh[k]);
            v[2 * k] = siluFast(gf.x) * uf.x;
            v[2 * k + 1] = siluFast(gf.y) * uf.y;
        }
    } else {
        v[0] = siluFast(__bfloat162float(g[0])) * __bfloat162float(u[0]);
    }
    const std::int64_t o = r * out.ld + c;
    if constexpr (VEC4)
        store4(out.data, out.dtype, o, make_float4(v[0], v[1], v[2], v[3]));
    else
        storeAsType(out.data, out.dtype, o, v[0]);
}

unsigned linearBlocks(std::int64_t count) {
    return unsigned(std::min<std::int64_t>((count + kThreads - 1) / kThreads, 65535 * 8));
}

// Functors rather than device lambdas: the engine builds without --extended-lambda.
struct AddScaledOp {
    Rows a, b, out;
    float scale;
    __device__ void operator()(std::int64_t r, std::int64_t c) const {
        out.data[r * out.ld + c] = a.data[r * a.ld + c] + scale * b.data[r * b.ld + c];
    }
};
struct ScaleOp {
    Rows x;
    float scale;
    __device__ void operator()(std::int64_t r, std::int64_t c) const {
        x.data[r * x.ld + c] *= scale;
    }
};
struct SwigluOp {
    Rows gate, up;
    OutRows out;
    __device__ void operator()(std::int64_t r, std::int64_t c) const {
        storeAsType(out.data, out.dtype, r * out.ld + c,
                    siluf(gate.data[r * gate.ld + c]) * up.data[r * up.ld + c]);
    }
};
struct ReluSquaredOp {
    Rows x;
    __device__ void operator()(std::int64_t r, std::int64_t c) const {
        const float v = fmaxf(x.data[r * x.ld + c], 0.0f);
        x.data[r * x.ld + c] = v * v;
    }
};
struct SiluOp {
    Rows x;
    __device__ void operator()(std::int64_t r, std::int64_t c) const {
        x.data[r * x.ld + c] = siluf(x.data[r * x.ld + c]);
    }
};
struct AddBiasOp {
    Rows x;
    const float* bias;
    float scale;
    __device__ void operator()(std::int64_t r, std::int64_t c) const {
        x.data[r * x.ld + c] += scale * bias[c];
    }
};
template <class Half, class Convert> struct ToHalfOp {
    Rows x;
    Half* dst;
    __device__ void operator()(std::int64_t r, std::int64_t c) const {
        dst[r * x.cols + c] = Convert{}(x.data[r * x.ld + c]);
    }
};
// f32 rows to packed 16-bit rows, four values a thread (columns and row stride multiples of
// 4, 16-byte aligned rows; host check): the one-value form's 24K blocks for the [4096, 1536]
// input of a prefill chunk's o_proj ran at 1.2 TB/s (ncu timeline, H100).
__global__ void toHalfRowsVec4Kernel(Rows x, void* dst, int dtype) {
    waitForPrevious();
    const std::int64_t quads = x.cols / 4, n = x.rows * quads;
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += std::int64_t(gridDim.x) * blockDim.x) {
        const std::int64_t r = i / quads, q = i - r * quads;
        store4(dst, dtype, r * x.cols + 4 * q, load4(x.data + r * x.ld + 4 * q));
    }
}

struct WidenOp {
    HalfRows src;
    Rows dst;
    __device__ void operator()(std::int64_t r, std::int64_t c) const {
        dst.data[r * dst.ld + c] =
            __bfloat162float(static_cast<const __nv_bfloat16*>(src.data)[r * src.ld + c]);
    }
};
struct ToBf16 {
    __device__ __nv_bfloat16 operator()(float v) const { return __float2bfloat16_rn(v); }
};
struct ToF16 {
    __device__ __half operator()(float v) const { return __float2half_rn(v); }
};

} // namespace

void launchFill(float* dst, float value, std::int64_t count, cudaStream_t s) {
    if (count <= 0) return;
    launchKernel(fillKernel, linearBlocks(count), kThreads, 0, s, "fill", dst, value, count);
}

void launchStoreRows(const void* src, std::int64_t srcPitch, void* dst, std::int64_t rowBytes,
                     std::int64_t rows, DevicePos row0, cudaStream_t s) {
    const std::int64_t count = rows * rowBytes / 16;
    if (count <= 0) return;
    launchKernel(storeRowsKernel, linearBlocks(count), kThreads, 0, s, "storeRows",
                 static_cast<const uint4*>(src), srcPitch / 16, static_cast<uint4*>(dst), count,
                 row0, rowBytes / 16);
}

void launchStoreRowsConverted(const float* src, std::int64_t srcLd, void* dst, int dstDtype,
                              std::int64_t rowLen, std::int64_t rows, DevicePos row0,
                              cudaStream_t s) {
    const std::int64_t count = rows * rowLen;
    if (count <= 0) return;
    launchKernel(storeRowsConvertKernel, linearBlocks(count), kThreads, 0, s, "storeRowsConvert",
                 src, srcLd, dst, dstDtype, count, row0, rowLen);
}

void launchEmbedding(const std::int32_t* ids, Weight table, std::int64_t vocab,
                     std::int64_t ldTable, float scale, Rows out, cudaStream_t s) {
    if (out.rows == 0 || out.cols == 0) return;
    launchKernel(embeddingKernel, rowsGrid(out.rows, out.cols), kThreads, 0, s, "embedding", ids,
                 table, vocab, ldTable, scale, out);
}

void launchAddScaled(Rows a, Rows b, float scale, Rows out, cudaStream_t s) {
    launchRows(out, AddScaledOp{a, b, out, scale}, s, "addScaled");
}

void launchScale(Rows x, float scale, cudaStream_t s) {
    launchRows(x, ScaleOp{x, scale}, s, "scale");
}

void launchSwigluHalfIn(HalfRows gate, HalfRows up, OutRows out, cudaStream_t s) {
    if (gate.rows == 0 || gate.cols == 0) return;
    const auto addr = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p); };
    // 8-byte loads of gate and up; the store is 16 bytes for an f32 out.
    const bool vec = gate.cols % 4 == 0 && gate.ld % 4 == 0 && up.ld % 4 == 0 && out.ld % 4 == 0 &&
                     ((addr(gate.data) | addr(up.data)) & 7) == 0 &&
                     (addr(out.data) & (out.dtype == kF32 ? 15 : 7)) == 0;
    const std::int64_t count = gate.rows * (vec ? gate.cols / 4 : gate.cols);
    if (vec)
        launchKernel(swigluHalfInKernel<true>, ceilDiv(count, kThreads), kThreads, 0, s, "swiglu",
                     gate, up, out);
    else
        launchKernel(swigluHalfInKernel<false>, ceilDiv(count, kThreads), kThreads, 0, s, "swiglu",
                     gate, up, out);
}

void launchSwiglu(Rows gate, Rows up, OutRows out, cudaStream_t s) {
    const bool vec =
        gate.cols % 4 == 0 && gate.ld % 4 == 0 && up.ld % 4 == 0 && out.ld % 4 == 0 &&
        ((reinterpret_cast<std::uintptr_t>(gate.data) | reinterpret_cast<std::uintptr_t>(up.data) |
          reinterpret_cast<std::uintptr_t>(out.data)) &
         15) == 0;
    if (vec) {
        const std::int64_t count = gate.rows * (gate.cols / 4);
        if (count > 0)
            launchKernel(swigluVec4Kernel, ceilDiv(count, kThreads), kThreads, 0, s, "swiglu", gate,
                         up, out);
        return;
    }
    launchRows(gate, SwigluOp{gate, up, out}, s, "swiglu");
}

void launchReluSquared(Rows x, cudaStream_t s) {
    launchRows(x, ReluSquaredOp{x}, s, "reluSquared");
}

void launchSilu(Rows x, cudaStream_t s) {
    launchRows(x, SiluOp{x}, s, "silu");
}

void launchAddBias(Rows x, const float* bias, float scale, cudaStream_t s) {
    launchRows(x, AddBiasOp{x, bias, scale}, s, "addBias");
}

void launchToHalfRows(Rows x, void* dst, int dtype, cudaStream_t s) {
    const auto addr = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p); };
    if (x.rows > 0 && x.cols % 4 == 0 && x.ld % 4 == 0 && (addr(x.data) & 15) == 0 &&
        (addr(dst) & 7) == 0) {
        const std::int64_t quads = x.rows * (x.cols / 4);
        launchKernel(toHalfRowsVec4Kernel,
                     unsigned(std::min<std::int64_t>(ceilDiv(quads, kThreads), 1 << 20)), kThreads,
                     0, s, "toHalfRowsVec4", x, dst, dtype);
        return;
    }
    if (dtype == kBF16)
        launchRows(x, ToHalfOp<__nv_bfloat16, ToBf16>{x, static_cast<__nv_bfloat16*>(dst)}, s,
                   "toBf16");
    else
        launchRows(x, ToHalfOp<__half, ToF16>{x, static_cast<__half*>(dst)}, s, "toF16");
}

void launchWidenRows(HalfRows src, Rows dst, cudaStream_t s) {
    launchRows(dst, WidenOp{src, dst}, s, "widenRows");
}

void launchConvert(const void* src, int srcDtype, void* dst, int dstDtype, std::int64_t count,
                   cudaStream_t s) {
    if (count <= 0) return;
    launchKernel(convertKernel, linearBlocks(count), kThreads, 0, s, "convert", src, srcDtype, dst,
                 dstDtype, count);
}

} // namespace lv::cuda
