// Pure Mamba2 (Codestral-Mamba style): norm -> Mamba2 mixer -> residual, tied embeddings
// by default. transformers gates and then normalises over the whole inner dimension.
#include "model/Adapter.h"
#include "model/MixerBuilders.h"

namespace lv::adapters {

namespace {

ModelSpec build(const ConfigReader& c) {
    ModelSpec s = decoderSpec(c, "backbone.embeddings.weight");
    s.layers = c.integer("num_hidden_layers");
    s.contextLength = 0; // recurrent: no positional limit
    const float eps = float(c.numberOr("layer_norm_epsilon", 1e-5));

    Mamba2Shape m;
    m.hidden = s.hidden;
    m.heads = c.integer("num_heads");
    m.headDim = c.integerOr("head_dim", 64);
    if (m.heads * m.headDim != std::int64_t(c.numberOr("expand", 2) * double(s.hidden)))
        c.fail("head_dim", "num_heads * head_dim must equal expand * hidden_size");
    m.state = c.integerOr("state_size", 128);
    m.groups = c.integerOr("n_groups", 1);
    m.convKernel = c.integerOr("conv_kernel", 4);
    m.convBias = c.booleanOr("use_conv_bias", true);
    m.inProjBias = m.outProjBias = c.booleanOr("use_bias", false);
    m.normEps = eps;
    m.ssd = ssdParams(c.timeStepLimit(), c.integerOr("chunk_size", 256));

    for (std::int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "backbone.layers." + std::to_string(i) + ".";
        Block b = normedBlock(i, p + "norm.weight", s.hidden, eps);
        b.mixers.push_back(makeMamba2(p + "mixer.", m));
        s.blocks.push_back(std::move(b));
    }
    setOutputHead(s, c, "backbone.norm_f.weight", eps, "backbone.embeddings.weight", true);
    return s;
}

} // namespace

extern const Adapter Mamba2{"mamba2", &build};

} // namespace lv::adapters
