// An architecture as data: the ordered residual blocks of a model, their mixers
// (Mamba2, attention, MLP, MoE, Mamba1), norms, constant multipliers and tensor names.
// One adapter per family fills it from config.json; the loader resolves every Weight.
#pragma once

#include "backend/Backend.h"
#include "core/Tensor.h"

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace lv {

// Rows [begin, end) of a weight multiplied by a constant at load (muP multipliers).
struct RowScale {
    std::int64_t begin = 0;
    std::int64_t end = 0;
    float scale = 1.0f;
};

// A tensor of the checkpoint, how to turn it into what the blocks use, and (after
// loading) the result on the backend's device.
struct Weight {
    enum class Convert : std::uint8_t {
        None,   // keep the checkpoint dtype (f32 stays a view into the mapping on the CPU)
        ToF32,  // small vectors the ops want as f32: norms, biases, D, dt_bias, conv taps
        NegExp, // A = -exp(A_log), f32
    };

    std::string name;                    // checkpoint tensor name
    std::vector<std::int64_t> shape;     // its expected shape in the checkpoint
    std::vector<std::string> parts;      // when set: concatenate these tensors (each of
                                         // `shape`) along dim 0 instead of reading `name`
    std::vector<std::int64_t> partRows;  // with parts of different sizes: part i is
                                         // {partRows[i], shape[1], ...}
    std::int64_t rowBegin = 0;           // then take rows [rowBegin, rowEnd) of dim 0
    std::int64_t rowEnd = -1;            // -1: all rows
    std::vector<std::int64_t> viewShape; // then reinterpret as this shape (same numel)
    Convert convert = Convert::None;
    std::vector<RowScale> rowScales; // then scale rows (forces f32)
    bool optional = false;           // may be absent (biases); tensor.data stays null

    Tensor tensor; // filled by the loader

    bool present() const { return tensor.data != nullptr; }
};

struct Mamba2Mixer {
    std::int64_t heads = 0, headDim = 0, state = 0, groups = 1, convKernel = 4;
    std::int64_t inner() const { return heads * headDim; }
    std::int64_t convChannels() const { return inner() + 2 * groups * state; }

    // in_proj as one matrix [inner + conv + heads, hidden] (z, then x B C, then dt): one
    // product per chunk. Set unless the adapter needs z and the rest scaled apart.
    Weight inProj, inProjBias; // bias optional
    // Otherwise in_proj in two row ranges, each with its own scale.
    Weight inProjZ;     // rows [0, inner) of in_proj: the gate z, [inner, hidden]
    Weight inProjXbcDt; // the remaining rows: x, B, C (convolved) and dt, [conv + heads, hidden]
    Weight inProjZBias, inProjXbcDtBias; // optional
    float inScaleZ = 1.0f, inScaleXbcDt = 1.0f;
    std::int64_t inProjRows() const { return inner() + convChannels() + heads; }
    Weight convWeight; // [convChannels, convKernel]
    Weight convBias;   // optional [convChannels]
    Weight A;          // [heads], already -exp(A_log)
    Weight D;          // [heads]
    Weight dtBias;     // [heads]
    SsdParams ssd;

    bool gatedNorm = true; // false: y * silu(z) without a norm (Falcon-H1 mamba_rms_norm=false)
    Weight norm;           // [inner]
    std::int64_t normGroupSize = 0;
    float normEps = 1e-5f;
    bool normBeforeGate = false;

    Weight outProj;     // [hidden, inner]
    Weight outProjBias; // optional
    float outScale = 1.0f;
};

// Mamba (1) selective SSM: per-channel diagonal A, dt from a low-rank projection.
struct Mamba1Mixer {
    std::int64_t inner = 0, state = 0, dtRank = 0, convKernel = 4;
    Weight inProjX, inProjZ; // rows [0, inner) and [inner, 2 inner) of in_proj
    Weight inProjXBias, inProjZBias;
    Weight convWeight; // [inner, convKernel]
    Weight convBias;
    Weight xProj;                // [dtRank + 2 state, inner] -> dt_low, B, C
    Weight dtProj;               // [inner, dtRank]
    Weight dtProjBias;           // [inner], added inside softplus
    Weight A;                    // [inner, state], already -exp(A_log)
    Weight D;                    // [inner]
    Weight dtNorm, bNorm, cNorm; // optional RMSNorms (Jamba)
    float innerNormEps = 1e-6f;
    Weight outProj;
    Weight outProjBias;
};

struct AttentionMixer {
    std::int64_t heads = 0, kvHeads = 0, headDim = 0;
    Weight q, k, v, o; // HF nn.Linear layouts
    // q, k and v stacked (rows q, then k, then v) where the loader stacked them
    // (StackedProducts); q, k and v are then empty and qScale applies to all three.
    Weight qkv;
    Weight qBias, kBias, vBias, oBias; // optional
    float qScale = 1.0f, kScale = 1.0f, vScale = 1.0f, oScale = 1.0f;
    float softmaxScale = 1.0f; // multiplies q.k (Granite: attention_multiplier)
    bool rope = false;
    float ropeTheta = 10000.0f;
    std::int64_t rotaryDim = 0;
};

struct MlpMixer {
    enum class Activation : std::uint8_t { SwiGLU, ReluSquared };
    Activation activation = Activation::SwiGLU;
    std::int64_t intermediate = 0;
    Weight gate, up, down; // gate unused for ReluSquared
    // Gate and up as one matrix [2 intermediate, hidden], gate rows first, where the
    // checkpoint stores them so (Granite's shared_mlp): one product instead of two; then
    // gate and up are empty and gateScale applies to both.
    Weight gateUp;
    Weight gateBias, upBias, downBias;
    float gateScale = 1.0f, upScale = 1.0f, downScale = 1.0f;
};

struct MoeMixer {
    std::int64_t experts = 0, topK = 0, intermediate = 0;
    Weight router; // [experts, hidden]
    Weight gateUp; // [experts, 2 intermediate, hidden], gate rows first
    Weight down;   // [experts, hidden, intermediate]
    // A shared expert every token takes at weight 1 beside its routed ones, where the model
    // has one (Granite 4.0-H's shared_mlp): [2 sharedIntermediate, hidden], gate rows first,
    // and [hidden, sharedIntermediate]. Part of this mixer so that a backend may run it with
    // the routed experts (on the GPU, in the same decode kernels).
    std::int64_t sharedIntermediate = 0;
    Weight sharedGateUp, sharedDown;
    bool softmaxFirst = false;
    bool renormalize = false;
    float outScale = 1.0f;
};

using Mixer = std::variant<Mamba2Mixer, AttentionMixer, MlpMixer, MoeMixer, Mamba1Mixer>;

// x += residualScale * sum(mixer(norm(x))) for the mixers of the block.
struct Block {
    std::int64_t layer = 0; // decoder layer this block belongs to
    Weight norm;
    float normEps = 1e-5f;
    std::vector<Mixer> mixers;
    float residualScale = 1.0f;
};

struct ModelSpec {
    std::string architecture; // model_type
    std::int64_t hidden = 0, vocab = 0, layers = 0;
    std::int64_t contextLength = 0; // largest position the model supports
    Weight embedding;               // [vocab, hidden]
    float embeddingScale = 1.0f;
    std::vector<Block> blocks;
    Weight finalNorm;
    float finalNormEps = 1e-5f;
    Weight lmHead;           // [vocab, hidden]; the embedding's name when tied
    float logitScale = 1.0f; // logits = lm_head(x) * logitScale
};

// Every Weight of the spec, in a fixed order.
void forEachWeight(ModelSpec& spec, const std::function<void(Weight&)>& fn);
void forEachWeight(const ModelSpec& spec, const std::function<void(const Weight&)>& fn);

// Short name of a mixer kind for tables and messages: "mamba2", "attention", ...
const char* mixerName(const Mixer& m);

} // namespace lv
