// Host-side launchers of the CUDA backend's kernels, one .cu file per family.
// All take raw device pointers, element strides and the backend's stream; none synchronizes.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace lv::cuda {

// A row-major matrix of float32 rows in device memory: row r starts at data + r * ld.
struct Rows {
    float* data;
    std::int64_t rows;
    std::int64_t cols;
    std::int64_t ld;
};

// Rows an op writes: f32, or bf16 (1) / f16 (2) when they are a 16-bit linear's input.
// Strides in elements, as for Rows.
// Rows of 16-bit values (bf16 unless told), as Rows.
struct HalfRows {
    void* data;
    std::int64_t rows;
    std::int64_t cols;
    std::int64_t ld;
};

// Rows of an op's input stored as f32 or bf16 (activations a GPU's prefill writes in
// bf16: Backend::mamba2ProjectionDType, ssdOutputDType), strides in elements.
struct TypedRows {
    const void* data;
    std::int64_t rows;
    std::int64_t cols;
    std::int64_t ld;
    bool bf16;
};

struct OutRows {
    void* data;
    std::int64_t rows;
    std::int64_t cols;
    std::int64_t ld;
    int dtype;
};

// A weight of any storage dtype (0 f32, 1 bf16, 2 f16 as in lv::DType), contiguous.
struct Weight {
    const void* data;
    int dtype;
};

// A position known on the device at run time: *base + offset, or offset alone when base is
// null. Recorded steps (CUDA graphs) read positions from device memory so that one
// recording replays at every position.
struct DevicePos {
    const std::int64_t* base;
    std::int64_t offset;
#ifdef __CUDACC__
    __device__ std::int64_t value() const {
        return base ? *base + offset : offset;
    }
#endif
};

// Elementwise.cu
// dst rows [row0, row0 + rows) = src rows, srcPitch bytes apart in src; rowBytes and
// srcPitch multiples of 16, both pointers 16-byte aligned.
void launchStoreRows(const void* src, std::int64_t srcPitch, void* dst, std::int64_t rowBytes,
                     std::int64_t rows, DevicePos row0, cudaStream_t s);
// The same into a bf16 (dtype 1) or f16 (dtype 2, saturating) cache of rowLen-element rows,
// src rows srcLd floats apart.
void launchStoreRowsConverted(const float* src, std::int64_t srcLd, void* dst, int dstDtype,
                              std::int64_t rowLen, std::int64_t rows, DevicePos row0,
                              cudaStream_t s);
void launchFill(float* dst, float value, std::int64_t count, cudaStream_t s);
void launchEmbedding(const std::int32_t* ids, Weight table, std::int64_t vocab,
                     std::int64_t ldTable, float scale, Rows out, cudaStream_t s);
void launchAddScaled(Rows a, Rows b, float scale, Rows out, cudaStream_t s);
void launchScale(Rows x, float scale, cudaStream_t s);
void launchSwiglu(Rows gate, Rows up, OutRows out, cudaStream_t s);
// swiglu of bf16 gate and up (a gate-up product written in bf16) into out.
void launchSwigluHalfIn(HalfRows gate, HalfRows up, OutRows out, cudaStream_t s);
void launchReluSquared(Rows x, cudaStream_t s);
void launchSilu(Rows x, cudaStream_t s);
void launchAddBias(Rows x, const float* bias, float scale, cudaStream_t s); // x += scale * bias
// f32 rows -> contiguous bf16 (dtype 1) or f16 (dtype 2) [rows, cols].
void launchToHalfRows(Rows x, void* dst, int dtype, cudaStream_t s);
// bf16 rows -> f32 rows of the same shape (dst's rows and cols).
void launchWidenRows(HalfRows src, Rows dst, cudaStream_t s);
// Contiguous conversion between any two of f32/bf16/f16.
void launchConvert(const void* src, int srcDtype, void* dst, int dstDtype, std::int64_t count,
                   cudaStream_t s);

// Gemv.cu: out[t, n] = alpha * (x[t] . w[n] + bias[n]) for up to kGemvMaxRows rows of x
// (decode); w [N, K] of dtype 0/1/2 with 16-byte aligned rows.
constexpr std::int64_t kGemvMaxRows = 4;
// What the product's input is: x itself, silu(x) * other (swiglu), Mamba2's gated group
// RMSNorm of x with z = other (norm weight, group size, eps, order as for gatedRmsNorm), or
// the residual stream's add and norm, rmsNorm(x + scale * other) * norm (groupSize = K),
// with x + scale * other also written to residualOut (each block a slice of it). Each
// block computes the input while it stages x (the decode step's fused ops).
enum : int { kGemvPlain = 0, kGemvSwiglu = 1, kGemvGatedNorm = 2, kGemvAddRmsNorm = 3 };
struct GemvInput {
    int kind = kGemvPlain;
    Rows other{};
    Weight norm{};
    std::int64_t groupSize = 0;
    float eps = 0.0f;
    bool normBeforeGate = false;
    float scale = 1.0f; // kGemvAddRmsNorm
    Rows residualOut{}; // kGemvAddRmsNorm
};
// After the product, the causal conv (+ SiLU) of output columns [c0, c0 + channels) into
// out, rolling state [channels, K-1] (Mamba2's x-B-C): the thread that finishes an output row
// owns that channel's window. out.data null: none.
struct GemvConv {
    std::int64_t c0 = 0, channels = 0;
    Weight w{}; // [channels, K]
    int K = 0;
    const float* bias = nullptr;
    float* state = nullptr;
    bool silu = false;
    Rows out{};
};
bool gemvApplies(Rows x, const void* w, std::int64_t ldw, int dtype);
void launchGemv(Rows x, const void* w, std::int64_t ldw, int dtype, const float* bias, float alpha,
                Rows out, cudaStream_t s, const GemvInput& in = {}, const GemvConv& conv = {});

// Norms.cu
void launchRmsNorm(Rows x, Weight w, float eps, OutRows out, cudaStream_t s);
// x += scale * delta, then out = rmsNorm(x) * w; false (nothing launched) for rows longer
// than 4096 elements.
bool launchAddRmsNorm(Rows x, Rows delta, float scale, Weight w, float eps, OutRows out,
                      cudaStream_t s);
// x (the SSD's y) and z (from in_proj) each f32 or, as a GPU's prefill writes them, bf16.
void launchGatedRmsNorm(TypedRows x, TypedRows z, Weight w, std::int64_t groupSize, float eps,
                        bool normBeforeGate, OutRows out, cudaStream_t s);

// Conv1d.cu. state: f32 [C, K-1] contiguous; bias may be null.
// out f32, or bf16 for the SSD that reads it (Backend::ssdInputDType).
void launchCausalConv1d(Rows x, Weight w, std::int64_t kernelSize, const float* bias, float* state,
                        bool applySilu, OutRows out, cudaStream_t s);
// The same over bf16 input rows (in_proj's output in a GPU's prefill).
void launchCausalConv1dHalfIn(HalfRows x, Weight w, std::int64_t kernelSize, const float* bias,
                              float* state, bool applySilu, OutRows out, cudaStream_t s);

// Ssd.cu
// x, B and C are f32, or bf16 (xbcBf16: the conv's prefill output, ssdInputDType) for the
// chunked form's bf16 kernels only (ssdChunkedReadsBf16); every other form reads f32.
struct SsdArgs {
    const void* x; // [T, H, P], row stride ldx
    std::int64_t ldx;
    const void* dt; // [T, H], row stride lddt: f32, or bf16 (dtBf16, in_proj's prefill output)
    std::int64_t lddt;
    const float* A; // [H]
    const void* B;  // [T, G, N], row stride ldb
    std::int64_t ldb;
    const void* C; // [T, G, N], row stride ldc
    std::int64_t ldc;
    const float* D;      // [H]
    const float* dtBias; // [H]
    float* state;        // [H, P, N]
    void* y; // [T, H, P], row stride ldy: f32, or bf16 (yBf16, for the gated norm after it)
    std::int64_t ldy;
    std::int64_t T, H, P, G, N;
    float dtMin, dtMax;
    bool bf16Products; // SsdParams::bf16Products: the chunked form's products on bf16
    bool dtBf16 = false;
    bool yBf16 = false; // y 4-byte aligned then (host check), so that an even i takes a pair
    bool xbcBf16 = false;
    // The f32 forms' view of x, B and C.
    __host__ __device__ const float* xF32() const { return static_cast<const float*>(x); }
    __host__ __device__ const float* bF32() const { return static_cast<const float*>(B); }
    __host__ __device__ const float* cF32() const { return static_cast<const float*>(C); }
#ifdef __CUDACC__
    __device__ float dtAt(std::int64_t t, std::int64_t h) const {
        const std::int64_t i = t * lddt + h;
        return dtBf16 ? __bfloat162float(static_cast<const __nv_bfloat16*>(dt)[i])
                      : static_cast<const float*>(dt)[i];
    }
    __device__ void storeY(std::int64_t i, float v) const {
        if (yBf16)
            static_cast<__nv_bfloat16*>(y)[i] = __float2bfloat16_rn(v);
        else
            static_cast<float*>(y)[i] = v;
    }
    // y[i], y[i + 1] = v0, v1.
    __device__ void storeY2(std::int64_t i, float v0, float v1) const {
        if (yBf16 && (i & 1) == 0) {
            *reinterpret_cast<__nv_bfloat162*>(static_cast<__nv_bfloat16*>(y) + i) =
                __floats2bfloat162_rn(v0, v1);
            return;
        }
        storeY(i, v0);
        storeY(i + 1, v1);
    }
#endif
};
void launchSsdRecurrent(const SsdArgs& a, cudaStream_t s);
// The chunked form for prefill; needs ssdChunkedScratchBytes(a) of device scratch.
std::size_t ssdChunkedScratchBytes(const SsdArgs& a);
void launchSsdChunked(const SsdArgs& a, void* scratch, cudaStream_t s);
// Whether launchSsdChunked reads x, B and C as bf16 for these arguments (a bf16 checkpoint's
// cp.async kernels, 16-byte aligned rows; no switch asking for an older form). Else the
// caller widens them to f32 first.
bool ssdChunkedReadsBf16(const SsdArgs& a);
// sm90a/SsdScanWgmma.cu: the all-bf16 whole-chunk scan on Hopper's warpgroup products (P = 64,
// N = 128; the default there, LONGVIEW_CUDA_SSD_SCAN=mma for the mma.sync form). Its scratch:
// SsdChunked.cu's, as pointers.
struct SsdScanScratch {
    const float* cum;  // [nc, H, L]: cumulative dt * A within each chunk
    const float* dtp;  // [nc, H, L]
    const void* CB;    // [nc, G, L, L] bf16, on and below the diagonal
    const void* Sprev; // [nc, H, P, N] bf16: the state before each chunk
};
bool ssdScanWgmmaApplies(const SsdArgs& a);
void launchSsdScanWgmma(const SsdArgs& a, std::int64_t t0, int nc, const SsdScanScratch& w,
                        cudaStream_t s);

// sm90a/SsdStateWgmma.cu: the chunk states on Hopper's warpgroup products for bf16 x and B
// (P = 64, N = 128; the default there, LONGVIEW_CUDA_SSD_STATES=mma for the mma.sync form).
// Writes S [nc, H, P, N] in f32.
struct SsdStateScratch {
    const float* cum; // [nc, H, L]
    const float* dtp; // [nc, H, L]
    float* S;         // [nc, H, P, N]
};
bool ssdStateWgmmaApplies(const SsdArgs& a);
void launchSsdStateWgmma(const SsdArgs& a, std::int64_t t0, int nc, const SsdStateScratch& w,
                         cudaStream_t s);

// Rope.cu: x [T, heads, headDim] with row stride ld (elements between tokens).
void launchRope(float* x, std::int64_t ld, std::int64_t T, std::int64_t heads, std::int64_t headDim,
                DevicePos pos0, float theta, std::int64_t rotaryDim, cudaStream_t s);
// An attention step's q and k rotated (rotaryDim 0: not) and k, v appended to the caches
// (cacheDtype 0 f32, 1 bf16, 2 f16) at rows position + t, one launch for T tokens.
struct RopeAppendArgs {
    float* q;
    std::int64_t ldq;
    float* k;
    std::int64_t ldk;
    float* v; // read only
    std::int64_t ldv;
    int Hq, Hkv, headDim, rotaryDim;
    float theta;
    DevicePos position;
    void* kCache;
    void* vCache;
    int cacheDtype;
};
void launchRopeAppend(const RopeAppendArgs& a, std::int64_t T, cudaStream_t s);

// Attention.cu
struct AttentionArgs {
    const float* q; // [T, Hq, d], row stride ldq
    std::int64_t ldq;
    const void* k; // [capacity, Hkv, d] contiguous, f32 / bf16 / f16
    const void* v;
    int kvDtype;
    float* out; // [T, Hq, d], row stride ldo
    std::int64_t ldo;
    std::int64_t T, Hq, Hkv, d, pos0;
    float scale;
    // Recorded steps: the position is *pos0Dev + pos0, and keyBound (>= every pos0 + T the
    // recording will see) sizes the split-K grid. Otherwise null and pos0 + T.
    const std::int64_t* pos0Dev;
    std::int64_t keyBound;
};
// Whether the split-K decode kernel serves these arguments (recorded steps need it: it is
// the only one that reads its position from the device).
bool attentionUsesDecodeKernel(const AttentionArgs& a);
// Device scratch the chosen kernel needs (split-K partials for decode), maybe 0.
std::size_t attentionScratchBytes(const AttentionArgs& a);
void launchAttention(const AttentionArgs& a, void* scratch, cudaStream_t s);
// sm90a/FlashAttentionWgmma.cu: prefill attention on Hopper's warpgroup products, built for
// sm_90a alone. Available on a device of compute capability 9.0; applies to f16 caches of
// head dim 64 or 128 with 16-byte aligned rows.
bool flashWgmmaAvailable();
bool flashWgmmaApplies(const AttentionArgs& a);
void launchFlashWgmma(const AttentionArgs& a, cudaStream_t s);
// sm90a/FlashAttentionWarpSpecialized.cu: the same with a TMA producer warpgroup and the two
// consumers taking turns at the tensor cores (where flashWgmmaApplies); false where it does
// not serve the call (a recorded step's device position, no tensor-map encoder).
bool launchFlashWarpSpecialized(const AttentionArgs& a, cudaStream_t s);
// For the op tests: one tile through the wgmma kernel's own steps, s = Q K^T [64][128] and
// o = f16(s) V [64][d] (q [64][d], k and v [128][d], f16 bits); synchronous, throws
// DeviceError on a CUDA failure. d is 64 or 128.
void probeWgmmaLayouts(int d, const std::uint16_t* q, const std::uint16_t* k,
                       const std::uint16_t* v, float* s, float* o);

// Routing.cu: logits [T, E] -> indices i32 [T, k], weights f32 [T, k] (contiguous outputs).
void launchTopkRouting(Rows logits, std::int64_t k, bool softmaxFirst, bool renormalize,
                       std::int32_t* indices, float* weights, cudaStream_t s);

// Moe.cu
struct MoeArgs {
    Rows x;                // [T, H]; data null where x is bf16 already, in xb
    Weight gateUp;         // [E, 2F, H]
    Weight down;           // [E, H, F]
    std::int32_t* indices; // [T, k]; written by the rows form's gate-up where it routes
    float* weights;        // [T, k]; likewise
    Rows out;              // [T, H]
    std::int64_t E, F, k;
    // The rows form's gate-up picks each token's experts itself from the router's logits
    // [T, E] where logits.data is set (routeToken; indices and weights are then its output).
    Rows logits;
    bool softmaxFirst, renormalize;
    // The shared expert (Fs = 0: none): [2 Fs, H] and [H, Fs], each token at weight 1. The rows
    // form runs it in its two kernels (its activations in sharedAct [T, Fs]); the others add
    // its output sharedOut [T, H], made by the backend's products, in their sum.
    Weight sharedGateUp, sharedDown;
    std::int64_t Fs;
    float* sharedAct;
    const float* sharedOut;
    float* scratchAct; // [T * k, F] (the direct and rows forms)
    float* scratchOut; // [T * k, H] (the direct form)
    // The grouped form's scratch (null for the direct form): x in bf16 [T, H], the slots in
    // expert order [T * k], each expert's first row [E + 1], the tiles (expert, first row)
    // [moeGroupedTiles] and their count, the activations in expert order [T * k, F], and each
    // slot's output [T * k, H] in bf16 (as the activations before it: half the bytes of the
    // widest buffer of a prefill chunk's experts, written once and read once).
    __nv_bfloat16* partial;
    __nv_bfloat16* xb;
    int* order;
    int* offsets;
    int2* tiles;
    int* tileCount;
    __nv_bfloat16* act;
    // The grouping's blocks (moeGroupBlocks, chosen once with the scratch) and, where more
    // than one, each block's counts [groupBlocks, E].
    int groupBlocks;
    int* groupCounts;
};
// direct: a warp an output element of each slot (any weights; LONGVIEW_CUDA_MOE=direct);
// rows: a few tokens (decode), each slot's expert rows streamed in 16-byte pieces; grouped:
// the slots sorted by expert, tensor-core tiles of 128 slots (LONGVIEW_CUDA_MOE=grouped for
// a few tokens too; warp-specialized wgmma tiles on compute capability 9.0 unless
// LONGVIEW_CUDA_MOE=mma or =wgmma). The two
// 16-bit forms take bf16 weights with H and F multiples of 8.
enum class MoeForm { direct, rows, grouped };
// The rows form's gate-up picks its slots' experts itself (MoeArgs::logits) for up to this
// many a token.
constexpr std::int64_t kMoeRowsMaxPicks = 32;
MoeForm moeFormOf(const MoeArgs& a);
// The most tiles of slots the grouped form may list.
std::int64_t moeGroupedTiles(std::int64_t slots, std::int64_t experts);
// The blocks the grouped form's grouping takes (1: one kernel of one block; more: its counts
// in groupCounts).
int moeGroupBlocks(std::int64_t slots, std::int64_t experts);
void launchMoeSwiglu(const MoeArgs& a, MoeForm form, cudaStream_t s);
// sm90a/MoeTilesWgmma.cu: the grouped form's tiles on Hopper's warpgroup products, where the
// device is of compute capability 9.0 (LONGVIEW_CUDA_MOE=mma: the mma.sync tiles).
bool moeWgmmaAvailable();
void launchMoeTilesWgmma(const MoeArgs& a, unsigned tiles, cudaStream_t s);
// sm90a/MoeTilesWarpSpecialized.cu: the same tiles by a producer warpgroup and two consumers,
// one block an SM walking the tiles: the default where moeWgmmaAvailable (LONGVIEW_CUDA_MOE=
// wgmma: launchMoeTilesWgmma's).
void launchMoeTilesWarpSpecialized(const MoeArgs& a, unsigned tiles, cudaStream_t s);

// Sampling.cu: indices[t] = argmax of row t (lowest index on ties).
void launchArgmax(Rows logits, std::int32_t* indices, cudaStream_t s);

} // namespace lv::cuda
