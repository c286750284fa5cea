#include "backend/BackendFactory.h"

#include "core/Error.h"

#include <cstdio>

#ifdef LONGVIEW_HAVE_CUDA
#include "backend/cuda/CudaDevice.h"
#endif

namespace lv {
namespace {

std::string gib(std::size_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GiB", double(bytes) / double(1ull << 30));
    return buf;
}

} // namespace

DeviceRequest parseDeviceRequest(std::string_view text) {
    if (text == "auto") return DeviceRequest::Auto;
    if (text == "cpu") return DeviceRequest::Cpu;
    if (text == "cuda" || text == "gpu") return DeviceRequest::Cuda;
    throw EngineError("--device: '" + std::string(text) + "' is not one of auto, cpu, cuda");
}

GpuInfo probeGpu(int index) {
#ifdef LONGVIEW_HAVE_CUDA
    return cuda::probeCudaDevice(index);
#else
    GpuInfo g;
    g.index = index;
    g.reason = "built without CUDA";
    return g;
#endif
}

std::string describeGpu(const GpuInfo& gpu) {
    if (!gpu.usable) return "no usable GPU: " + gpu.reason;
    return gpu.name + " (sm_" + std::to_string(gpu.computeCapability) + "): " + gib(gpu.freeBytes) +
           " free of " + gib(gpu.totalBytes);
}

BackendChoice chooseBackend(DeviceRequest request, std::size_t minFreeBytes, int cpuThreads,
                            int gpuIndex) {
    BackendChoice choice;
    if (request == DeviceRequest::Cpu) {
        choice.backend = makeCpuBackend(cpuThreads);
        return choice;
    }
    choice.gpu = probeGpu(gpuIndex);
    std::string why;
    if (!choice.gpu.usable) {
        why = choice.gpu.reason;
    } else if (choice.gpu.freeBytes < minFreeBytes) {
        why = "only " + gib(choice.gpu.freeBytes) + " free on " + choice.gpu.name + ", " +
              gib(minFreeBytes) + " needed";
    } else {
#ifdef LONGVIEW_HAVE_CUDA
        try {
            choice.backend = makeCudaBackend(gpuIndex);
            return choice;
        } catch (const DeviceError& e) {
            why = e.what();
        }
#endif
    }
    // Auto falls back quietly unless a GPU was there and failed; an explicit cuda request
    // always says why it did not get one.
    if (request == DeviceRequest::Cuda || choice.gpu.usable)
        choice.fallbackReason = "CUDA not used (" + why + "); running on the CPU";
    choice.backend = makeCpuBackend(cpuThreads);
    return choice;
}

} // namespace lv
