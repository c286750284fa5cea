// Transaction barriers in shared memory and bulk copies that complete them (sm_90+): a
// producer arms a barrier with the bytes it expects, the copies count them down themselves.
//
// A producer thread arms a "full" barrier with the bytes it expects and starts the copies,
// which complete the barrier; consumers wait on its phase, use the data, and arrive on an
// "empty" barrier the producer waits on before it reuses the stage. Code for older devices
// may include this; its kernels must not call these there (they trap).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace lv::cuda {

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define LV_TX_ASM(...) asm volatile(__VA_ARGS__)
#else
#define LV_TX_ASM(...) __trap()
#endif

#ifdef __CUDACC__
__device__ __forceinline__ std::uint32_t sharedAddress(const void* p) {
    return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void barrierInit(std::uint32_t bar, int count) {
    LV_TX_ASM("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
// After the barriers' initialization, before the block-wide barrier that publishes them
// (and to the copy engine, which completes them from the async proxy).
__device__ __forceinline__ void fenceBarrierInit() {
    LV_TX_ASM("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}
// One arrival that also announces `bytes` more to come from asynchronous copies.
__device__ __forceinline__ void barrierArriveExpecting(std::uint32_t bar, std::uint32_t bytes) {
    LV_TX_ASM("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes)
              : "memory");
}
__device__ __forceinline__ void barrierArrive(std::uint32_t bar) {
    LV_TX_ASM("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Returns once the phase of parity `parity` has completed (on a fresh barrier, parity 1
// counts as completed: the producer's first wait on an empty stage passes).
__device__ __forceinline__ void barrierWait(std::uint32_t bar, std::uint32_t parity) {
    std::uint32_t done = 0;
    do {
        LV_TX_ASM("{\n.reg .pred p;\n"
                  "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                  "selp.u32 %0, 1, 0, p;\n}\n"
                  : "=r"(done)
                  : "r"(bar), "r"(parity)
                  : "memory");
    } while (!done);
}
// `bytes` (a multiple of 16, both addresses 16-byte aligned) global -> shared at `dst` by
// the copy engine, completing `bar` with them.
__device__ __forceinline__ void bulkCopy(std::uint32_t dst, const void* src, std::uint32_t bytes,
                                         std::uint32_t bar) {
    LV_TX_ASM("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes"
              " [%0], [%1], %2, [%3];\n" ::"r"(dst),
              "l"(src), "r"(bytes), "r"(bar)
              : "memory");
}
#endif

#undef LV_TX_ASM

} // namespace lv::cuda
