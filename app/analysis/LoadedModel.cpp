#include "analysis/LoadedModel.h"

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
    loaded->backend = chooseBackend(parseDeviceRequest(device), 0, cpuThreads);
    loaded->fallbackReason = loaded->backend.fallbackReason;
    loaded->model = Model::load(dir, *loaded->backend.backend);
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
