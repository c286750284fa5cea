#include "runtime/BackendChoice.h"

#include "core/Error.h"

namespace lv {

std::unique_ptr<Backend> makeBackend(const std::string& device, int cpuThreads) {
    if (device == "cpu") return makeCpuBackend(cpuThreads);
    if (device == "cuda") {
#ifdef LONGVIEW_HAVE_CUDA
        return makeCudaBackend(0);
#else
        throw EngineError("--device cuda: this build has no CUDA backend");
#endif
    }
    if (device == "auto" || device.empty()) {
#ifdef LONGVIEW_HAVE_CUDA
        try {
            return makeCudaBackend(0);
        } catch (const DeviceError&) {
            // No usable GPU: the CPU always works.
        }
#endif
        return makeCpuBackend(cpuThreads);
    }
    throw EngineError("--device: unknown device '" + device + "' (auto, cpu or cuda)");
}

} // namespace lv
