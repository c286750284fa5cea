// Hopper's warpgroup matrix products (wgmma, sm_90a): shared-memory descriptors for tiles in
// the 128-byte swizzled layout, and the few product shapes the kernels here use.
//
// A tile is kept as column blocks of 64 16-bit elements (128 bytes a row), each block R rows
// deep; 16-byte chunk c of row r sits at chunk c ^ (r % 8) of its row, so that the eight rows
// of a core matrix land in eight different bank groups. Blocks start 1024-byte aligned (one
// swizzle atom: 8 rows of 128 bytes), which the hardware assumes when it unswizzles.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace lv::cuda::sm90a {

// Whether `kernel` (built for sm_90a alone) can run here: a device of compute capability 9.0
// with the kernel's image. Asked by the host, once per kernel and process (the backend uses
// one device).
inline bool hopperKernelRuns(const void* kernel) {
    int dev = 0, major = 0, minor = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) return false;
    cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev);
    cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev);
    cudaFuncAttributes attr{};
    const bool runs =
        major == 9 && minor == 0 && cudaFuncGetAttributes(&attr, kernel) == cudaSuccess;
    cudaGetLastError(); // a missing image is an answer here, not an error to carry on
    return runs;
}

// Byte offset of 16-byte chunk c (of D / 8 in a row) of row r in a tile of R rows.
__device__ __forceinline__ std::uint32_t swizzledOffset(int R, int r, int c) {
    return std::uint32_t((c >> 3) * R * 128 + r * 128 + (((c & 7) ^ (r & 7)) << 4));
}

// The 64-bit descriptor of a tile in shared memory at byte address `addr` (shared window),
// 128-byte swizzle. K-major operands (rows along M or N, the reduction along a row): `sbo`
// is the step between groups of 8 rows (1024), `lbo` unused. MN-major ones (rows along the
// reduction): `sbo` steps 8 rows of the reduction, `lbo` one column block of 64 along N.
__device__ __forceinline__ std::uint64_t descriptor(std::uint32_t addr, std::uint32_t lbo,
                                                    std::uint32_t sbo) {
    return std::uint64_t((addr & 0x3FFFF) >> 4) | std::uint64_t((lbo >> 4) & 0x3FFF) << 16 |
           std::uint64_t((sbo >> 4) & 0x3FFF) << 32 | std::uint64_t(1) << 62;
}

__device__ __forceinline__ std::uint32_t sharedAddress(const void* p) {
    return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

// Ordinary stores and cp.async writes to shared memory, made visible to the tensor cores'
// (async proxy) reads; each writing thread, before the barrier that precedes the products.
__device__ __forceinline__ void fenceSharedForAsyncProxy() {
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}
// Before the first product of a batch whose accumulator or A registers other code wrote.
__device__ __forceinline__ void wgmmaFence() {
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void wgmmaCommit() {
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
// Waits until at most N committed batches are still running.
template <int N> __device__ __forceinline__ void wgmmaWait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// Keeps the compiler from moving accumulator reads or writes across the asynchronous
// products (their registers change behind its back until wgmmaWait).
template <int N> __device__ __forceinline__ void fenceRegisters(float (&d)[N]) {
#pragma unroll
    for (int i = 0; i < N; ++i)
        asm volatile("" : "+f"(d[i])::"memory");
}

// The same for A fragments held in registers while a product that reads them runs: keeps
// them live (and where they are) until this point, after its wgmmaWait.
template <int N> __device__ __forceinline__ void fenceRegisters(std::uint32_t (&a)[N][4]) {
#pragma unroll
    for (int i = 0; i < N; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
            asm volatile("" : "+r"(a[i][j])::"memory");
}

#define LV_WGMMA_F8(b)                                                                             \
    "+f"(d[b + 0]), "+f"(d[b + 1]), "+f"(d[b + 2]), "+f"(d[b + 3]), "+f"(d[b + 4]),                \
        "+f"(d[b + 5]), "+f"(d[b + 6]), "+f"(d[b + 7])
#define LV_WGMMA_F32 LV_WGMMA_F8(0), LV_WGMMA_F8(8), LV_WGMMA_F8(16), LV_WGMMA_F8(24)
#define LV_WGMMA_F64                                                                               \
    LV_WGMMA_F32, LV_WGMMA_F8(32), LV_WGMMA_F8(40), LV_WGMMA_F8(48), LV_WGMMA_F8(56)
#define LV_WGMMA_D32                                                                               \
    "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, "  \
    "%20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}"
#define LV_WGMMA_D64                                                                               \
    "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, "  \
    "%20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, "   \
    "%38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, "   \
    "%56, %57, %58, %59, %60, %61, %62, %63}"

// d[64 x 128] (+)= A[64 x 16] . B[16 x 128], f16 operands both K-major in shared memory, f32
// accumulators; accumulate = false overwrites d.
__device__ __forceinline__ void wgmmaM64N128SS(float (&d)[64], std::uint64_t a, std::uint64_t b,
                                               bool accumulate) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 " LV_WGMMA_D64
                 ", %64, %65, p, 1, 1, 0, 0;\n}\n"
                 : LV_WGMMA_F64
                 : "l"(a), "l"(b), "r"(int(accumulate)));
}

// The same on bf16 operands.
__device__ __forceinline__ void wgmmaM64N128SSBf16(float (&d)[64], std::uint64_t a, std::uint64_t b,
                                                   bool accumulate) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 " LV_WGMMA_D64
                 ", %64, %65, p, 1, 1, 0, 0;\n}\n"
                 : LV_WGMMA_F64
                 : "l"(a), "l"(b), "r"(int(accumulate)));
}

// d[64 x 128] += A[64 x 16] . B[16 x 128], A in registers (the m16n8k16 A fragment of each
// warp's 16 rows), B MN-major in shared memory (transposed), f16, f32 accumulators.
__device__ __forceinline__ void wgmmaM64N128RS(float (&d)[64], const std::uint32_t (&a)[4],
                                               std::uint64_t b) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 " LV_WGMMA_D64
                 ", {%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n"
                 : LV_WGMMA_F64
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(1));
}

// The same with 64 columns.
__device__ __forceinline__ void wgmmaM64N64RS(float (&d)[32], const std::uint32_t (&a)[4],
                                              std::uint64_t b) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 " LV_WGMMA_D32
                 ", {%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n"
                 : LV_WGMMA_F32
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(1));
}

// d[64 x 64] += A[64 x 16] . B[16 x 64], bf16 operands both K-major in shared memory, f32
// accumulators.
__device__ __forceinline__ void wgmmaM64N64SSBf16(float (&d)[32], std::uint64_t a,
                                                  std::uint64_t b) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 " LV_WGMMA_D32
                 ", %32, %33, p, 1, 1, 0, 0;\n}\n"
                 : LV_WGMMA_F32
                 : "l"(a), "l"(b), "r"(1));
}

// d[64 x 64] += A[64 x 16] . B[16 x 64], A in registers (the m16n8k16 A fragment of each
// warp's 16 rows), B MN-major in shared memory (transposed), bf16, f32 accumulators.
__device__ __forceinline__ void wgmmaM64N64RSBf16(float (&d)[32], const std::uint32_t (&a)[4],
                                                  std::uint64_t b) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 " LV_WGMMA_D32
                 ", {%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n"
                 : LV_WGMMA_F32
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(1));
}

// d[64 x 128] += A[64 x 16] . B[16 x 128], A in registers (the m16n8k16 A fragment of each
// warp's 16 rows), B MN-major in shared memory (transposed), bf16, f32 accumulators.
__device__ __forceinline__ void wgmmaM64N128RSBf16(float (&d)[64], const std::uint32_t (&a)[4],
                                                   std::uint64_t b) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 " LV_WGMMA_D64
                 ", {%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n"
                 : LV_WGMMA_F64
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(1));
}

#undef LV_WGMMA_F8
#undef LV_WGMMA_F32
#undef LV_WGMMA_F64
#undef LV_WGMMA_D32
#undef LV_WGMMA_D64

} // namespace lv::cuda::sm90a
