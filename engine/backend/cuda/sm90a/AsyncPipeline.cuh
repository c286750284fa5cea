// Hopper's asynchronous pipeline pieces (sm_90a): tile loads by the tensor memory
// accelerator, named barriers and warpgroup register hand-over; the transaction barriers
// the tile loads complete are TransactionBarrier.cuh's.
#pragma once

#include "backend/cuda/TransactionBarrier.cuh"

#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace lv::cuda::sm90a {

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
// The box of `map` at coordinates (c0, c1, c2), innermost first, into shared memory at `dst`
// (the map's swizzle applied), completing `bar` with its bytes.
__device__ __forceinline__ void tileLoad3d(std::uint32_t dst, const CUtensorMap* map, int c0,
                                           int c1, int c2, std::uint32_t bar) {
    asm volatile("cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                 " [%0], [%1, {%2, %3, %4}], [%5];\n" ::"r"(dst),
                 "l"(reinterpret_cast<std::uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2), "r"(bar)
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
