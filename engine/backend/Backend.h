// The operations a compute backend (CPU, CUDA) provides to the shared model blocks.
// Every op has a CPU reference; every other backend is tested against it.
//
// Conventions: activations are float32 [T, ...] with T tokens outermost and
// contiguous rows unless a comment says otherwise; weights follow Hugging Face
// nn.Linear layout [out, in] and may be f32, bf16 or f16; in-place calls
// (out aliasing an input of the same shape) are allowed where noted. The ops that make a
// linear's input (the norms, swiglu) may write it in the 16-bit type linearInputDType()
// asks for, which linear() then takes as it is.
#pragma once

#include "core/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lv {

struct SsdParams {
    float dtMin = 0.0f;           // time_step_limit lower bound, applied after softplus
    float dtMax = 1e30f;          // time_step_limit upper bound ("Infinity" -> huge)
    std::int64_t chunkSize = 256; // SSD chunk length for prefill; any T is valid
    // The checkpoint's matrices are bf16: a backend may run the chunked form's products on
    // bf16 operands, as mamba_ssm runs them in the model's dtype (f32 checkpoints keep their
    // f32 or TF32 products).
    bool bf16Products = false;
};

// A mixture of SwiGLU experts' weights: gateUp [E, 2F, H] (each expert's gate rows, then its
// up rows), down [E, H, F]; and, where the model has one, a shared expert every token takes
// at weight 1 beside its routed ones (Granite's shared MLP): sharedGateUp [2Fs, H],
// sharedDown [H, Fs].
struct MoeWeights {
    const Tensor* gateUp = nullptr;
    const Tensor* down = nullptr;
    const Tensor* sharedGateUp = nullptr;
    const Tensor* sharedDown = nullptr;
};

// How a token picks its experts from the router's logits (topkRouting's arguments).
struct MoeRouting {
    std::int64_t k = 0;
    bool softmaxFirst = false;
    bool renormalize = false;
};

// How a product's result meets its output: written there, or added into what the output
// holds (out += result), which lets the residual stream's add ride in a product's epilogue
// instead of a pass of its own (Backend::addsInProducts).
enum class ProductOut { Write, Add };

// Device memory use, for the UI and the bench. Zero where a backend does not track it.
struct MemoryStats {
    std::size_t inUseBytes = 0; // held by allocate() and scratch now
    std::size_t peakBytes = 0;  // high-water mark of inUseBytes since the last resetPeak
    std::size_t deviceFreeBytes = 0;
    std::size_t deviceTotalBytes = 0;
};

class Backend {
public:
    virtual ~Backend() = default;

    virtual DeviceKind device() const = 0;
    virtual std::string name() const = 0;

    // Device memory. On the CPU this is 64-byte aligned host memory.
    virtual void* allocate(std::size_t bytes) = 0;
    virtual void release(void* ptr) = 0;
    virtual void upload(void* dst, const void* src, std::size_t bytes) = 0;   // host -> device
    virtual void download(void* dst, const void* src, std::size_t bytes) = 0; // device -> host
    // A copy of at most kQueuedBytes device bytes to dst on the host that does not wait: it
    // runs after the work queued so far, and dst holds the bytes once collectDownload(ticket)
    // returns (which waits for that copy alone). Greedy generation queues the step that feeds
    // a token before it reads that token, so the device does not idle while the host handles
    // each one. A copy not collected before kQueuedCopies newer ones were queued is dropped
    // (its dst never written).
    // Default: an ordinary download at once.
    static constexpr std::size_t kQueuedBytes = 64;
    static constexpr std::uint64_t kQueuedCopies = 8;
    virtual std::uint64_t queueDownload(void* dst, const void* src, std::size_t bytes) {
        download(dst, src, bytes);
        return 0;
    }
    virtual void collectDownload(std::uint64_t ticket) { (void)ticket; }
    virtual void copy(void* dst, const void* src, std::size_t bytes) = 0; // device -> device
    virtual void fill(void* dst, float value, std::int64_t count) = 0;    // f32 fill
    virtual void synchronize() = 0;

    // Weights. The loader hands each weight over once as a host view (often straight
    // from the checkpoint's memory mapping, which outlives the model) and uses the
    // returned tensor for the model's lifetime. Default (Backend.cpp): the CPU uses the
    // host memory as is, other devices get a copy in the same dtype; a backend may
    // override to convert (e.g. keep bf16 copies on the GPU).
    virtual Tensor prepareWeight(const Tensor& host);
    // Frees what prepareWeight allocated; the default frees copies on non-CPU devices.
    virtual void releaseWeight(const Tensor& prepared);
    // Whether the loader should stack products that read the same input (a SwiGLU MLP's
    // gate and up) into one weight. Where each product is a launch (a GPU), one instead of
    // two; the stacked copy is made on the host and freed after upload. The CPU reads the
    // mapping in place and gains nothing (its products are large), so the default is
    // "not on the CPU".
    virtual bool stacksProducts() const { return device() != DeviceKind::Cpu; }

    // out[t, :] = table[ids[t], :] * scale. ids: i32 [T] (host or device memory of this
    // backend); table: [V, H] any weight dtype; out: f32 [T, H].
    virtual void embedding(const Tensor& ids, const Tensor& table, float scale, Tensor& out) = 0;

    // out = x W^T (+ bias), x: f32 [T, K] or the weight's own 16-bit type (rows may be
    // strided), W: [N, K], bias: f32 [N] or null data, out: f32 [T, N]. Then out *= scale.
    // With ProductOut::Add: out += scale * (x W^T (+ bias)) instead (out f32).
    virtual void linear(const Tensor& x, const Tensor& weight, const Tensor* bias, float scale,
                        Tensor& out, ProductOut mode = ProductOut::Write) = 0;

    // Row-wise RMSNorm over the last dim: out = x / sqrt(mean(x^2) + eps) * w. In-place ok.
    // out: f32, or bf16/f16 (rounded, f16 saturated; not in place) for a linear's input.
    virtual void rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) = 0;

    // Mamba2 gated RMSNorm with groups over the last dim D (D % groupSize == 0):
    // normBeforeGate=false: h = x * silu(z); out = h / rms_group(h) * w
    // normBeforeGate=true:  out = (x / rms_group(x) * w) * silu(z). In-place on x ok.
    // out may be 16-bit as for rmsNorm.
    virtual void gatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& weight,
                              std::int64_t groupSize, float eps, bool normBeforeGate,
                              Tensor& out) = 0;

    // out = a + scale * b, elementwise, same shapes. In-place on a ok.
    virtual void addScaled(const Tensor& a, const Tensor& b, float scale, Tensor& out) = 0;

    // x *= scale, in place.
    virtual void scale(Tensor& x, float scale) = 0;

    // The residual stream between two blocks: x += scale * delta, then normed = x / rms(x) * w
    // (the next block's input). x, delta: f32 [T, H]; normed [T, H] f32 or 16-bit as for
    // rmsNorm, not aliasing x.
    // Default (Backend.cpp): addScaled then rmsNorm; the GPU does both in one pass.
    virtual void addRmsNorm(Tensor& x, const Tensor& delta, float scale, const Tensor& weight,
                            float eps, Tensor& normed);

    // out[t, i] = act(gate[t, i]) * up[t, i], gate/up f32 [T, F] (rows may be strided,
    // e.g. the two halves of one [T, 2F] projection). act: SiLU. out may be 16-bit as for
    // rmsNorm.
    virtual void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) = 0;

    // The products whose input another op makes, as one call: out = linear(swiglu(gate, up))
    // (a SwiGLU MLP's down projection; also Mamba2's y * silu(z) before out_proj, with
    // gate = z) and out = linear(gatedRmsNorm(x, z)) (Mamba2's out_proj). Arguments as for
    // the two ops; scratch: f32 [T, F] the default may use for the input (written in
    // linearInputDType). Default (Backend.cpp): the two ops; the GPU folds the first into
    // the GEMV of a decode step (one launch fewer, the input never leaves the block).
    virtual void linearOfSwiglu(const Tensor& gate, const Tensor& up, const Tensor& weight,
                                const Tensor* bias, float scale, Tensor& out, Tensor& scratch,
                                ProductOut mode = ProductOut::Write);
    // The type linearOfSwiglu takes gate and up in for `rows` tokens of a product with
    // weight `down`; the product that makes them (Backend::linear with an out of this type)
    // writes it so. A GPU's prefill may halve the traffic of the widest activation (gate
    // and up of every token) this way; its linear then writes, and its swiglu reads, that
    // type. Default: f32.
    virtual DType swigluInputDType(const Tensor& down, std::int64_t rows) const {
        (void)down;
        (void)rows;
        return DType::F32;
    }
    // The type Mamba2's in_proj (weight `inProj`, `rows` tokens, no bias) writes its output
    // in: z, x-B-C and dt, which gatedRmsNorm / linearOfGatedRmsNorm (z), causalConv1d (x)
    // and ssdScan (dt) then read in that type. A GPU's prefill halves the bytes of the
    // second-widest activation this way (bf16, as a bf16 checkpoint's reference computes
    // it). Default: f32.
    virtual DType mamba2ProjectionDType(const Tensor& inProj, std::int64_t rows) const {
        (void)inProj;
        (void)rows;
        return DType::F32;
    }
    // The type ssdScan writes y in for `rows` tokens of a Mamba2 mixer with out_proj weight
    // `outProj` and the gated norm, which gatedRmsNorm / linearOfGatedRmsNorm then read as
    // x. A GPU's prefill: bf16, as mamba_ssm's kernels write y in a bf16 model. Default: f32.
    virtual DType ssdOutputDType(const Tensor& outProj, std::int64_t rows) const {
        (void)outProj;
        (void)rows;
        return DType::F32;
    }
    // The type causalConv1d writes a Mamba2 mixer's x-B-C in for `rows` tokens (out_proj
    // weight `outProj`), which ssdScan then reads as x, B and C. A GPU's prefill: bf16, as
    // mamba_ssm's kernels read them in a bf16 model (the SSD's chunk kernels stage half the
    // bytes). Default: f32.
    virtual DType ssdInputDType(const Tensor& outProj, std::int64_t rows) const {
        (void)outProj;
        (void)rows;
        return DType::F32;
    }
    virtual void linearOfGatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& normWeight,
                                      std::int64_t groupSize, float eps, bool normBeforeGate,
                                      const Tensor& weight, const Tensor* bias, float scale,
                                      Tensor& out, Tensor& scratch,
                                      ProductOut mode = ProductOut::Write);

    // Decode's residual stream folded into the next block's first product: xOut = x +
    // scale * delta, then out = linear(rmsNorm(xOut) * normWeight, weight, bias, lscale).
    // The residual moves to xOut, a second buffer (x may still be read while xOut is
    // written), and x is left as scratch. x, delta, xOut: f32 [T, H]. foldsResidualNorm(T)
    // says whether the forward pass should use this for T tokens: the GPU's GEMV adds and
    // normalizes while it stages its input, one launch instead of two. Default
    // (Backend.cpp): addScaled into xOut, rmsNorm into x, linear; foldsResidualNorm false.
    virtual bool foldsResidualNorm(std::int64_t T) const;
    // Whether the forward pass should have each mixer's last product add its output into
    // the residual stream (ProductOut::Add, the residual multiplier in its scale) for T
    // tokens, so that a block boundary is a norm alone instead of an add and a norm. A GPU's
    // prefill: its GEMMs take the add in their epilogue, a pass over the residual fewer.
    // Default false (the products write the mixer's output; addRmsNorm adds it).
    virtual bool addsInProducts(std::int64_t T) const {
        (void)T;
        return false;
    }
    virtual void linearOfAddRmsNorm(Tensor& x, const Tensor& delta, float scale,
                                    const Tensor& normWeight, float eps, Tensor& xOut,
                                    const Tensor& weight, const Tensor* bias, float lscale,
                                    Tensor& out);

    // A product and what surrounds it in a decode step, as one call: its input either x or,
    // with `fold`, made from the residual stream as in linearOfAddRmsNorm; and, with `conv`,
    // the causal conv of columns [conv->c0, conv->c0 + C) of its output as causalConv1d
    // with those columns as x (Mamba2's x-B-C after in_proj). Default (Backend.cpp): the
    // separate ops; the GPU does a decode step's in one GEMV, each conv channel being one
    // output row whose state only that row's thread touches.
    struct ResidualNorm {
        Tensor* x;
        const Tensor* delta;
        float scale;
        const Tensor* weight;
        float eps;
        Tensor* xOut;
    };
    struct ConvOfColumns {
        std::int64_t c0;
        const Tensor* weight; // [C, K]
        const Tensor* bias;   // [C] or null
        Tensor* state;        // f32 [C, K-1]
        bool silu;
        Tensor* out; // f32 [T, C]
    };
    virtual void fusedLinear(const Tensor& x, const ResidualNorm* fold, const Tensor& weight,
                             const Tensor* bias, float scale, Tensor& out,
                             const ConvOfColumns* conv);

    // x = relu(x)^2 in place (Nemotron-H MLP).
    virtual void reluSquared(Tensor& x) = 0;

    // x = silu(x) in place.
    virtual void silu(Tensor& x) = 0;

    // Depthwise causal conv1d over time with a rolling state, then optional SiLU.
    // x: f32 [T, C] (rows may be strided); weight: [C, K]; bias: f32 [C] or null;
    // state: f32 [C, K-1], the last K-1 inputs before x (zeros at the start), updated to
    // the last K-1 inputs including x; out: f32 [T, C].
    virtual void causalConv1d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                              Tensor& state, bool applySilu, Tensor& out) = 0;

    // Mamba2 selective state space (SSD), the whole sequence from the given state:
    // x: f32 [T, H, P]; dt: f32 [T, H] raw (before + dtBias and softplus);
    // A: f32 [H] (already -exp(A_log)); B, C: f32 [T, G, N] (H % G == 0, head h uses
    // group h / (H / G)); D: f32 [H]; dtBias: f32 [H]; state: f32 [H, P, N] in/out;
    // out y: f32 [T, H, P] = C . state_t + D * x. x, dt, B, C may have strided rows.
    // Prefill uses the chunked form; T == 1 is the recurrent update. Both must agree.
    virtual void ssdScan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                         const Tensor& C, const Tensor& D, const Tensor& dtBias,
                         const SsdParams& params, Tensor& state, Tensor& y) = 0;

    // Mamba (1) selective scan with a per-channel diagonal A, the whole sequence from the
    // given state: u, dt: f32 [T, D] (rows may be strided; dt raw, before + dtBias and
    // softplus); A: f32 [D, N] (already -exp(A_log)); B, C: f32 [T, N] (rows may be
    // strided); Dskip, dtBias: f32 [D]; state: f32 [D, N] in/out;
    // y: f32 [T, D] = C . state_t + Dskip * u.
    // Default (Backend.cpp): a sequential reference, through host memory on devices
    // other than the CPU; backends may override it with a kernel.
    virtual void selectiveScan(const Tensor& u, const Tensor& dt, const Tensor& A, const Tensor& B,
                               const Tensor& C, const Tensor& Dskip, const Tensor& dtBias,
                               Tensor& state, Tensor& y);

    // Rotary embedding, neox layout (rotate_half), in place on x: f32 [T, nHeads, headDim];
    // the first rotaryDim dims of each head rotate; position of row t is pos0 + t.
    virtual void rope(Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim) = 0;

    // dst rows [row0, row0 + T) = src rows (the KV-cache append). src: f32 [T, ...], each
    // row contiguous, any stride between rows (k and v of a stacked q/k/v product); dst:
    // [capacity, ...] contiguous with the same row length, f32 or the backend's
    // kvCacheDType() (converted; f16 saturates at +-65504).
    // Default (Backend.cpp): copy() for f32 (one, or one a row where src rows are apart), a
    // host conversion on the CPU; a backend that records steps or keeps 16-bit caches
    // overrides it.
    virtual void storeRows(const Tensor& src, Tensor& dst, std::int64_t row0);

    // An attention step's inputs at once: q and k rotated as rope() does (rotaryDim 0: not
    // at all), then k and v appended to the caches from row pos0 as storeRows() does. q, k,
    // v: f32 [T, heads, D] with contiguous rows (they may be columns of one stacked product).
    // Default (Backend.cpp): those ops one by one; the GPU makes it one launch.
    virtual void ropeAndAppend(Tensor& q, Tensor& k, const Tensor& v, Tensor& kCache,
                               Tensor& vCache, std::int64_t pos0, float theta,
                               std::int64_t rotaryDim);

    // Causal GQA attention against a cache holding positions [0, pos0 + T):
    // q: f32 [T, Hq, d]; kCache, vCache: [capacity, Hkv, d] in f32 or kvCacheDType();
    // out: f32 [T, Hq, d].
    // Query t attends to keys 0 .. pos0 + t inclusive, scores scaled by `scale`.
    virtual void attention(const Tensor& q, const Tensor& kCache, const Tensor& vCache,
                           std::int64_t pos0, float scale, Tensor& out) = 0;

    // Top-k routing: logits f32 [T, E] -> indices i32 [T, k] and weights f32 [T, k].
    // softmaxFirst=true: softmax over all E, then top-k (renormalised when renormalize);
    // softmaxFirst=false: top-k logits, then softmax over those k.
    virtual void topkRouting(const Tensor& logits, std::int64_t k, bool softmaxFirst,
                             bool renormalize, Tensor& indices, Tensor& weights) = 0;

    // Mixture of SwiGLU experts: for each token, out = sum_j w[t,j] * expert_e(x) with
    // e = indices[t, j], expert_e(x) = down_e(silu(g) * u), [g, u] = chunk(gateUp_e x, 2);
    // plus the shared expert's output (the same function of its weights) where given.
    // x: f32 [T, H] (or moeInputDType's type); out: f32 [T, H] (overwritten).
    virtual void moeSwiglu(const Tensor& x, const MoeWeights& experts, const Tensor& indices,
                           const Tensor& weights, Tensor& out) = 0;

    // The experts of the router's logits: topkRouting into indices and weights (written),
    // then moeSwiglu. Default: those two ops; the GPU picks the experts inside its first
    // experts' kernel for a few tokens (a decode step's kernel fewer).
    virtual void routedMoeSwiglu(const Tensor& x, const Tensor& logits, const MoeRouting& routing,
                                 const MoeWeights& experts, Tensor& indices, Tensor& weights,
                                 Tensor& out) {
        topkRouting(logits, routing.k, routing.softmaxFirst, routing.renormalize, indices, weights);
        moeSwiglu(x, experts, indices, weights, out);
    }

    // ---- Optional hooks with CPU-compatible defaults (a GPU backend overrides them). ----

    // The element type of attention KV caches on this backend. The GPU keeps them in f16:
    // half the memory and bytes per attention step, and its flash kernel computes in f16
    // anyway. Snapshots hold f32 whatever it is, so a state moves between backends.
    virtual DType kvCacheDType() const { return DType::F32; }

    // Tokens per prefill forward pass when the caller leaves it to the backend: large
    // enough for efficient products, small enough to bound the activations' memory and
    // to report progress (and honour a cancel) often.
    virtual std::int64_t preferredPrefillChunk() const { return 512; }

    // The type linear() would take x in for this weight and this many rows: F32 (always
    // accepted) or the weight's 16-bit type where the backend would otherwise convert x
    // first (the GPU's tensor-core products). Producers of a linear's input write it so.
    virtual DType linearInputDType(const Tensor& weight, std::int64_t rows) const {
        (void)weight;
        (void)rows;
        return DType::F32;
    }

    // The type moeSwiglu takes x in for these expert weights and this many rows: F32 (always
    // accepted) or the weights' 16-bit type where the backend would convert x first (the
    // GPU's grouped experts). With the router's linearInputDType, the type a mixture of
    // experts' block input is written in.
    virtual DType moeInputDType(const Tensor& gateUp, std::int64_t rows) const {
        (void)gateUp;
        (void)rows;
        return DType::F32;
    }

    // Greedy sampling: indices[t] = argmax_v logits[t, v] (lowest index on ties).
    // logits: f32 [T, V] (rows may be strided); indices: i32 [T] in this backend's memory.
    // Default: through download()/upload(); the CUDA backend runs it on the GPU.
    virtual void argmax(const Tensor& logits, Tensor& indices) {
        const std::int64_t rows = logits.rank >= 2 ? logits.shape[0] : 1;
        const std::int64_t cols = logits.cols();
        const std::int64_t ld = logits.rank >= 2 ? logits.stride[0] : cols;
        std::vector<float> row(static_cast<std::size_t>(cols));
        std::vector<std::int32_t> best(static_cast<std::size_t>(rows));
        for (std::int64_t t = 0; t < rows; ++t) {
            download(row.data(), logits.as<float>() + t * ld, row.size() * sizeof(float));
            std::int64_t b = 0;
            for (std::int64_t v = 1; v < cols; ++v)
                if (row[std::size_t(v)] > row[std::size_t(b)]) b = v;
            best[std::size_t(t)] = std::int32_t(b);
        }
        upload(indices.data, best.data(), best.size() * sizeof(std::int32_t));
    }

    // Recorded steps: a fixed sequence of ops captured once and replayed as one launch
    // (a decode step on the GPU issues hundreds of small kernels). While `ops` runs,
    // nothing executes; the position arguments of rope, attention and storeRows are
    // recorded relative to `pos0`, so a replay at position p runs every op as if it had
    // been given its position shifted by p - pos0. Every other argument (pointers,
    // shapes, capacities) is fixed at recording time. Returns nullptr, with the reason in
    // `whyNot`, where the backend cannot record (the CPU: nothing to gain) or the ops
    // cannot be (an op that needs the host mid-way); the caller then runs them directly.
    class RecordedStep {
    public:
        virtual ~RecordedStep() = default;
    };
    virtual std::unique_ptr<RecordedStep>
    recordStep(std::int64_t pos0, const std::function<void()>& ops, std::string& whyNot) {
        (void)pos0;
        (void)ops;
        whyNot = name() + " does not record steps";
        return nullptr;
    }
    // Runs a step recorded by this backend at position pos0 (stream-ordered, like an op).
    virtual void replayStep(RecordedStep& step, std::int64_t pos0);

protected:
    // storeRows' argument checks (EngineError naming the shapes); the row length in floats.
    static std::int64_t storeRowsLength(const Tensor& src, const Tensor& dst, std::int64_t row0);

public:
    // Device memory in use and its high-water mark; resetPeak() starts a new measurement.
    virtual MemoryStats memoryStats() const { return {}; }
    virtual void resetPeak() {}
};

std::unique_ptr<Backend> makeCpuBackend(int threads = 0); // 0: all cores
#ifdef LONGVIEW_HAVE_CUDA
std::unique_ptr<Backend> makeCudaBackend(int deviceIndex = 0); // throws DeviceError
#endif

} // namespace lv
