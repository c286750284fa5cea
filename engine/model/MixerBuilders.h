// Builders for the tensor layouts that Hugging Face families share (Mamba2 mixer,
// attention, gated MLP, norms), so that each adapter only reads its config spellings.
#pragma once

#include "model/ModelSpec.h"

#include <cstdint>
#include <string>
#include <utility>

namespace lv {

class ConfigReader;

Weight matrixWeight(const std::string& name, std::int64_t rows, std::int64_t cols);

// What every family reads alike: hidden_size, vocab_size, max_position_embeddings (0,
// unlimited, when absent) and the token embedding `embedding` [vocab, hidden]. The
// adapter sets the layer count (some families derive it from a pattern).
ModelSpec decoderSpec(const ConfigReader& c, const std::string& embedding);
Weight vectorWeight(const std::string& name, std::int64_t size, bool optional = false);
Weight rowsOf(const std::string& name, std::int64_t rows, std::int64_t cols, std::int64_t begin,
              std::int64_t end);

struct Mamba2Shape {
    std::int64_t hidden = 0, heads = 0, headDim = 0, state = 0, groups = 1, convKernel = 4;
    bool convBias = true, inProjBias = false, outProjBias = false;
    // z and x-B-C-dt as two weights with their own scales (Falcon-H1's muP vector);
    // otherwise in_proj is one weight and one product.
    bool splitInProj = false;
    bool gatedNorm = true;
    std::int64_t normGroupSize = 0; // 0: the whole inner dimension
    bool normBeforeGate = false;
    float normEps = 1e-5f;
    SsdParams ssd;
};

// prefix is the mixer's module path with a trailing dot, e.g. "model.layers.0.mamba."
// (in_proj, conv1d, A_log, D, dt_bias, norm, out_proj below it).
Mamba2Mixer makeMamba2(const std::string& prefix, const Mamba2Shape& s);

struct AttentionShape {
    std::int64_t hidden = 0, heads = 0, kvHeads = 0, headDim = 0;
    bool bias = false;
    float softmaxScale = 0.0f; // 0: 1/sqrt(headDim)
    bool rope = false;
    float ropeTheta = 10000.0f;
    float partialRotary = 1.0f;
};

// The attention shape from the spellings Hugging Face families share: num_attention_heads,
// num_key_value_heads (default: the heads), head_dim (default: hidden / heads),
// attention_bias (default false) and, with rope, the rope theta and partial rotary factor.
AttentionShape attentionShapeOf(const ConfigReader& c, std::int64_t hidden, bool rope);

// q_proj, k_proj, v_proj, o_proj below prefix.
AttentionMixer makeAttention(const std::string& prefix, const AttentionShape& s);

// SwiGLU MLP from separate gate_proj / up_proj / down_proj below prefix.
MlpMixer makeSwiGlu(const std::string& prefix, std::int64_t hidden, std::int64_t intermediate,
                    bool bias);

// SwiGLU MLP whose gate and up halves are one [2F, H] matrix (Granite's shared_mlp).
MlpMixer makeFusedSwiGlu(const std::string& inputName, const std::string& outputName,
                         std::int64_t hidden, std::int64_t intermediate);

// SSD parameters from a time_step_limit pair and a chunk size.
SsdParams ssdParams(std::pair<double, double> timeStepLimit, std::int64_t chunkSize);

// A block of decoder layer `layer` with its pre-norm (RMSNorm weight `normName` over
// [hidden]); the adapter adds its mixers.
Block normedBlock(std::int64_t layer, const std::string& normName, std::int64_t hidden, float eps);

// The final RMSNorm (`finalNormName`) and the output head: lm_head.weight, or the
// embedding `embeddingName` when tie_word_embeddings (default `tiedByDefault`).
void setOutputHead(ModelSpec& spec, const ConfigReader& config, const std::string& finalNormName,
                   float eps, const std::string& embeddingName, bool tiedByDefault);

// lm_head.weight, or the embedding when tie_word_embeddings (default `tiedByDefault`).
Weight lmHeadWeight(const ConfigReader& config, const std::string& lmHeadName,
                    const std::string& embeddingName, std::int64_t vocab, std::int64_t hidden,
                    bool tiedByDefault);

struct Mamba1Shape {
    std::int64_t hidden = 0, inner = 0, state = 16, dtRank = 0, convKernel = 4;
    bool convBias = true, projBias = false;
    bool innerNorms = false; // Jamba: RMSNorm on dt, B and C
    float innerNormEps = 1e-6f;
};

// in_proj, conv1d, x_proj, dt_proj, A_log, D, out_proj (and Jamba's dt/b/c_layernorm)
// below prefix.
Mamba1Mixer makeMamba1(const std::string& prefix, const Mamba1Shape& s);

} // namespace lv
