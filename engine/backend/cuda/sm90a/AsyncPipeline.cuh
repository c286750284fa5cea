// Hopper's asynchronous pipeline pieces (sm_90a): transaction barriers in shared memory, tile
// loads by the tensor memory accelerator, named barriers and warpgroup register hand-over.
//
// A producer thread arms a "full" barrier with the bytes it expects and starts the tile
// loads, which complete the barrier themselves; consumers wait on its phase, use the tile,
// and arrive on an "empty" barrier the producer waits on before it reuses the stage.
#pragma once

#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace lv::cuda::sm90a {

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
__device__ __forceinline__ void barrierInit(std::uint32_t bar, int count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
// After the barriers' initialization, before the block-wide barrier that publishes them
// (and to the tensor memory accelerator, which completes them from the async proxy).
__device__ __forceinline__ void fenceBarrierInit() {
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}
// One arrival that also announces `bytes` more to come from asynchronous copies.
__device__ __forceinline__ void barrierArriveExpecting(std::uint32_t bar, std::uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes)
                 : "memory");
}
// `bytes` more to come from asynchronous copies in the current phase, without an arrival
// (where the phase's arrivals come from elsewhere, e.g. cp.async).
__device__ __forceinline__ void barrierExpect(std::uint32_t bar, std::uint32_t bytes) {
    asm volatile("mbarrier.expect_tx.relaxed.cta.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(bytes)
                 : "memory");
}
// An arrival made when every cp.async this thread issued so far has landed (the barrier's
// count includes it: .noinc).
__device__ __forceinline__ void barrierArriveOnCopies(std::uint32_t bar) {
    asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n" ::"r"(bar) : "memory");
}
__device__ __forceinline__ void barrierArrive(std::uint32_t bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Returns once the phase of parity `parity` has completed (on a fresh barrier, parity 1
// counts as completed: the producer's first wait on an empty stage passes).
__device__ __forceinline__ void barrierWait(std::uint32_t bar, std::uint32_t parity) {
    std::uint32_t done = 0;
    do {
        asm volatile("{\n.reg .pred p;\n"
                     "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                     "selp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done)
                     : "r"(bar), "r"(parity)
                     : "memory");
    } while (!done);
}

// The box of `map` at coordinates (c0, c1, c2), innermost first, into shared memory at `dst`
// (the map's swizzle applied), completing `bar` with its bytes.
__device__ __forceinline__ void tileLoad3d(std::uint32_t dst, const CUtensorMap* map, int c0,
                                           int c1, int c2, std::uint32_t bar) {
    asm volatile("cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                 " [%0], [%1, {%2, %3, %4}], [%5];\n" ::"r"(dst),
                 "l"(reinterpret_cast<std::uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2), "r"(bar)
                 : "memory");
}
// The same for a 5D map at (c0, 0, 0, 0, c4).
__device__ __forceinline__ void tileLoad5d(std::uint32_t dst, const CUtensorMap* map, int c0,
                                           int c4, std::uint32_t bar) {
    asm volatile("cp.async.bulk.tensor.5d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                 " [%0], [%1, {%2, %3, %3, %3, %4}], [%5];\n" ::"r"(dst),
                 "l"(reinterpret_cast<std::uint64_t>(map)), "r"(c0), "r"(0), "r"(c4), "r"(bar)
                 : "memory");
}
__device__ __forceinline__ void prefetchTensorMap(const CUtensorMap* map) {
    asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<std::uint64_t>(map))
                 : "memory");
}

// Barrier `id` (1 .. 15; 0 is __syncthreads) of `threads` threads: sync waits for all of
// them, arrive counts this warp in without waiting.
__device__ __forceinline__ void namedBarrierSync(int id, int threads) {
    asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}
__device__ __forceinline__ void namedBarrierArrive(int id, int threads) {
    asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

// A warpgroup gives up registers to (or takes them from) the block's pool; every thread of
// the warpgroup executes it.
template <int N> __device__ __forceinline__ void releaseRegistersTo() {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N));
}
template <int N> __device__ __forceinline__ void claimRegistersUpTo() {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N));
}
#endif

} // namespace lv::cuda::sm90a
