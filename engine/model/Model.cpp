#include "model/Model.h"

#include "core/Checksum.h"
#include "core/Error.h"
#include "model/Adapter.h"
#include "model/ConfigReader.h"
#include "model/StackedProducts.h"
#include "model/SyntheticWeights.h"
#include "model/WeightResolver.h"
#include "weights/WeightStore.h"

#include <fstream>
#include <set>
#include <sstream>

namespace lv {

namespace {

// Bumped when the meaning of a fingerprint changes (e.g. how weights are folded).
constexpr const char* kFingerprintScheme = "longview-model-v1";

std::optional<std::int32_t> tokenId(const ConfigReader& c, const std::string& key) {
    const auto ids = c.integerOrList(key);
    if (ids.empty()) return std::nullopt;
    return std::int32_t(ids.front());
}

std::vector<std::int32_t> tokenIds(const ConfigReader& c, const std::string& key) {
    std::vector<std::int32_t> out;
    for (auto v : c.integerOrList(key))
        out.push_back(std::int32_t(v));
    return out;
}

} // namespace

Model::Model(Backend& backend) : backend_(backend) {}

Model::~Model() {
    resolver_.reset(); // device weights before the mappings they came from
    source_.reset();
}

void Model::finish(const nlohmann::json& config, const std::string& configFile,
                   const nlohmann::json* generationConfig, const std::string& fingerprintInput) {
    const ConfigReader c(config, configFile);
    spec_ = buildModelSpec(c);
    if (backend_.stacksProducts()) stackProducts(spec_);
    resolver_ = std::make_unique<WeightResolver>(*source_, backend_);
    resolver_->resolve(spec_);

    info_.architecture = spec_.architecture;
    info_.parameters = resolver_->parameterCount();
    info_.contextLength = spec_.contextLength;
    info_.vocabSize = spec_.vocab;
    info_.hiddenSize = spec_.hidden;
    info_.layers = spec_.layers;
    std::set<std::int64_t> mambaLayers, attentionLayers;
    for (const auto& b : spec_.blocks)
        for (const auto& m : b.mixers) {
            if (std::holds_alternative<Mamba2Mixer>(m) || std::holds_alternative<Mamba1Mixer>(m))
                mambaLayers.insert(b.layer);
            if (std::holds_alternative<AttentionMixer>(m)) attentionLayers.insert(b.layer);
        }
    info_.mambaLayers = std::int64_t(mambaLayers.size());
    info_.attentionLayers = std::int64_t(attentionLayers.size());
    info_.weightDtype = resolver_->mainDtype();
    info_.weightBytes = resolver_->deviceBytes();
    info_.hostCopyBytes = resolver_->hostCopyBytes();
    info_.bosTokenId = tokenId(c, "bos_token_id");
    info_.eosTokenIds = tokenIds(c, "eos_token_id");
    info_.padTokenId = tokenId(c, "pad_token_id");
    if (generationConfig) {
        // generate() in transformers reads these from generation_config.json.
        const ConfigReader g(*generationConfig,
                             info_.directory.empty()
                                 ? std::string("generation_config.json")
                                 : (info_.directory / "generation_config.json").string());
        if (auto b = tokenId(g, "bos_token_id")) info_.bosTokenId = b;
        if (auto e = tokenIds(g, "eos_token_id"); !e.empty()) info_.eosTokenIds = e;
        if (auto p = tokenId(g, "pad_token_id")) info_.padTokenId = p;
    }
    fingerprint_ = hash128Hex(std::string(kFingerprintScheme) + "\n" + config.dump() + "\n" +
                              fingerprintInput);
}

std::unique_ptr<Model> Model::load(const std::filesystem::path& dir, Backend& backend) {
    if (!std::filesystem::is_directory(dir))
        throw EngineError(dir.string() + ": not a model directory");
    const auto configPath = dir / "config.json";
    if (!std::filesystem::exists(configPath))
        throw EngineError(configPath.string() + ": missing (not a Hugging Face checkpoint)");
    const ConfigReader config = ConfigReader::fromFile(configPath);
    std::optional<nlohmann::json> generation;
    const auto genPath = dir / "generation_config.json";
    if (std::filesystem::exists(genPath)) generation = ConfigReader::fromFile(genPath).json();

    // Check the architecture before mapping gigabytes of weights.
    config.modelType();
    if (!findAdapter(config.modelType())) buildModelSpec(config); // throws the listing error

    std::unique_ptr<Model> model(new Model(backend));
    model->info_.directory = dir;
    auto store = WeightStore::open(dir);
    const std::string index = store->indexDescription() + store->contentSample();
    model->source_ = std::move(store);
    model->finish(config.json(), configPath.string(), generation ? &*generation : nullptr, index);
    return model;
}

std::unique_ptr<Model> Model::synthetic(const nlohmann::json& config, Backend& backend, DType dtype,
                                        std::uint64_t seed) {
    std::unique_ptr<Model> model(new Model(backend));
    model->source_ = std::make_unique<SyntheticWeights>(dtype, seed);
    model->finish(config, "<synthetic config>", nullptr,
                  "synthetic " + std::string(dtypeName(dtype)) + " seed " + std::to_string(seed));
    return model;
}

} // namespace lv
