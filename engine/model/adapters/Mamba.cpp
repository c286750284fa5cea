// Pure Mamba (1): norm -> selective-SSM mixer -> residual, tied embeddings by default.
#include "model/Adapter.h"
#include "model/MixerBuilders.h"

#include <nlohmann/json.hpp>

namespace lv::adapters {

namespace {

ModelSpec build(const ConfigReader& c) {
    ModelSpec s = decoderSpec(c, "backbone.embeddings.weight");
    s.layers = c.integer("num_hidden_layers");
    s.contextLength = 0; // recurrent: no positional limit
    const float eps = float(c.numberOr("layer_norm_epsilon", 1e-5));

    Mamba1Shape m;
    m.hidden = s.hidden;
    m.inner =
        c.integerOr("intermediate_size", std::int64_t(c.numberOr("expand", 2) * double(s.hidden)));
    m.state = c.integerOr("state_size", 16);
    // "auto" in the config means ceil(hidden / 16), as in transformers' MambaConfig.
    const bool autoRank = c.json().value("time_step_rank", nlohmann::json()).is_string();
    m.dtRank =
        autoRank || !c.has("time_step_rank") ? (s.hidden + 15) / 16 : c.integer("time_step_rank");
    m.convKernel = c.integerOr("conv_kernel", 4);
    m.convBias = c.booleanOr("use_conv_bias", true);
    m.projBias = c.booleanOr("use_bias", false);

    for (std::int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "backbone.layers." + std::to_string(i) + ".";
        Block b = normedBlock(i, p + "norm.weight", s.hidden, eps);
        b.mixers.emplace_back(std::in_place_type<Mamba1Mixer>, makeMamba1(p + "mixer.", m));
        s.blocks.push_back(std::move(b));
    }
    setOutputHead(s, c, "backbone.norm_f.weight", eps, "backbone.embeddings.weight", true);
    return s;
}

} // namespace

extern const Adapter Mamba{"mamba", &build};

} // namespace lv::adapters
