#include "analysis/ModelCatalog.h"

#include "backend/BackendFactory.h"
#include "core/Error.h"
#include "weights/SafetensorsFile.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace lv::analysis {

namespace fs = std::filesystem;

CheckpointSize measureCheckpoint(const std::string& dir) {
    CheckpointSize size;
    bool any = false;
    for (const auto& entry : fs::directory_iterator(fs::path(dir))) {
        if (entry.path().extension() != ".safetensors") continue;
        any = true;
        size.fileBytes += std::int64_t(entry.file_size());
        SafetensorsFile file(entry.path());
        for (const auto& [name, e] : file.entries()) {
            std::int64_t n = 1;
            for (auto d : e.shape)
                n *= d;
            size.parameters += n;
        }
    }
    if (!any) throw EngineError(dir + ": no .safetensors weights in the checkpoint");
    return size;
}

ModelInfo describeModel(const std::string& dir) {
    const fs::path root(dir);
    const fs::path configFile = root / "config.json";
    if (!fs::is_regular_file(configFile))
        throw EngineError(dir + ": not a model checkpoint (no config.json)");
    std::ifstream in(configFile);
    const auto config = nlohmann::json::parse(in, nullptr, false);
    if (!config.is_object()) throw EngineError(configFile.string() + ": malformed JSON");

    ModelInfo m;
    m.path = fs::absolute(root).lexically_normal().string();
    m.name = fs::absolute(root).lexically_normal().filename().string();
    m.architecture = config.value("model_type", std::string("unknown"));
    if (config.contains("max_position_embeddings") && config["max_position_embeddings"].is_number())
        m.contextLength = config["max_position_embeddings"].get<std::int64_t>();

    const CheckpointSize size = measureCheckpoint(dir);
    m.parameters = size.parameters;
    m.weightBytes = size.fileBytes;

    const GpuInfo gpu = probeGpu();
    if (!gpu.usable) {
        m.fitsGpu = false;
        m.gpuNote = gpu.reason.empty() ? "no usable GPU" : gpu.reason;
    } else {
        m.fitsGpu = gpuBytesToRun(m.parameters) <= std::int64_t(gpu.freeBytes);
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s %.1f of %.1f GiB free on %s",
                      m.fitsGpu ? "fits:" : "too large:", double(gpu.freeBytes) / (1 << 30),
                      double(gpu.totalBytes) / (1 << 30), gpu.name.c_str());
        m.gpuNote = buf;
    }
    return m;
}

std::int64_t gpuBytesToRun(std::int64_t parameters) {
    return parameters * 2 * 5 / 4 + (std::int64_t(1) << 30);
}

std::vector<ModelInfo> findModels(const std::string& folder, const std::vector<std::string>& extra,
                                  const std::string& defaultPath) {
    std::vector<std::string> candidates;
    std::error_code ec;
    if (fs::is_directory(folder, ec))
        for (const auto& entry : fs::directory_iterator(folder, ec))
            if (entry.is_directory() && fs::exists(entry.path() / "config.json"))
                candidates.push_back(entry.path().string());
    for (const auto& e : extra)
        candidates.push_back(e);

    std::vector<ModelInfo> out;
    const std::string def =
        defaultPath.empty() ? "" : fs::absolute(defaultPath).lexically_normal().string();
    for (const auto& c : candidates) {
        const std::string abs = fs::absolute(c).lexically_normal().string();
        bool seen = false;
        for (const auto& m : out)
            seen |= m.path == abs;
        if (seen) continue;
        try {
            ModelInfo m = describeModel(abs);
            m.isDefault = abs == def;
            out.push_back(std::move(m));
        } catch (const std::exception&) {
            // A half-downloaded or foreign folder is not a model; skip it.
        }
    }
    return out;
}

} // namespace lv::analysis
