// Attention mixer: q/k/v projections (with their constant scales), RoPE on the rotary
// part of each head, append k/v to the cache, causal GQA attention, o_proj.
#include "runtime/Blocks.h"

namespace lv {

void runAttention(const BlockContext& c, const AttentionMixer& a, const Tensor& in, Tensor& out,
                  ModelState::Slot& state) {
    Backend& be = c.backend;
    const std::int64_t T = c.tokens;
    const std::int64_t qw = a.heads * a.headDim, kw = a.kvHeads * a.headDim;

    Tensor q = c.workspace.scratch(0, T, qw);
    Tensor k = c.workspace.scratch(1, T, kw);
    Tensor v = c.workspace.scratch(2, T, kw);
    be.linear(in, a.q.tensor, biasOf(a.qBias), a.qScale, q);
    be.linear(in, a.k.tensor, biasOf(a.kBias), a.kScale, k);
    be.linear(in, a.v.tensor, biasOf(a.vBias), a.vScale, v);

    Tensor q3 = Tensor::contiguous(q.data, DType::F32, {T, a.heads, a.headDim}, q.device);
    Tensor k3 = Tensor::contiguous(k.data, DType::F32, {T, a.kvHeads, a.headDim}, k.device);
    if (a.rope && a.rotaryDim > 0) {
        be.rope(q3, c.pos0, a.ropeTheta, a.rotaryDim);
        be.rope(k3, c.pos0, a.ropeTheta, a.rotaryDim);
    }

    Tensor kCache = state.key.view(state.kvDtype, {state.capacity, a.kvHeads, a.headDim});
    Tensor vCache = state.value.view(state.kvDtype, {state.capacity, a.kvHeads, a.headDim});
    be.storeRows(k3, kCache, c.pos0);
    be.storeRows(Tensor::contiguous(v.data, DType::F32, {T, a.kvHeads, a.headDim}, v.device),
                 vCache, c.pos0);

    Tensor attn = Tensor::contiguous(c.workspace.scratch(3, T, qw).data, DType::F32,
                                     {T, a.heads, a.headDim}, q.device);
    be.attention(q3, kCache, vCache, c.pos0, a.softmaxScale, attn);
    be.linear(c.workspace.scratch(3, T, qw), a.o.tensor, biasOf(a.oBias), a.oScale, out);
}

} // namespace lv
