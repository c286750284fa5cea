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

} // namespace lv::cuda
