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
        // The runtime gives "insufficient driver" for no driver at all too; the driver's
        // version (0 where none is installed) tells the two apart.
        int driver = 0, runtime = 0;
        cudaDriverGetVersion(&driver);
        cudaRuntimeGetVersion(&runtime);
        const auto version = [](int v) {
            return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
        };
        if (st == cudaErrorNoDevice)
            g.reason = "no CUDA device found";
        else if (st == cudaErrorInsufficientDriver && driver == 0)
            g.reason = "no NVIDIA driver found (no CUDA device can be used)";
        else if (st == cudaErrorInsufficientDriver)
            g.reason = "the NVIDIA driver supports CUDA " + version(driver) +
                       "; Longview was built with CUDA " + version(runtime) +
                       " and needs a newer driver";
        else
            g.reason = std::string("CUDA runtime: ") + cudaGetErrorString(st);
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
