#include "model/PublishedShapes.h"

#include <cstdint>

namespace lv {

namespace {

// The experts of a Granite 4.0-H MoE hybrid (none for the dense sizes): their count, how
// many a token takes, and each one's intermediate size.
struct Experts {
    std::int64_t count = 0, perToken = 0, intermediate = 0;
};

// A Granite 4.0-H hybrid as ibm-granite publishes it: what differs between the sizes is
// passed in, the rest is common to the family. `mlp` is the shared MLP's intermediate size.
nlohmann::json graniteHybrid(std::int64_t hidden, std::int64_t layers,
                             const std::vector<std::int64_t>& attention, std::int64_t mambaHeads,
                             std::int64_t mambaHeadDim, std::int64_t mlp, double attnMult,
                             double logitsScaling, double residual, Experts experts = {}) {
    nlohmann::json c;
    c["model_type"] = "granitemoehybrid";
    c["hidden_size"] = hidden;
    c["num_hidden_layers"] = layers;
    std::vector<std::string> types(std::size_t(layers), "mamba");
    for (auto i : attention)
        types[std::size_t(i)] = "attention";
    c["layer_types"] = types;
    c["mamba_n_heads"] = mambaHeads;
    c["mamba_d_head"] = mambaHeadDim;
    c["mamba_d_state"] = 128;
    c["mamba_n_groups"] = 1;
    c["mamba_d_conv"] = 4;
    c["mamba_expand"] = 2;
    c["mamba_chunk_size"] = 256;
    c["mamba_conv_bias"] = true;
    c["mamba_proj_bias"] = false;
    c["num_attention_heads"] = 12;
    c["num_key_value_heads"] = 4;
    c["intermediate_size"] = experts.count > 0 ? experts.intermediate : mlp;
    c["shared_intermediate_size"] = mlp;
    c["num_local_experts"] = experts.count;
    c["num_experts_per_tok"] = experts.perToken;
    c["vocab_size"] = 100352;
    c["embedding_multiplier"] = 12.0;
    c["attention_multiplier"] = attnMult;
    c["logits_scaling"] = logitsScaling;
    c["residual_multiplier"] = residual;
    c["rms_norm_eps"] = 1e-5;
    c["max_position_embeddings"] = 131072;
    c["position_embedding_type"] = "nope";
    c["tie_word_embeddings"] = true;
    c["bos_token_id"] = 100257;
    c["eos_token_id"] = 100257;
    return c;
}

} // namespace

std::optional<nlohmann::json> publishedShape(const std::string& name) {
    if (name == "granite-4.0-h-350m")
        return graniteHybrid(768, 32, {10, 13, 17, 27}, 48, 32, 2048, 0.015625, 3.0, 0.246);
    if (name == "granite-4.0-h-1b")
        return graniteHybrid(1536, 40, {5, 15, 25, 35}, 48, 64, 4096, 0.0078125, 6.0, 0.22);
    if (name == "granite-4.0-h-tiny") // 64 experts of 512, 6 a token: 6.9B, ~1B active
        return graniteHybrid(1536, 40, {5, 15, 25, 35}, 48, 64, 1024, 0.0078125, 6.0, 0.22,
                             {64, 6, 512});
    return std::nullopt;
}

std::vector<std::string> publishedShapeNames() {
    return {"granite-4.0-h-350m", "granite-4.0-h-1b", "granite-4.0-h-tiny"};
}

} // namespace lv
