#include "backend/cuda/CudaDevice.h"

#include <cuda_runtime.h>

#include <string>

namespace lv::cuda {

GpuInfo probeCudaDevice(int index) {
    GpuInfo g;
    g.index = index;
    int count = 0;
    cudaError_t st = cudaGetDeviceCount(&count);
    if (st != cudaSuccess) {
        g.reason =
            st == cudaErrorNoDevice || st == cudaErrorInsufficientDriver
                ? std::string(st == cudaErrorNoDevice ? "no CUDA device found"
                                                      : "the NVIDIA driver is too old for CUDA 13")
                : std::string("CUDA runtime: ") + cudaGetErrorString(st);
        cudaGetLastError();
        return g;
    }
    if (index < 0 || index >= count) {
        g.reason = "CUDA device " + std::to_string(index) + " does not exist (" +
                   std::to_string(count) + " found)";
        return g;
    }
    cudaDeviceProp prop{};
    if ((st = cudaGetDeviceProperties(&prop, index)) != cudaSuccess) {
        g.reason = std::string("CUDA device properties: ") + cudaGetErrorString(st);
        cudaGetLastError();
        return g;
    }
    g.name = prop.name;
    g.computeCapability = prop.major * 10 + prop.minor;
    g.totalBytes = prop.totalGlobalMem;
    if (g.computeCapability < 80) {
        g.reason = g.name + " is sm_" + std::to_string(g.computeCapability) +
                   "; Longview needs sm_80 (Ampere) or newer";
        return g;
    }
    int previous = 0;
    cudaGetDevice(&previous);
    if ((st = cudaSetDevice(index)) == cudaSuccess)
        st = cudaMemGetInfo(&g.freeBytes, &g.totalBytes);
    cudaSetDevice(previous);
    if (st != cudaSuccess) {
        g.reason = std::string("CUDA memory query: ") + cudaGetErrorString(st);
        cudaGetLastError();
        return g;
    }
    g.usable = true;
    return g;
}

} // namespace lv::cuda
