// Tensor maps for the tensor memory accelerator's tile loads (sm90a kernels' host side):
// cuTensorMapEncodeTiled taken from the driver the runtime loaded, so nothing links libcuda.
#pragma once

#include <cuda.h>
#include <cudaTypedefs.h>
#include <cuda_runtime.h>

#include <mutex>

namespace lv::cuda::sm90a {

// Null where the driver has no such entry point (the callers fall back to their cp.async form).
inline PFN_cuTensorMapEncodeTiled_v12000 tensorMapEncoder() {
    static std::once_flag once;
    static PFN_cuTensorMapEncodeTiled_v12000 fn = nullptr;
    std::call_once(once, [] {
        void* f = nullptr;
        cudaDriverEntryPointQueryResult found{};
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &f, 12000, cudaEnableDefault,
                                             &found) == cudaSuccess &&
            found == cudaDriverEntryPointSuccess)
            fn = reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(f);
        cudaGetLastError();
    });
    return fn;
}

} // namespace lv::cuda::sm90a
