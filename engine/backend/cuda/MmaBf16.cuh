// Warp-level 16-bit tensor-core products (mma.sync m16n8k16 on bf16 or f16, sm_80+) with
// ldmatrix loads from shared memory, for the flash-attention kernel. Accumulation is f32.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace lv::cuda {

__device__ __forceinline__ void ldmatrixX4(std::uint32_t r[4], const void* smem) {
    const auto a = static_cast<std::uint32_t>(__cvta_generic_to_shared(smem));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a));
}

__device__ __forceinline__ void ldmatrixX4Trans(std::uint32_t r[4], const void* smem) {
    const auto a = static_cast<std::uint32_t>(__cvta_generic_to_shared(smem));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a));
}

// c[16x8] += a[16x16] * b[16x8]. With g = lane / 4, t = lane % 4: a = {A[g][2t..2t+1],
// A[g+8][2t..], A[g][2t+8..], A[g+8][2t+8..]}, b = {B[2t..2t+1][g], B[2t+8..2t+9][g]},
// c = {C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1]}.
__device__ __forceinline__ void mmaBf16(float c[4], const std::uint32_t a[4], std::uint32_t b0,
                                        std::uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// The same product on f16 operands (10 mantissa bits: 8x finer than bf16, same speed).
__device__ __forceinline__ void mmaF16(float c[4], const std::uint32_t a[4], std::uint32_t b0,
                                       std::uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats as one register of f16, saturated to the f16 range (lo in the low half).
__device__ __forceinline__ std::uint32_t packF16(float lo, float hi) {
    const __half2 v = __floats2half2_rn(fminf(fmaxf(lo, -65504.0f), 65504.0f),
                                        fminf(fmaxf(hi, -65504.0f), 65504.0f));
    return *reinterpret_cast<const std::uint32_t*>(&v);
}

// Two floats as one register of bf16 (lo in the low half, the lower column index).
__device__ __forceinline__ std::uint32_t packBf16(float lo, float hi) {
    const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<const std::uint32_t*>(&v);
}

// Two bf16 (a register of a fragment) times two weights, packed again.
__device__ __forceinline__ std::uint32_t scaledBf16(std::uint32_t v, float w0, float w1) {
    const float2 f = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&v));
    return packBf16(f.x * w0, f.y * w1);
}

} // namespace lv::cuda
