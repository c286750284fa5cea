#include "analysis/ModelCatalog.h"

#include "backend/BackendFactory.h"
#include "core/Error.h"
#include "model/Adapter.h"
#include "weights/SafetensorsFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
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

namespace {

// What config.json says of a checkpoint: its path, name, architecture and context length.
ModelInfo describeConfig(const std::string& dir) {
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
    return m;
}

// Checkpoint folders directly under `folder` (those with a config.json), then `extra`, as
// absolute paths, each once.
std::vector<std::string> candidateFolders(const std::string& folder,
                                          const std::vector<std::string>& extra) {
    std::vector<std::string> candidates;
    std::error_code ec;
    if (fs::is_directory(folder, ec))
        for (const auto& entry : fs::directory_iterator(folder, ec))
            if (entry.is_directory() && fs::exists(entry.path() / "config.json"))
                candidates.push_back(entry.path().string());
    for (const auto& e : extra)
        candidates.push_back(e);
    std::vector<std::string> out;
    for (const auto& c : candidates) {
        const std::string abs = fs::absolute(c).lexically_normal().string();
        if (std::find(out.begin(), out.end(), abs) == out.end()) out.push_back(abs);
    }
    return out;
}

std::string absoluteOrEmpty(const std::string& path) {
    return path.empty() ? "" : fs::absolute(path).lexically_normal().string();
}

} // namespace

ModelInfo describeModel(const std::string& dir) {
    ModelInfo m = describeConfig(dir);
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
    std::vector<ModelInfo> out;
    const std::string def = absoluteOrEmpty(defaultPath);
    for (const auto& abs : candidateFolders(folder, extra)) {
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

std::string unusableReason(const std::string& dir) {
    const fs::path root(dir);
    std::ifstream in(root / "config.json");
    if (!in) return "no config.json";
    const auto config = nlohmann::json::parse(in, nullptr, false);
    if (!config.is_object()) return "config.json is not valid JSON";
    const auto type = config.find("model_type");
    if (type == config.end() || !type->is_string()) return "config.json has no model_type";
    if (!findAdapter(type->get<std::string>()))
        return "unsupported model_type '" + type->get<std::string>() + "'";
    bool weights = false;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec))
        weights |= entry.path().extension() == ".safetensors";
    if (!weights) return "no .safetensors weights";
    // (LoadedModel needs one to turn the document into tokens)
    if (!fs::is_regular_file(root / "tokenizer.json", ec) &&
        !fs::is_regular_file(root / "tokenizer.model", ec))
        return "no tokenizer.json or tokenizer.model";
    return {};
}

std::vector<CheckpointEntry> surveyModels(const std::string& folder,
                                          const std::vector<std::string>& extra,
                                          const std::string& defaultPath) {
    std::vector<CheckpointEntry> out;
    const std::string def = absoluteOrEmpty(defaultPath);
    for (const auto& abs : candidateFolders(folder, extra)) {
        CheckpointEntry e;
        e.unusable = unusableReason(abs);
        try {
            e.model = describeModel(abs);
        } catch (const std::exception& error) {
            try {
                e.model = describeConfig(abs);
            } catch (const std::exception&) {
                e.model.path = abs;
                e.model.name = fs::path(abs).filename().string();
                e.model.architecture = "unknown";
            }
            // (a weights file whose header cannot be read passes the checks above)
            if (e.unusable.empty()) e.unusable = error.what();
        }
        e.model.isDefault = abs == def;
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace lv::analysis
