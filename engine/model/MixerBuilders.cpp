#include "model/MixerBuilders.h"

#include "model/ConfigReader.h"

#include <cmath>
#include <limits>

namespace lv {

Weight matrixWeight(const std::string& name, std::int64_t rows, std::int64_t cols) {
    Weight w;
    w.name = name;
    w.shape = {rows, cols};
    return w;
}

ModelSpec decoderSpec(const ConfigReader& c, const std::string& embedding) {
    ModelSpec s;
    s.hidden = c.integer("hidden_size");
    s.vocab = c.integer("vocab_size");
    s.contextLength = c.integerOr("max_position_embeddings", 0);
    s.embedding = matrixWeight(embedding, s.vocab, s.hidden);
    return s;
}

Weight vectorWeight(const std::string& name, std::int64_t size, bool optional) {
    Weight w;
    w.name = name;
    w.shape = {size};
    w.convert = Weight::Convert::ToF32;
    w.optional = optional;
    return w;
}

Weight rowsOf(const std::string& name, std::int64_t rows, std::int64_t cols, std::int64_t begin,
              std::int64_t end) {
    Weight w = matrixWeight(name, rows, cols);
    w.rowBegin = begin;
    w.rowEnd = end;
    return w;
}

namespace {
// An optional bias over rows [begin, end) of a fused projection's bias vector.
Weight biasRows(const std::string& name, std::int64_t size, std::int64_t begin, std::int64_t end) {
    Weight w = vectorWeight(name, size, true);
    w.rowBegin = begin;
    w.rowEnd = end;
    return w;
}
} // namespace

SsdParams ssdParams(std::pair<double, double> limit, std::int64_t chunkSize) {
    SsdParams p;
    p.dtMin = float(limit.first);
    p.dtMax = std::isinf(limit.second) ? std::numeric_limits<float>::max() : float(limit.second);
    p.chunkSize = chunkSize > 0 ? chunkSize : 256;
    return p;
}

Mamba2Mixer makeMamba2(const std::string& p, const Mamba2Shape& s) {
    Mamba2Mixer m;
    m.heads = s.heads;
    m.headDim = s.headDim;
    m.state = s.state;
    m.groups = s.groups;
    m.convKernel = s.convKernel;
    const std::int64_t inner = m.inner();
    const std::int64_t conv = m.convChannels();
    const std::int64_t proj = inner + conv + s.heads;
    if (s.splitInProj) {
        m.inProjZ = rowsOf(p + "in_proj.weight", proj, s.hidden, 0, inner);
        m.inProjXbcDt = rowsOf(p + "in_proj.weight", proj, s.hidden, inner, proj);
        if (s.inProjBias) {
            m.inProjZBias = biasRows(p + "in_proj.bias", proj, 0, inner);
            m.inProjXbcDtBias = biasRows(p + "in_proj.bias", proj, inner, proj);
        }
    } else {
        m.inProj = matrixWeight(p + "in_proj.weight", proj, s.hidden);
        if (s.inProjBias) m.inProjBias = biasRows(p + "in_proj.bias", proj, 0, proj);
    }
    m.convWeight.name = p + "conv1d.weight";
    m.convWeight.shape = {conv, 1, s.convKernel};
    m.convWeight.viewShape = {conv, s.convKernel};
    m.convWeight.convert = Weight::Convert::ToF32;
    if (s.convBias) m.convBias = vectorWeight(p + "conv1d.bias", conv);
    m.A = vectorWeight(p + "A_log", s.heads);
    m.A.convert = Weight::Convert::NegExp;
    m.D = vectorWeight(p + "D", s.heads);
    m.dtBias = vectorWeight(p + "dt_bias", s.heads);
    m.ssd = s.ssd;
    m.gatedNorm = s.gatedNorm;
    if (s.gatedNorm) m.norm = vectorWeight(p + "norm.weight", inner);
    m.normGroupSize = s.normGroupSize > 0 ? s.normGroupSize : inner;
    m.normEps = s.normEps;
    m.normBeforeGate = s.normBeforeGate;
    m.outProj = matrixWeight(p + "out_proj.weight", s.hidden, inner);
    if (s.outProjBias) m.outProjBias = vectorWeight(p + "out_proj.bias", s.hidden, true);
    return m;
}

AttentionShape attentionShapeOf(const ConfigReader& c, std::int64_t hidden, bool rope) {
    AttentionShape a;
    a.hidden = hidden;
    a.heads = c.integer("num_attention_heads");
    a.kvHeads = c.integerOr("num_key_value_heads", a.heads);
    a.headDim = c.integerOr("head_dim", hidden / a.heads);
    a.bias = c.booleanOr("attention_bias", false);
    a.rope = rope;
    if (rope) {
        a.ropeTheta = float(c.ropeTheta());
        a.partialRotary = float(c.partialRotaryFactor());
    }
    return a;
}

AttentionMixer makeAttention(const std::string& p, const AttentionShape& s) {
    AttentionMixer a;
    a.heads = s.heads;
    a.kvHeads = s.kvHeads;
    a.headDim = s.headDim;
    a.q = matrixWeight(p + "q_proj.weight", s.heads * s.headDim, s.hidden);
    a.k = matrixWeight(p + "k_proj.weight", s.kvHeads * s.headDim, s.hidden);
    a.v = matrixWeight(p + "v_proj.weight", s.kvHeads * s.headDim, s.hidden);
    a.o = matrixWeight(p + "o_proj.weight", s.hidden, s.heads * s.headDim);
    if (s.bias) {
        a.qBias = vectorWeight(p + "q_proj.bias", s.heads * s.headDim, true);
        a.kBias = vectorWeight(p + "k_proj.bias", s.kvHeads * s.headDim, true);
        a.vBias = vectorWeight(p + "v_proj.bias", s.kvHeads * s.headDim, true);
        a.oBias = vectorWeight(p + "o_proj.bias", s.hidden, true);
    }
    a.softmaxScale =
        s.softmaxScale > 0 ? s.softmaxScale : float(1.0 / std::sqrt(double(s.headDim)));
    a.rope = s.rope;
    a.ropeTheta = s.ropeTheta;
    // HF: rotary dim = int(head_dim * partial_rotary_factor), always even.
    a.rotaryDim = std::int64_t(double(s.headDim) * double(s.partialRotary));
    a.rotaryDim -= a.rotaryDim % 2;
    return a;
}

MlpMixer makeSwiGlu(const std::string& p, std::int64_t hidden, std::int64_t intermediate,
                    bool bias) {
    MlpMixer m;
    m.activation = MlpMixer::Activation::SwiGLU;
    m.intermediate = intermediate;
    m.gate = matrixWeight(p + "gate_proj.weight", intermediate, hidden);
    m.up = matrixWeight(p + "up_proj.weight", intermediate, hidden);
    m.down = matrixWeight(p + "down_proj.weight", hidden, intermediate);
    if (bias) {
        m.gateBias = vectorWeight(p + "gate_proj.bias", intermediate, true);
        m.upBias = vectorWeight(p + "up_proj.bias", intermediate, true);
        m.downBias = vectorWeight(p + "down_proj.bias", hidden, true);
    }
    return m;
}

MlpMixer makeFusedSwiGlu(const std::string& inputName, const std::string& outputName,
                         std::int64_t hidden, std::int64_t intermediate) {
    MlpMixer m;
    m.activation = MlpMixer::Activation::SwiGLU;
    m.intermediate = intermediate;
    m.gateUp = matrixWeight(inputName, 2 * intermediate, hidden);
    m.down = matrixWeight(outputName, hidden, intermediate);
    return m;
}

Weight lmHeadWeight(const ConfigReader& config, const std::string& lmHeadName,
                    const std::string& embeddingName, std::int64_t vocab, std::int64_t hidden,
                    bool tiedByDefault) {
    const bool tied = config.booleanOr("tie_word_embeddings", tiedByDefault);
    return matrixWeight(tied ? embeddingName : lmHeadName, vocab, hidden);
}

Mamba1Mixer makeMamba1(const std::string& p, const Mamba1Shape& s) {
    Mamba1Mixer m;
    m.inner = s.inner;
    m.state = s.state;
    m.dtRank = s.dtRank;
    m.convKernel = s.convKernel;
    m.inProjX = rowsOf(p + "in_proj.weight", 2 * s.inner, s.hidden, 0, s.inner);
    m.inProjZ = rowsOf(p + "in_proj.weight", 2 * s.inner, s.hidden, s.inner, 2 * s.inner);
    if (s.projBias) {
        m.inProjXBias = biasRows(p + "in_proj.bias", 2 * s.inner, 0, s.inner);
        m.inProjZBias = biasRows(p + "in_proj.bias", 2 * s.inner, s.inner, 2 * s.inner);
        m.outProjBias = vectorWeight(p + "out_proj.bias", s.hidden, true);
    }
    m.convWeight.name = p + "conv1d.weight";
    m.convWeight.shape = {s.inner, 1, s.convKernel};
    m.convWeight.viewShape = {s.inner, s.convKernel};
    m.convWeight.convert = Weight::Convert::ToF32;
    if (s.convBias) m.convBias = vectorWeight(p + "conv1d.bias", s.inner);
    m.xProj = matrixWeight(p + "x_proj.weight", s.dtRank + 2 * s.state, s.inner);
    m.dtProj = matrixWeight(p + "dt_proj.weight", s.inner, s.dtRank);
    m.dtProjBias = vectorWeight(p + "dt_proj.bias", s.inner);
    m.A.name = p + "A_log";
    m.A.shape = {s.inner, s.state};
    m.A.convert = Weight::Convert::NegExp;
    m.D = vectorWeight(p + "D", s.inner);
    if (s.innerNorms) {
        m.dtNorm = vectorWeight(p + "dt_layernorm.weight", s.dtRank);
        m.bNorm = vectorWeight(p + "b_layernorm.weight", s.state);
        m.cNorm = vectorWeight(p + "c_layernorm.weight", s.state);
        m.innerNormEps = s.innerNormEps;
    }
    m.outProj = matrixWeight(p + "out_proj.weight", s.hidden, s.inner);
    return m;
}

Block normedBlock(std::int64_t layer, const std::string& normName, std::int64_t hidden, float eps) {
    Block b;
    b.layer = layer;
    b.norm = vectorWeight(normName, hidden);
    b.normEps = eps;
    return b;
}

void setOutputHead(ModelSpec& spec, const ConfigReader& config, const std::string& finalNormName,
                   float eps, const std::string& embeddingName, bool tiedByDefault) {
    spec.finalNorm = vectorWeight(finalNormName, spec.hidden);
    spec.finalNormEps = eps;
    spec.lmHead = lmHeadWeight(config, "lm_head.weight", embeddingName, spec.vocab, spec.hidden,
                               tiedByDefault);
}

} // namespace lv
