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

// Step i of `steps` through Stages cp.async stages (the first Stages - 1 issued before the
// loop): waits for step i's copies and for every warp to be done with the stage refilled
// next, then issues step i + Stages - 1 there (`issue(step, stage)` commits its group) or an
// empty group, so that the wait's count holds to the last step.
template <int Stages, class Issue>
__device__ __forceinline__ void cpAsyncPipelineStep(int i, int steps, Issue&& issue) {
    cpAsyncWait<Stages - 2>();
    __syncthreads();
    if (i + Stages - 1 < steps)
        issue(i + Stages - 1, (i + Stages - 1) % Stages);
    else
        cpAsyncCommit();
}

} // namespace lv::cuda
