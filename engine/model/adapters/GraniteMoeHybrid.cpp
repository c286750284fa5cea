// IBM Granite 4.0-H (granitemoehybrid): Mamba2 or attention, then a shared SwiGLU MLP
// plus optional top-k MoE (whose shared expert the MLP then is). Multipliers: embedding,
// residual (every block output), attention_multiplier (replaces 1/sqrt(d)), logits divided
// by logits_scaling.
// Mamba2's gated norm covers the whole inner dimension (transformers' RMSNormGated).
#include "core/Error.h"
#include "model/Adapter.h"
#include "model/MixerBuilders.h"

namespace lv::adapters {

namespace {

ModelSpec build(const ConfigReader& c) {
    ModelSpec s = decoderSpec(c, "model.embed_tokens.weight");
    s.layers = c.integer("num_hidden_layers");
    const float eps = float(c.numberOr("rms_norm_eps", 1e-6));
    const float residual = float(c.numberOr("residual_multiplier", 1.0));

    s.embeddingScale = float(c.numberOr("embedding_multiplier", 1.0));

    Mamba2Shape m;
    m.hidden = s.hidden;
    m.heads = c.integerOr("mamba_n_heads", 128);
    const std::int64_t inner = std::int64_t(c.numberOr("mamba_expand", 2)) * s.hidden;
    const bool autoHead = c.json().value("mamba_d_head", nlohmann::json()).is_string();
    m.headDim = autoHead || !c.has("mamba_d_head") ? inner / m.heads : c.integer("mamba_d_head");
    if (m.heads * m.headDim != inner)
        c.fail("mamba_d_head",
               "mamba_n_heads * mamba_d_head must equal mamba_expand * hidden_size");
    m.state = c.integerOr("mamba_d_state", 256);
    m.groups = c.integerOr("mamba_n_groups", 1);
    m.convKernel = c.integerOr("mamba_d_conv", 4);
    m.convBias = c.booleanOr("mamba_conv_bias", true);
    m.inProjBias = m.outProjBias = c.booleanOr("mamba_proj_bias", false);
    m.normEps = eps;
    m.ssd = ssdParams(c.timeStepLimit(), c.integerOr("mamba_chunk_size", 256));

    AttentionShape a =
        attentionShapeOf(c, s.hidden, c.stringOr("position_embedding_type", "nope") == "rope");
    a.softmaxScale = float(c.numberOr("attention_multiplier", 1.0));

    const std::int64_t experts = c.integerOr("num_local_experts", 0);
    const std::int64_t topK = c.integerOr("num_experts_per_tok", 0);
    const std::int64_t ffn = c.integer("intermediate_size");
    const std::int64_t shared = c.integerOr("shared_intermediate_size", 1024);
    if (experts > 0 && (topK <= 0 || topK > experts))
        c.fail("num_experts_per_tok", "must be in 1.." + std::to_string(experts));

    const auto kinds = c.layerKinds(s.layers, LayerKind::Mamba);
    for (std::int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        Block mix = normedBlock(i, p + "input_layernorm.weight", s.hidden, eps);
        mix.residualScale = residual;
        if (kinds[i] == LayerKind::Mamba)
            mix.mixers.push_back(makeMamba2(p + "mamba.", m));
        else if (kinds[i] == LayerKind::Attention)
            mix.mixers.push_back(makeAttention(p + "self_attn.", a));
        else
            c.fail("layer_types", "layer " + std::to_string(i) + " must be mamba or attention");
        s.blocks.push_back(std::move(mix));

        Block ffnBlock = normedBlock(i, p + "post_attention_layernorm.weight", s.hidden, eps);
        ffnBlock.residualScale = residual;
        if (experts > 0) {
            MoeMixer moe;
            moe.experts = experts;
            moe.topK = topK;
            moe.intermediate = ffn;
            moe.router =
                matrixWeight(p + "block_sparse_moe.router.layer.weight", experts, s.hidden);
            moe.gateUp.name = p + "block_sparse_moe.input_linear.weight";
            moe.gateUp.shape = {experts, 2 * ffn, s.hidden};
            moe.down.name = p + "block_sparse_moe.output_linear.weight";
            moe.down.shape = {experts, s.hidden, ffn};
            moe.softmaxFirst = false; // softmax over the top-k logits
            // The shared MLP as the mixture's shared expert (the same sum, one mixer).
            const MlpMixer mlp =
                makeFusedSwiGlu(p + "shared_mlp.input_linear.weight",
                                p + "shared_mlp.output_linear.weight", s.hidden, shared);
            moe.sharedIntermediate = shared;
            moe.sharedGateUp = mlp.gateUp;
            moe.sharedDown = mlp.down;
            ffnBlock.mixers.push_back(std::move(moe));
        } else {
            ffnBlock.mixers.push_back(makeFusedSwiGlu(p + "shared_mlp.input_linear.weight",
                                                      p + "shared_mlp.output_linear.weight",
                                                      s.hidden, shared));
        }
        s.blocks.push_back(std::move(ffnBlock));
    }
    setOutputHead(s, c, "model.norm.weight", eps, "model.embed_tokens.weight", false);
    s.logitScale = float(1.0 / c.numberOr("logits_scaling", 1.0));
    return s;
}

} // namespace

extern const Adapter GraniteMoeHybrid{"granitemoehybrid", &build};

} // namespace lv::adapters
