// Attention mixer: q/k/v projections (with their constant scales; one stacked product
// where the loader stacked them), RoPE on the rotary part of q and k and the k/v append to
// the caches (one backend call), causal GQA attention, o_proj.
#include "runtime/Blocks.h"

namespace lv {

namespace {

// Heads [first, first + count) of rows laid out as whole heads, as a [T, count, D] view.
Tensor headsOf(const Tensor& rows, std::int64_t first, std::int64_t count, std::int64_t D) {
    Tensor v = Tensor::contiguous(static_cast<float*>(rows.data) + first * D, DType::F32,
                                  {rows.shape[0], count, D}, rows.device);
    v.stride[0] = rows.stride[0];
    return v;
}

} // namespace

void runAttention(const BlockContext& c, const AttentionMixer& a, const Tensor& in, Tensor& out,
                  ModelState::Slot& state) {
    Backend& be = c.backend;
    const std::int64_t T = c.tokens, D = a.headDim;
    const std::int64_t qw = a.heads * D, kw = a.kvHeads * D;
    const bool rope = a.rope && a.rotaryDim > 0;

    Tensor q3, k3, v3;
    if (a.qkv.present()) {
        // Each row of the one product holds the heads of q, then k, then v.
        Tensor qkv = c.workspace.scratch(0, T, qw + 2 * kw);
        linearOfInput(c, in, a.qkv.tensor, nullptr, a.qScale, qkv);
        q3 = headsOf(qkv, 0, a.heads, D);
        k3 = headsOf(qkv, a.heads, a.kvHeads, D);
        v3 = headsOf(qkv, a.heads + a.kvHeads, a.kvHeads, D);
    } else {
        Tensor q = c.workspace.scratch(0, T, qw);
        Tensor k = c.workspace.scratch(1, T, kw);
        Tensor v = c.workspace.scratch(2, T, kw);
        be.linear(in, a.q.tensor, biasOf(a.qBias), a.qScale, q);
        be.linear(in, a.k.tensor, biasOf(a.kBias), a.kScale, k);
        be.linear(in, a.v.tensor, biasOf(a.vBias), a.vScale, v);
        q3 = headsOf(q, 0, a.heads, D);
        k3 = headsOf(k, 0, a.kvHeads, D);
        v3 = headsOf(v, 0, a.kvHeads, D);
    }

    Tensor kCache = state.key.view(state.kvDtype, {state.capacity, a.kvHeads, D});
    Tensor vCache = state.value.view(state.kvDtype, {state.capacity, a.kvHeads, D});
    be.ropeAndAppend(q3, k3, v3, kCache, vCache, c.pos0, a.ropeTheta, rope ? a.rotaryDim : 0);

    Tensor attn = headsOf(c.workspace.scratch(3, T, qw), 0, a.heads, D);
    be.attention(q3, kCache, vCache, c.pos0, a.softmaxScale, attn);
    be.linear(c.workspace.scratch(3, T, qw), a.o.tensor, biasOf(a.oBias),
              lastProductScale(c, a.oScale), out, lastProductOut(c));
}

} // namespace lv
