// Weights into L2 ahead of the product that reads them: a recorded decode step streams ~3 GB
// of weights through GEMVs separated by small kernels during which HBM idles.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/Kernels.h"

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr std::size_t kPiece = 64 * 1024; // bytes one bulk prefetch asks for

// Each thread asks for pieces of kPiece bytes; nothing is read into registers, so a few warps
// cover a product of tens of megabytes.
__global__ void l2PrefetchKernel(const char* p, std::size_t bytes) {
    const std::size_t stride = std::size_t(gridDim.x) * blockDim.x * kPiece;
    for (std::size_t off = (std::size_t(blockIdx.x) * blockDim.x + threadIdx.x) * kPiece;
         off < bytes; off += stride) {
        const std::size_t left = bytes - off;
        const std::size_t n = (left < kPiece ? left : kPiece) & ~std::size_t(15);
#if __CUDA_ARCH__ >= 900
        if (n)
            asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(p + off),
                         "r"(unsigned(n))
                         : "memory");
#else
        for (std::size_t b = 0; b < n; b += 128)
            asm volatile("prefetch.global.L2 [%0];" ::"l"(p + off + b));
#endif
    }
}

} // namespace

void launchL2Prefetch(const void* p, std::size_t bytes, cudaStream_t s) {
    bytes &= ~std::size_t(15);
    if (!p || bytes == 0 || (reinterpret_cast<std::uintptr_t>(p) & 15)) return;
    const std::size_t pieces = (bytes + kPiece - 1) / kPiece;
    const unsigned threads = 128;
    const auto blocks = unsigned(std::min<std::size_t>((pieces + threads - 1) / threads, 8));
    l2PrefetchKernel<<<blocks, threads, 0, s>>>(static_cast<const char*>(p), bytes);
    checkLaunch("l2Prefetch");
}

} // namespace lv::cuda
