#include "backend/cuda/Launch.cuh"
#include "backend/cuda/Switches.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace lv::cuda {

bool dependentLaunchEnabled() {
    static const bool allowed = !switchIs("LONGVIEW_CUDA_PDL", "0");
    if (!allowed) return false;
    // Per device: the attribute needs sm_90, and a process may use more than one GPU.
    static std::mutex mutex;
    static std::vector<signed char> byDevice; // -1 unknown, 0 no, 1 yes
    int device = 0;
    if (cudaGetDevice(&device) != cudaSuccess) return false;
    const std::lock_guard lock(mutex);
    if (std::size_t(device) >= byDevice.size()) byDevice.resize(std::size_t(device) + 1, -1);
    if (byDevice[std::size_t(device)] < 0) {
        int major = 0;
        cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
        byDevice[std::size_t(device)] = major >= 9 ? 1 : 0;
    }
    return byDevice[std::size_t(device)] == 1;
}

} // namespace lv::cuda
