#include "backend/cuda/CudaCheck.h"

#include <mutex>
#include <set>
#include <tuple>

namespace lv::cuda {

void allowDynamicSharedMemory(const void* kernel, int bytes, const char* what) {
    static std::mutex mutex;
    static std::set<std::tuple<const void*, int, int>> done;
    int device = 0;
    check(cudaGetDevice(&device), what);
    const std::lock_guard lock(mutex);
    if (!done.emplace(kernel, device, bytes).second) return;
    const cudaError_t st =
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (st != cudaSuccess) {
        done.erase({kernel, device, bytes});
        throwCudaError(st, what);
    }
}

} // namespace lv::cuda
