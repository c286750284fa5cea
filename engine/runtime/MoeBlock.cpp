// Mixture of SwiGLU experts: router logits, top-k routing, weighted expert sum.
#include "runtime/Blocks.h"

namespace lv {

void runMoe(const BlockContext& c, const MoeMixer& e, const Tensor& in, Tensor& out) {
    Backend& be = c.backend;
    const std::int64_t T = c.tokens;
    Tensor logits = c.workspace.scratch(0, T, e.experts);
    be.linear(in, e.router.tensor, nullptr, 1.0f, logits);
    Tensor idx = c.workspace.routeIndices(T, e.topK);
    Tensor w = c.workspace.routeWeights(T, e.topK);
    be.topkRouting(logits, e.topK, e.softmaxFirst, e.renormalize, idx, w);
    be.moeSwiglu(in, e.gateUp.tensor, e.down.tensor, idx, w, out);
    if (e.outScale != 1.0f) be.scale(out, e.outScale);
}

} // namespace lv
