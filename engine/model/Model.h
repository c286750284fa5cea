// A loaded model: its spec with every weight on the backend's device, what the
// analysis layer needs to know about it, and its fingerprint. Immutable after load;
// any number of Sessions may share it, one thread per Session (Sessions on several
// threads also share the Backend, which the CPU backend serialises).
#pragma once

#include "backend/Backend.h"
#include "model/ModelSpec.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lv {

class WeightSource;
class WeightResolver;

struct ModelInfo {
    std::string architecture;        // config.json model_type, e.g. "granitemoehybrid"
    std::filesystem::path directory; // empty for synthetic models
    std::int64_t parameters = 0;     // elements of the checkpoint tensors in use
    std::int64_t contextLength = 0;  // largest number of positions; 0: no limit (pure SSM)
    std::int64_t vocabSize = 0;
    std::int64_t hiddenSize = 0;
    std::int64_t layers = 0;
    std::int64_t mambaLayers = 0;     // layers with a recurrent (Mamba) mixer
    std::int64_t attentionLayers = 0; // layers with an attention mixer
    std::optional<std::int32_t> bosTokenId;
    std::vector<std::int32_t> eosTokenIds; // generation_config.json first, then config.json
    std::optional<std::int32_t> padTokenId;
    DType weightDtype = DType::F32; // dtype of the checkpoint's largest tensor
    std::size_t weightBytes = 0;    // bytes of the weights as the backend holds them
    // Host memory the weights take beyond the checkpoint's mapping: stacked experts and f32
    // conversions the backend reads in place (0 where it made its own, as a GPU does).
    std::size_t hostCopyBytes = 0;
};

class Model {
public:
    // Loads a Hugging Face checkpoint directory: config.json, optional
    // generation_config.json, model.safetensors or a sharded index. Every problem is
    // an EngineError naming the file and what is wrong.
    static std::unique_ptr<Model> load(const std::filesystem::path& dir, Backend& backend);

    // A model of the architecture a config describes, with deterministic random weights
    // of `dtype` (for benchmarks in real shapes).
    static std::unique_ptr<Model> synthetic(const nlohmann::json& config, Backend& backend,
                                            DType dtype = DType::BF16, std::uint64_t seed = 1);

    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const ModelInfo& info() const { return info_; }
    const ModelSpec& spec() const { return spec_; }
    Backend& backend() const { return backend_; }

    // 32 hex digits identifying config + tensor index (+ samples of the weights).
    // Snapshots carry it, so that a state is never restored into another model.
    const std::string& fingerprint() const { return fingerprint_; }

private:
    Model(Backend& backend);
    void finish(const nlohmann::json& config, const std::string& configFile,
                const nlohmann::json* generationConfig, const std::string& fingerprintInput);

    Backend& backend_;
    std::unique_ptr<WeightSource> source_; // owns the mappings the weights point into
    std::unique_ptr<WeightResolver> resolver_;
    ModelSpec spec_;
    ModelInfo info_;
    std::string fingerprint_;
};

} // namespace lv
