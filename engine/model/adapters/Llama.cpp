// Llama: the pure-attention transformer baseline (RoPE, SwiGLU, RMSNorm).
#include "model/Adapter.h"
#include "model/MixerBuilders.h"

namespace lv::adapters {

namespace {

ModelSpec build(const ConfigReader& c) {
    ModelSpec s = decoderSpec(c, "model.embed_tokens.weight");
    s.layers = c.integer("num_hidden_layers");
    s.contextLength = c.integerOr("max_position_embeddings", 2048);
    const float eps = float(c.numberOr("rms_norm_eps", 1e-6));

    const AttentionShape a = attentionShapeOf(c, s.hidden, true);
    const std::int64_t ffn = c.integer("intermediate_size");
    const bool mlpBias = c.booleanOr("mlp_bias", false);

    for (std::int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        Block attn = normedBlock(i, p + "input_layernorm.weight", s.hidden, eps);
        attn.mixers.push_back(makeAttention(p + "self_attn.", a));
        s.blocks.push_back(std::move(attn));
        Block mlp = normedBlock(i, p + "post_attention_layernorm.weight", s.hidden, eps);
        mlp.mixers.push_back(makeSwiGlu(p + "mlp.", s.hidden, ffn, mlpBias));
        s.blocks.push_back(std::move(mlp));
    }
    setOutputHead(s, c, "model.norm.weight", eps, "model.embed_tokens.weight", false);
    return s;
}

} // namespace

extern const Adapter Llama{"llama", &build};

} // namespace lv::adapters
