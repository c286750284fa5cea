// Kernel launches that may begin while the previous kernel on the stream is still running
// (programmatic dependent launch, sm_90 and newer), and the two points every kernel marks.
//
// A decode step is ~300 kernels of a few microseconds each, and without this each one
// starts only after the previous one has fully drained: launch, block scheduling and the
// first weight loads are all exposed. With it, the next kernel's blocks are placed as soon
// as every block of the current one has passed its waitForPrevious(), and they do their
// independent work (a GEMV's first weight loads) before their own waitForPrevious().
#pragma once

#include "backend/cuda/CudaCheck.h"

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

namespace lv::cuda {

// Whether kernels launch as dependents: on devices of compute capability 9.0 and newer,
// unless LONGVIEW_CUDA_PDL=0. Read once per device.
bool dependentLaunchEnabled();

// kernel<<<grid, block, smem, s>>>(args...), as a programmatic dependent where enabled;
// reports a bad launch as `what`.
template <class... Params, class... Args>
void launchKernel(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t smem,
                  cudaStream_t s, const char* what, Args&&... args) {
    cudaLaunchAttribute attr{};
    attr.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr.val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t cfg{};
    cfg.gridDim = grid;
    cfg.blockDim = block;
    cfg.dynamicSmemBytes = smem;
    cfg.stream = s;
    cfg.attrs = &attr;
    cfg.numAttrs = dependentLaunchEnabled() ? 1 : 0;
    check(cudaLaunchKernelEx(&cfg, kernel, std::forward<Args>(args)...), what);
}

#ifdef __CUDACC__
// Before a kernel's first read of anything an earlier kernel wrote, and before its first
// global write (an earlier kernel may still read what it overwrites): returns once the
// previous kernel on the stream has completed and its writes are visible. Then lets the
// next kernel be placed. Both are no-ops when the kernel was launched normally.
__device__ __forceinline__ void waitForPrevious() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}
#endif

} // namespace lv::cuda
