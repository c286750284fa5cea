// NVIDIA Nemotron-H: a stack of single-mixer blocks (norm -> mixer -> residual):
// Mamba2 (grouped gated norm), attention without positional encoding, relu^2 MLP.
#include "model/Adapter.h"
#include "model/MixerBuilders.h"

namespace lv::adapters {

namespace {

ModelSpec build(const ConfigReader& c) {
    ModelSpec s = decoderSpec(c, "backbone.embeddings.weight");
    const float eps = float(c.numberOr("layer_norm_epsilon", 1e-5));

    // The pattern string alone may define the depth.
    std::int64_t count = c.integerOr("num_hidden_layers", 0);
    if (count == 0 && c.has("hybrid_override_pattern"))
        count = std::int64_t(c.string("hybrid_override_pattern").size());
    if (count == 0 && c.has("layers_block_type"))
        count = std::int64_t(c.json()["layers_block_type"].size());
    s.layers = count;

    Mamba2Shape m;
    m.hidden = s.hidden;
    m.heads = c.integer("mamba_num_heads");
    m.headDim = c.integer("mamba_head_dim");
    m.state = c.integer("ssm_state_size");
    m.groups = c.integerOr("n_groups", 1);
    m.convKernel = c.integerOr("conv_kernel", 4);
    m.convBias = c.booleanOr("use_conv_bias", true);
    m.inProjBias = m.outProjBias = c.booleanOr("use_bias", false);
    m.normGroupSize = m.heads * m.headDim / m.groups; // Zamba2-style grouped norm
    m.normEps = eps;
    m.ssd = ssdParams(c.timeStepLimit(), c.integerOr("chunk_size", 256));

    const AttentionShape a = attentionShapeOf(c, s.hidden, false);

    const std::int64_t ffn = c.integerOr("intermediate_size", 0);
    const bool mlpBias = c.booleanOr("mlp_bias", false);
    const auto kinds = c.layerKinds(s.layers, LayerKind::Mamba);
    for (std::int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "backbone.layers." + std::to_string(i) + ".";
        Block b = normedBlock(i, p + "norm.weight", s.hidden, eps);
        switch (kinds[i]) {
        case LayerKind::Mamba:
            b.mixers.push_back(makeMamba2(p + "mixer.", m));
            break;
        case LayerKind::Attention:
            b.mixers.push_back(makeAttention(p + "mixer.", a));
            break;
        case LayerKind::Mlp: {
            MlpMixer mlp;
            mlp.activation = MlpMixer::Activation::ReluSquared;
            mlp.intermediate = ffn;
            mlp.up = matrixWeight(p + "mixer.up_proj.weight", ffn, s.hidden);
            mlp.down = matrixWeight(p + "mixer.down_proj.weight", s.hidden, ffn);
            if (mlpBias) {
                mlp.upBias = vectorWeight(p + "mixer.up_proj.bias", ffn, true);
                mlp.downBias = vectorWeight(p + "mixer.down_proj.bias", s.hidden, true);
            }
            b.mixers.push_back(std::move(mlp));
            break;
        }
        case LayerKind::Moe:
            // Sigmoid-scored grouped routing with a correction bias: not implemented.
            c.fail("layers_block_type", "layer " + std::to_string(i) +
                                            " is a MoE block, which Longview does not support "
                                            "for nemotron_h yet");
        }
        s.blocks.push_back(std::move(b));
    }
    setOutputHead(s, c, "backbone.norm_f.weight", eps, "backbone.embeddings.weight", false);
    return s;
}

} // namespace

extern const Adapter NemotronH{"nemotron_h", &build};

} // namespace lv::adapters
