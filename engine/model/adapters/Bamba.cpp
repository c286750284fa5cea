// IBM Bamba: Mamba2 or attention (RoPE, possibly partial), then a SwiGLU MLP, each
// behind an RMSNorm with a plain residual. Gated norm over the whole inner dimension.
#include "model/Adapter.h"
#include "model/MixerBuilders.h"

namespace lv::adapters {

namespace {

ModelSpec build(const ConfigReader& c) {
    ModelSpec s = decoderSpec(c, "model.embed_tokens.weight");
    s.layers = c.integer("num_hidden_layers");
    const float eps = float(c.numberOr("rms_norm_eps", 1e-5));

    Mamba2Shape m;
    m.hidden = s.hidden;
    m.heads = c.integerOr("mamba_n_heads", 128);
    m.headDim = c.integerOr("mamba_d_head",
                            std::int64_t(c.numberOr("mamba_expand", 2)) * s.hidden / m.heads);
    m.state = c.integerOr("mamba_d_state", 256);
    m.groups = c.integerOr("mamba_n_groups", 1);
    m.convKernel = c.integerOr("mamba_d_conv", 4);
    m.convBias = c.booleanOr("mamba_conv_bias", true);
    m.inProjBias = m.outProjBias = c.booleanOr("mamba_proj_bias", false);
    m.normEps = eps;
    m.ssd = ssdParams(c.timeStepLimit(), c.integerOr("mamba_chunk_size", 256));
    if (m.heads * m.headDim != std::int64_t(c.numberOr("mamba_expand", 2)) * s.hidden)
        c.fail("mamba_d_head",
               "mamba_n_heads * mamba_d_head must equal mamba_expand * hidden_size");

    const AttentionShape a = attentionShapeOf(c, s.hidden, true);

    const std::int64_t ffn = c.integer("intermediate_size");
    const bool mlpBias = c.booleanOr("mlp_bias", false);
    const auto kinds = c.layerKinds(s.layers, LayerKind::Mamba);
    for (std::int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        Block mix = normedBlock(i, p + "input_layernorm.weight", s.hidden, eps);
        if (kinds[i] == LayerKind::Mamba)
            mix.mixers.push_back(makeMamba2(p + "mamba.", m));
        else if (kinds[i] == LayerKind::Attention)
            mix.mixers.push_back(makeAttention(p + "self_attn.", a));
        else
            c.fail("layers_block_type",
                   "layer " + std::to_string(i) + " must be mamba or attention");
        s.blocks.push_back(std::move(mix));

        Block ffnBlock = normedBlock(i, p + "pre_ff_layernorm.weight", s.hidden, eps);
        ffnBlock.mixers.push_back(makeSwiGlu(p + "feed_forward.", s.hidden, ffn, mlpBias));
        s.blocks.push_back(std::move(ffnBlock));
    }
    setOutputHead(s, c, "model.final_layernorm.weight", eps, "model.embed_tokens.weight", false);
    return s;
}

} // namespace

extern const Adapter Bamba{"bamba", &build};

} // namespace lv::adapters
