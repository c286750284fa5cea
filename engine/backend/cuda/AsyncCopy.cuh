// Asynchronous global -> shared copies (cp.async, sm_80+), shared by the kernels that
// stage tiles in several shared-memory stages while they compute on an earlier one.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace lv::cuda {

// The "memory" clobbers keep the compiler from moving shared-memory reads of a stage above
// the wait that completes it, or below the copy that refills it (a thread may read back its
// own copies without a barrier between).

// 16 bytes global -> shared without registers (sm_80+); zeros where !ok.
__device__ __forceinline__ void cpAsync16(void* smem, const void* gmem, bool ok) {
    const auto d = static_cast<std::uint32_t>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(gmem),
                 "r"(ok ? 16 : 0)
                 : "memory");
}
__device__ __forceinline__ void cpAsyncCommit() {
    asm volatile("cp.async.commit_group;\n" ::: "memory");
}
template <int N> __device__ __forceinline__ void cpAsyncWait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// Asks L2 for the 128-byte line at p without waiting (or holding a register) for it: a
// constant weight a kernel reads after its wait for the previous kernel streams during it.
__device__ __forceinline__ void prefetchLineL2(const void* p) {
    asm volatile("prefetch.global.L2 [%0];\n" ::"l"(p));
}

// The same for a contiguous span (16-byte aligned, a multiple of 16 bytes): one bulk request
// on sm_90, a line at a time by the calling thread elsewhere.
__device__ __forceinline__ void prefetchSpanL2(const void* p, std::uint32_t bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;\n" ::"l"(p), "r"(bytes) : "memory");
#else
    for (std::uint32_t o = 0; o < bytes; o += 128)
        prefetchLineL2(static_cast<const unsigned char*>(p) + o);
#endif
}

} // namespace lv::cuda
