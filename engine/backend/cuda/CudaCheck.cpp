#include "backend/cuda/CudaCheck.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>

namespace lv::cuda {

void allowDynamicSharedMemory(const void* kernel, int bytes, const char* what) {
    static std::mutex mutex;
    static std::set<std::tuple<const void*, int, int>> done;
    int device = 0;
    check(cudaGetDevice(&device), what);
    const std::lock_guard lock(mutex);
    if (!done.emplace(kernel, device, bytes).second) return;
    // Past the device's limit (or LONGVIEW_CUDA_SMEM_LIMIT's) the attribute would fail with
    // "invalid argument": say what was asked and what the device allows. (The kernel's static
    // shared memory counts too; the runtime's error still covers a sum past the limit.)
    const int limit = maxSharedPerBlock();
    if (bytes > limit) {
        done.erase({kernel, device, bytes});
        throw DeviceError(std::string(what) + ": needs " + std::to_string(bytes) +
                          " bytes of shared memory a block; this GPU allows " +
                          std::to_string(limit));
    }
    const cudaError_t st =
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (st != cudaSuccess) {
        done.erase({kernel, device, bytes});
        throwCudaError(st, what);
    }
}

int deviceAttribute(cudaDeviceAttr attr) {
    static std::mutex mutex;
    static std::map<std::pair<int, int>, int> cache;
    int device = 0;
    check(cudaGetDevice(&device), "device attribute");
    const std::lock_guard lock(mutex);
    auto it = cache.find({device, int(attr)});
    if (it == cache.end()) {
        int n = 0;
        check(cudaDeviceGetAttribute(&n, attr, device), "device attribute");
        it = cache.emplace(std::make_pair(device, int(attr)), n).first;
    }
    return it->second;
}

int maxSharedPerBlock() {
    const int device = deviceAttribute(cudaDevAttrMaxSharedMemoryPerBlockOptin);
    // LONGVIEW_CUDA_SMEM_LIMIT (bytes, read at each call) lowers it, so that a larger GPU runs
    // the forms a smaller one would choose (101376: compute capability 8.6, 8.9, 12.0).
    if (const char* e = std::getenv("LONGVIEW_CUDA_SMEM_LIMIT")) {
        const long v = std::strtol(e, nullptr, 10);
        if (v > 0 && v < device) return int(v);
    }
    return device;
}

} // namespace lv::cuda
