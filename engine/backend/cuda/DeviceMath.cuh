// Device-side helpers shared by the CUDA kernels: loads of any weight dtype as float,
// activation functions with PyTorch's definitions, warp and block reductions.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace lv::cuda {

// 2^x by the SFU alone (ex2.approx.ftz): results below f32's normal range flush to zero.
// exp2f keeps them at three more instructions, and expf spends about ten; for decay weights
// and softmax terms, which are <= 1 and summed with larger ones, the flushed tail is noise.
__device__ __forceinline__ float exp2Approx(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
    return y;
}

// Matches lv::DType's numbering (F32 = 0, BF16 = 1, F16 = 2).
enum : int { kF32 = 0, kBF16 = 1, kF16 = 2 };

__device__ __forceinline__ float loadAsFloat(const void* p, int dtype, std::int64_t i) {
    if (dtype == kBF16) return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    if (dtype == kF16) return __half2float(static_cast<const __half*>(p)[i]);
    return static_cast<const float*>(p)[i];
}

// Stores v as element i of an f32, bf16 or f16 array (f16 saturates at +-65504, NaN as
// -65504, like lv::floatToF16Saturated).
__device__ __forceinline__ void storeAsType(void* p, int dtype, std::int64_t i, float v) {
    if (dtype == kBF16)
        static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16_rn(v);
    else if (dtype == kF16)
        static_cast<__half*>(p)[i] =
            __float2half_rn(v != v ? -65504.0f : fminf(fmaxf(v, -65504.0f), 65504.0f));
    else
        static_cast<float*>(p)[i] = v;
}

// Four consecutive values from element i on: one 16-byte store for f32, one 8-byte store
// of the packed pair of pairs for bf16 / f16 (the caller checks the alignment).
__device__ __forceinline__ void store4(void* p, int dtype, std::int64_t i, float4 v) {
    if (dtype == kF32) {
        *reinterpret_cast<float4*>(static_cast<float*>(p) + i) = v;
        return;
    }
    // Bits assembled in registers (taking a local's address would put it on the stack).
    auto bits = [dtype](float f) -> unsigned {
        return dtype == kBF16 ? __bfloat16_as_ushort(__float2bfloat16_rn(f))
                              : __half_as_ushort(__float2half_rn(f));
    };
    const uint2 packed = make_uint2(bits(v.x) | bits(v.y) << 16, bits(v.z) | bits(v.w) << 16);
    *reinterpret_cast<uint2*>(static_cast<std::uint16_t*>(p) + i) = packed;
}

// Four bf16 (dtype 1) or f16 (2) values packed in 8 bytes, as floats.
__device__ __forceinline__ float4 unpack4(uint2 raw, int dtype) {
    float2 lo, hi;
    if (dtype == kBF16) {
        lo = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&raw.x));
        hi = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&raw.y));
    } else {
        lo = __half22float2(*reinterpret_cast<const __half2*>(&raw.x));
        hi = __half22float2(*reinterpret_cast<const __half2*>(&raw.y));
    }
    return make_float4(lo.x, lo.y, hi.x, hi.y);
}

// Rows of an op's input in their stored type: f32, or bf16 where a GPU's prefill writes
// them so (Backend::mamba2ProjectionDType: the conv's x-B-C, the gated norm's z;
// ssdOutputDType: the gated norm's x).
template <class T> struct InRows {
    const T* data;
    std::int64_t rows;
    std::int64_t cols;
    std::int64_t ld;
};

// An activation read as float from its stored type (f32, or bf16 where a GPU's prefill
// writes it so); four consecutive ones from p (16 bytes or 8, aligned by the caller).
__device__ __forceinline__ float asFloat(float v) {
    return v;
}
__device__ __forceinline__ float asFloat(__nv_bfloat16 v) {
    return __bfloat162float(v);
}
__device__ __forceinline__ float4 load4(const float* p) {
    return *reinterpret_cast<const float4*>(p);
}
__device__ __forceinline__ float4 load4(const __nv_bfloat16* p) {
    return unpack4(*reinterpret_cast<const uint2*>(p), kBF16);
}

__device__ __forceinline__ float siluf(float x) {
    return x / (1.0f + expf(-x));
}

// The same through the SFU (ex2.approx, rcp.approx), a few ulp from siluf, for activations
// of a 16-bit checkpoint, whose bf16 roundings are 2^-9: siluf's expf range reduction and IEEE
// division (with its slow-path branch) made the conv's prefill kernel wait on its own
// arithmetic (ncu, H100), and every decode GEMV block runs it over its whole input. f32
// checkpoints keep siluf: their near-tied logits flip on any change of rounding. Below
// x = -87 the quotient is -0.
__device__ __forceinline__ float siluFast(float x) {
    return __fdividef(x, 1.0f + __expf(-x));
}

// siluFast where T (the checkpoint's weights or the activation as stored) is 16-bit.
template <class T> __device__ __forceinline__ float siluOf(float x) {
    if constexpr (sizeof(T) == 2)
        return siluFast(x);
    else
        return siluf(x);
}

// torch.nn.functional.softplus with beta 1 and threshold 20.
__device__ __forceinline__ float softplusf(float x) {
    return x > 20.0f ? x : log1pf(expf(x));
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warpMax(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the block; every thread gets the result. `scratch` holds 32 floats.
// Must be called by all threads of the block.
__device__ __forceinline__ float blockSum(float v, float* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int warps = (blockDim.x + 31) >> 5;
    v = warpSum(v);
    __syncthreads(); // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0f;
    return warpSum(v);
}

inline unsigned ceilDiv(std::int64_t a, std::int64_t b) {
    return unsigned((a + b - 1) / b);
}

} // namespace lv::cuda
