// Turns CUDA runtime and cuBLASLt status codes into lv::DeviceError.
// Every call into the runtime goes through these, and every kernel launch is followed by one.
#pragma once

#include "core/Error.h"

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

namespace lv::cuda {

[[noreturn]] inline void throwCudaError(cudaError_t status, const char* what) {
    throw DeviceError(std::string("CUDA: ") + what + ": " + cudaGetErrorName(status) + " (" +
                      cudaGetErrorString(status) + ")");
}

inline void check(cudaError_t status, const char* what) {
    if (status != cudaSuccess) throwCudaError(status, what);
}

inline void check(cublasStatus_t status, const char* what) {
    if (status != CUBLAS_STATUS_SUCCESS)
        throw DeviceError(std::string("cuBLASLt: ") + what + ": status " +
                          std::to_string(int(status)));
}

// After a kernel launch: reports a bad launch configuration at once, without synchronizing.
inline void checkLaunch(const char* kernel) {
    check(cudaGetLastError(), kernel);
}

// Raises a kernel's dynamic shared-memory limit on the current device, once per (kernel,
// device, size): the attribute is per device, and launches above 48 KB fail without it.
void allowDynamicSharedMemory(const void* kernel, int bytes, const char* what);

// An attribute of the current device, read once per device.
int deviceAttribute(cudaDeviceAttr attr);

// The shared memory a block may opt into on the current device (227 KB on sm_90, 163 KB on
// sm_80, 99 KB on sm_86, sm_89 and sm_120), or less where LONGVIEW_CUDA_SMEM_LIMIT says so;
// the forms that do not fit choose others.
int maxSharedPerBlock();

} // namespace lv::cuda
