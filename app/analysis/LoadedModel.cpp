#include "analysis/LoadedModel.h"

#include "analysis/ModelCatalog.h"
#include "core/Error.h"

#include <thread>

namespace lv::analysis {

std::unique_ptr<LoadedModel> LoadedModel::load(const std::filesystem::path& dir,
                                               const std::string& device, int cpuThreads) {
    if (!std::filesystem::is_directory(dir))
        throw EngineError(dir.string() + ": not a model directory (no such folder)");
    auto loaded = std::make_unique<LoadedModel>();
    loaded->directory = dir;
    loaded->name = dir.filename().string();
    if (loaded->name.empty()) loaded->name = dir.parent_path().filename().string();
    // A GPU with too little free memory for this checkpoint is passed over for the CPU
    // (with the reason), as is one that runs out while the weights go up.
    const DeviceRequest request = parseDeviceRequest(device);
    const std::int64_t need = request == DeviceRequest::Cpu
                                  ? 0
                                  : gpuBytesToRun(measureCheckpoint(dir.string()).parameters);
    loaded->backend = chooseBackend(request, std::size_t(need), cpuThreads);
    try {
        loaded->model = Model::load(dir, *loaded->backend.backend);
    } catch (const DeviceError& e) {
        if (loaded->backend.backend->device() != DeviceKind::Cuda) throw;
        loaded->backend.fallbackReason =
            std::string("CUDA not used (") + e.what() + "); running on the CPU";
        loaded->backend.backend = makeCpuBackend(cpuThreads);
        loaded->model = Model::load(dir, *loaded->backend.backend);
    }
    loaded->fallbackReason = loaded->backend.fallbackReason;
    loaded->tokenizer = loadTokenizer(dir);
    loaded->chat = ChatTemplate::forCheckpoint(dir);
    if (loaded->backend.backend->device() == DeviceKind::Cuda)
        loaded->device =
            "cuda:" + std::to_string(loaded->backend.gpu.index) + " " + loaded->backend.gpu.name;
    else
        loaded->device =
            "cpu (" + std::to_string(std::thread::hardware_concurrency()) + " threads)";
    return loaded;
}

} // namespace lv::analysis
