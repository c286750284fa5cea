// AI21 Jamba: Mamba (1, with RMS-normalised dt/B/C) or attention without positional
// encoding, then a SwiGLU MLP or a top-k MoE of SwiGLU experts (softmax over all
// experts first, weights not renormalised), on attn/expert layer periods.
#include "model/Adapter.h"
#include "model/MixerBuilders.h"

namespace lv::adapters {

namespace {

ModelSpec build(const ConfigReader& c) {
    ModelSpec s = decoderSpec(c, "model.embed_tokens.weight");
    s.layers = c.integer("num_hidden_layers");
    const float eps = float(c.numberOr("rms_norm_eps", 1e-6));

    Mamba1Shape m;
    m.hidden = s.hidden;
    m.inner = c.integerOr("mamba_expand", 2) * s.hidden;
    m.state = c.integerOr("mamba_d_state", 16);
    m.dtRank = c.has("mamba_dt_rank") && !c.json()["mamba_dt_rank"].is_string()
                   ? c.integer("mamba_dt_rank")
                   : (s.hidden + 15) / 16;
    m.convKernel = c.integerOr("mamba_d_conv", 4);
    m.convBias = c.booleanOr("mamba_conv_bias", true);
    m.projBias = c.booleanOr("mamba_proj_bias", false);
    m.innerNorms = true;
    m.innerNormEps = eps;

    AttentionShape a;
    a.hidden = s.hidden;
    a.heads = c.integer("num_attention_heads");
    a.kvHeads = c.integerOr("num_key_value_heads", a.heads);
    a.headDim = s.hidden / a.heads;
    a.rope = false;

    const std::int64_t ffn = c.integer("intermediate_size");
    const std::int64_t experts = c.integerOr("num_experts", 16);
    const std::int64_t topK = c.integerOr("num_experts_per_tok", 2);
    const std::int64_t expertPeriod = c.integerOr("expert_layer_period", 2);
    const std::int64_t expertOffset = c.integerOr("expert_layer_offset", 1);
    if (expertPeriod <= 0) c.fail("expert_layer_period", "must be positive");

    const auto kinds = c.layerKinds(s.layers, LayerKind::Mamba);
    for (std::int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        Block mix = normedBlock(i, p + "input_layernorm.weight", s.hidden, eps);
        if (kinds[i] == LayerKind::Attention)
            mix.mixers.push_back(makeAttention(p + "self_attn.", a));
        else
            mix.mixers.push_back(makeMamba1(p + "mamba.", m));
        s.blocks.push_back(std::move(mix));

        Block ffnBlock = normedBlock(i, p + "pre_ff_layernorm.weight", s.hidden, eps);
        const std::string f = p + "feed_forward.";
        if (experts > 1 && i % expertPeriod == expertOffset) {
            MoeMixer moe;
            moe.experts = experts;
            moe.topK = topK;
            moe.intermediate = ffn;
            moe.router = matrixWeight(f + "router.weight", experts, s.hidden);
            // Per-expert matrices stacked into [E, 2F, H] (gate rows, then up) and [E, H, F].
            moe.gateUp.shape = {ffn, s.hidden};
            moe.down.shape = {s.hidden, ffn};
            for (std::int64_t e = 0; e < experts; ++e) {
                const std::string x = f + "experts." + std::to_string(e) + ".";
                moe.gateUp.parts.push_back(x + "gate_proj.weight");
                moe.gateUp.parts.push_back(x + "up_proj.weight");
                moe.down.parts.push_back(x + "down_proj.weight");
            }
            moe.gateUp.viewShape = {experts, 2 * ffn, s.hidden};
            moe.down.viewShape = {experts, s.hidden, ffn};
            moe.softmaxFirst = true;
            moe.renormalize = false;
            ffnBlock.mixers.push_back(std::move(moe));
        } else {
            ffnBlock.mixers.push_back(makeSwiGlu(f, s.hidden, ffn, false));
        }
        s.blocks.push_back(std::move(ffnBlock));
    }
    setOutputHead(s, c, "model.final_layernorm.weight", eps, "model.embed_tokens.weight", false);
    return s;
}

} // namespace

extern const Adapter Jamba{"jamba", &build};

} // namespace lv::adapters
