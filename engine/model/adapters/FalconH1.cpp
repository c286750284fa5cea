// TII Falcon-H1: every layer runs attention and Mamba2 in parallel on one normed input,
// then a SwiGLU MLP. All muP multipliers become linear scales or, for the per-segment
// ssm_multipliers of in_proj, row scales folded into the weight at load.
#include "model/Adapter.h"
#include "model/MixerBuilders.h"

namespace lv::adapters {

namespace {

ModelSpec build(const ConfigReader& c) {
    ModelSpec s = decoderSpec(c, "model.embed_tokens.weight");
    s.layers = c.integer("num_hidden_layers");
    const float eps = float(c.numberOr("rms_norm_eps", 1e-5));
    s.embeddingScale = float(c.numberOr("embedding_multiplier", 1.0));

    Mamba2Shape m;
    m.splitInProj = true; // z and x, B, C, dt take different muP multipliers below
    m.hidden = s.hidden;
    m.heads = c.integer("mamba_n_heads");
    m.headDim = c.integer("mamba_d_head");
    const std::int64_t inner =
        c.integerOr("mamba_d_ssm", std::int64_t(c.numberOr("mamba_expand", 2) * double(s.hidden)));
    if (m.heads * m.headDim != inner)
        c.fail("mamba_d_head", "mamba_n_heads * mamba_d_head must equal mamba_d_ssm");
    m.state = c.integer("mamba_d_state");
    m.groups = c.integerOr("mamba_n_groups", 1);
    m.convKernel = c.integerOr("mamba_d_conv", 4);
    m.convBias = c.booleanOr("mamba_conv_bias", true);
    m.inProjBias = c.booleanOr("mamba_proj_bias", false);
    m.outProjBias = c.booleanOr("projectors_bias", false);
    m.gatedNorm = c.booleanOr("mamba_rms_norm", false);
    m.normGroupSize = inner / m.groups;
    m.normBeforeGate = c.booleanOr("mamba_norm_before_gate", true);
    m.normEps = eps;
    m.ssd = ssdParams(c.timeStepLimit(), c.integerOr("mamba_chunk_size", 256));

    const float ssmIn = float(c.numberOr("ssm_in_multiplier", 1.0));
    std::vector<double> mup{1, 1, 1, 1, 1};
    if (c.has("ssm_multipliers")) {
        mup = c.numberList("ssm_multipliers");
        if (mup.size() != 5) c.fail("ssm_multipliers", "expected 5 values (z, x, B, C, dt)");
    }

    const AttentionShape a = attentionShapeOf(c, s.hidden, true);
    const float attnIn = float(c.numberOr("attention_in_multiplier", 1.0));
    const float attnOut = float(c.numberOr("attention_out_multiplier", 1.0));
    const float keyMult = float(c.numberOr("key_multiplier", 1.0));
    const float ssmOut = float(c.numberOr("ssm_out_multiplier", 1.0));

    std::vector<double> mlpMult{1, 1};
    if (c.has("mlp_multipliers")) {
        mlpMult = c.numberList("mlp_multipliers");
        if (mlpMult.size() != 2) c.fail("mlp_multipliers", "expected 2 values (gate, down)");
    }
    const std::int64_t ffn = c.integer("intermediate_size");
    const bool mlpBias = c.booleanOr("mlp_bias", false);

    for (std::int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        Block mix = normedBlock(i, p + "input_layernorm.weight", s.hidden, eps);

        Mamba2Mixer mamba = makeMamba2(p + "mamba.", m);
        // in_proj(x * ssm_in) * mup: z is one scalar; x, B, C, dt get one each.
        mamba.inScaleZ = float(ssmIn * mup[0]);
        const std::int64_t gn = m.groups * m.state;
        mamba.inProjXbcDt.rowScales = {
            {0, inner, float(ssmIn * mup[1])},
            {inner, inner + gn, float(ssmIn * mup[2])},
            {inner + gn, inner + 2 * gn, float(ssmIn * mup[3])},
            {inner + 2 * gn, inner + 2 * gn + m.heads, float(ssmIn * mup[4])},
        };
        if (!mamba.inProjZBias.name.empty()) {
            // The linear scales (W x + b) by inScaleZ, but the bias only takes mup[0].
            mamba.inProjZBias.rowScales = {{0, inner, 1.0f / ssmIn}};
            mamba.inProjXbcDtBias.rowScales = {
                {0, inner, float(mup[1])},
                {inner, inner + gn, float(mup[2])},
                {inner + gn, inner + 2 * gn, float(mup[3])},
                {inner + 2 * gn, inner + 2 * gn + m.heads, float(mup[4])},
            };
        }
        mamba.outScale = ssmOut;
        mix.mixers.push_back(std::move(mamba));

        AttentionMixer attn = makeAttention(p + "self_attn.", a);
        attn.qScale = attnIn;
        attn.kScale = attnIn * keyMult;
        attn.vScale = attnIn;
        attn.oScale = attnOut;
        mix.mixers.push_back(std::move(attn));
        s.blocks.push_back(std::move(mix));

        Block ffnBlock = normedBlock(i, p + "pre_ff_layernorm.weight", s.hidden, eps);
        MlpMixer mlp = makeSwiGlu(p + "feed_forward.", s.hidden, ffn, mlpBias);
        mlp.gateScale = float(mlpMult[0]);
        mlp.downScale = float(mlpMult[1]);
        ffnBlock.mixers.push_back(std::move(mlp));
        s.blocks.push_back(std::move(ffnBlock));
    }
    setOutputHead(s, c, "model.final_layernorm.weight", eps, "model.embed_tokens.weight", false);
    s.logitScale = float(c.numberOr("lm_head_multiplier", 1.0));
    return s;
}

} // namespace

extern const Adapter FalconH1{"falcon_h1", &build};

} // namespace lv::adapters
