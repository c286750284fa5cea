#include "runtime/BackendChoice.h"

#include "backend/BackendFactory.h"
#include "core/Error.h"

namespace lv {

std::unique_ptr<Backend> makeBackend(const std::string& device, int cpuThreads) {
    switch (parseDeviceRequest(device.empty() ? "auto" : device)) {
    case DeviceRequest::Cpu:
        return makeCpuBackend(cpuThreads);
    case DeviceRequest::Cuda:
        // Engine tools (verify-reference, bench) asked for the GPU to measure it: never
        // fall back quietly to the CPU.
#ifdef LONGVIEW_HAVE_CUDA
        return makeCudaBackend(0);
#else
        throw EngineError("--device cuda: this build has no CUDA backend");
#endif
    case DeviceRequest::Auto:
        break;
    }
    return chooseBackend(DeviceRequest::Auto, 0, cpuThreads).backend;
}

} // namespace lv
