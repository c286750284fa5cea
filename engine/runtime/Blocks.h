// The shared mixer implementations. Each runs one mixer over a chunk of tokens through
// lv::Backend only (no host access to activations), so every backend runs the same
// model code: in = normed input [T, hidden], out = mixer output [T, hidden] (or the
// residual stream its last product adds into, BlockContext::addToOut).
#pragma once

#include "backend/Backend.h"
#include "model/ModelSpec.h"
#include "runtime/ModelState.h"
#include "runtime/Workspace.h"

#include <cstdint>

namespace lv {

// The previous block's residual add and this block's norm, left for this block's first
// product to do (Backend::linearOfAddRmsNorm): the residual moves from x to xOut.
using FoldedNorm = Backend::ResidualNorm;

struct BlockContext {
    Backend& backend;
    Workspace& workspace;
    std::int64_t tokens; // T
    std::int64_t pos0;   // position of the first token
    // Set by the forward pass for a block whose mixer starts with one product of its
    // input (see foldsIntoFirstProduct); `in` is then not written.
    const FoldedNorm* fold = nullptr;
    // Set by the forward pass (Backend::addsInProducts) for a mixer that ends in one
    // product (see addsInLastProduct): `out` is then the residual stream, and that product
    // adds the mixer's output times residualScale into it instead of writing it.
    bool addToOut = false;
    float residualScale = 1.0f;
};

// Whether a mixer's output is its last product's alone, so that the product may add it
// into the residual stream itself (every mixer but a mixture of experts, whose output is a
// weighted sum of its experts').
bool addsInLastProduct(const Mixer& mixer);

// A mixer's last product's scale and mode: (scale, Write) for a mixer output of its own,
// (residualScale * scale, Add) where the product adds into the residual stream.
inline float lastProductScale(const BlockContext& c, float scale) {
    return c.addToOut ? c.residualScale * scale : scale;
}
inline ProductOut lastProductOut(const BlockContext& c) {
    return c.addToOut ? ProductOut::Add : ProductOut::Write;
}

// Whether a mixer reads its normed input through one product and nothing else, so that
// the forward pass may fold the residual add and norm into it (a fused in_proj or gate-up).
bool foldsIntoFirstProduct(const Mixer& mixer);

// A mixer's product of its normed input: linear(in), or, with c.fold set,
// linearOfAddRmsNorm (which makes the normed input itself).
void linearOfInput(const BlockContext& c, const Tensor& in, const Tensor& weight,
                   const Tensor* bias, float scale, Tensor& out);

void runMamba2(const BlockContext& c, const Mamba2Mixer& m, const Tensor& in, Tensor& out,
               ModelState::Slot& state);
void runMamba1(const BlockContext& c, const Mamba1Mixer& m, const Tensor& in, Tensor& out,
               ModelState::Slot& state);
void runAttention(const BlockContext& c, const AttentionMixer& a, const Tensor& in, Tensor& out,
                  ModelState::Slot& state);
void runMlp(const BlockContext& c, const MlpMixer& f, const Tensor& in, Tensor& out);
void runMoe(const BlockContext& c, const MoeMixer& e, const Tensor& in, Tensor& out);

// The bias of a Weight for Backend::linear: null when the checkpoint has none.
inline const Tensor* biasOf(const Weight& w) {
    return w.present() ? &w.tensor : nullptr;
}

// The memory of a contiguous f32 [T, C] tensor as a contiguous [T, C] of another type
// (16-bit inputs of a linear, written where the f32 activations would be).
inline Tensor retyped(const Tensor& t, DType dtype) {
    return Tensor::contiguous(t.data, dtype, {t.shape[0], t.shape[1]}, t.device);
}

// A strided view of columns [col, col + width) of a contiguous [T, C] tensor.
inline Tensor columns(const Tensor& t, std::int64_t col, std::int64_t width) {
    Tensor v = t;
    v.data = static_cast<char*>(t.data) + std::size_t(col) * dtypeSize(t.dtype);
    v.shape[1] = width;
    return v;
}

} // namespace lv
