// Warp-level TF32 tensor-core product (mma.sync m16n8k8, sm_80+) and the fragment layout
// helpers the SSD kernels share. Operands are float32 rounded to TF32 when they are
// staged in shared memory; accumulation is float32.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace lv::cuda {

__device__ __forceinline__ float toTf32(float x) {
    std::uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return __uint_as_float(r);
}

// c[16x8] += a[16x8] (row-major) * b[8x8] (column-major). Fragments (g = lane / 4,
// t = lane % 4): a = {A[g][t], A[g+8][t], A[g][t+4], A[g+8][t+4]}, b = {B[t][g], B[t+4][g]},
// c = {C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1]}.
__device__ __forceinline__ void mmaTf32(float c[4], const float a[4], const float b[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(__float_as_uint(a[0])), "r"(__float_as_uint(a[1])),
                   "r"(__float_as_uint(a[2])), "r"(__float_as_uint(a[3])),
                   "r"(__float_as_uint(b[0])), "r"(__float_as_uint(b[1])));
}

// acc[16 x 64, as 8 blocks of 8 columns] += A[16 x 32] . B[32 x 64]: one warp's share of a
// 32-deep slice of two staged tiles, read through accessors a(m, k) and b(k, n) that give
// TF32 values (so each kernel keeps its own layout, and any weight it applies as it reads).
template <class AAt, class BAt>
__device__ __forceinline__ void mmaTf32Slice(float (&acc)[8][4], AAt a, BAt b) {
    const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int k = 0; k < 32; k += 8) {
        const float af[4] = {a(g, k + t), a(g + 8, k + t), a(g, k + t + 4), a(g + 8, k + t + 4)};
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            const float bf[2] = {b(k + t, j * 8 + g), b(k + t + 4, j * 8 + g)};
            mmaTf32(acc[j], af, bf);
        }
    }
}

} // namespace lv::cuda
