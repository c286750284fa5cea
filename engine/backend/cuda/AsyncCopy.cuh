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
// The same for a stream of data read once (decode's weights), with optional L2 hints:
// H & 1 asks L2 to fetch the whole 256-byte piece around the line, H & 2 marks the lines
// first to evict (`policy`, from l2EvictFirstPolicy) so that the activations stay.
template <int H>
__device__ __forceinline__ void cpAsync16Stream(void* smem, const void* gmem, bool ok,
                                                std::uint64_t policy) {
    const auto d = static_cast<std::uint32_t>(__cvta_generic_to_shared(smem));
    if constexpr (H == 0) {
        cpAsync16(smem, gmem, ok);
    } else if constexpr (H == 1) {
        asm volatile("cp.async.cg.shared.global.L2::256B [%0], [%1], 16, %2;\n" ::"r"(d), "l"(gmem),
                     "r"(ok ? 16 : 0)
                     : "memory");
    } else if constexpr (H == 2) {
        asm volatile("cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, %2, %3;\n" ::"r"(d),
                     "l"(gmem), "r"(ok ? 16 : 0), "l"(policy)
                     : "memory");
    } else {
        asm volatile(
            "cp.async.cg.shared.global.L2::cache_hint.L2::256B [%0], [%1], 16, %2, %3;\n" ::"r"(d),
            "l"(gmem), "r"(ok ? 16 : 0), "l"(policy)
            : "memory");
    }
}
__device__ __forceinline__ std::uint64_t l2EvictFirstPolicy() {
    std::uint64_t policy = 0;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;\n" : "=l"(policy));
#endif
    return policy;
}
__device__ __forceinline__ void cpAsyncCommit() {
    asm volatile("cp.async.commit_group;\n" ::: "memory");
}
template <int N> __device__ __forceinline__ void cpAsyncWait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

} // namespace lv::cuda
