// Mixture of SwiGLU experts: router logits, top-k routing, weighted expert sum (with the
// shared expert's output where the model has one).
#include "runtime/Blocks.h"

namespace lv {

void runMoe(const BlockContext& c, const MoeMixer& e, const Tensor& in, Tensor& out) {
    Backend& be = c.backend;
    const std::int64_t T = c.tokens;
    Tensor logits = c.workspace.scratch(0, T, e.experts);
    // With the residual norm folded into the router, the router writes the normed input the
    // experts read as well.
    Tensor x = in;
    if (c.fold) {
        x = c.workspace.scratch(1, T, in.shape[1]);
        FoldedNorm fold = *c.fold;
        fold.normedOut = &x;
        be.fusedLinear(in, &fold, e.router.tensor, nullptr, 1.0f, logits, nullptr);
    } else {
        be.linear(in, e.router.tensor, nullptr, 1.0f, logits);
    }
    Tensor idx = c.workspace.routeIndices(T, e.topK);
    Tensor w = c.workspace.routeWeights(T, e.topK);
    MoeWeights experts{&e.gateUp.tensor, &e.down.tensor};
    if (e.sharedGateUp.present()) {
        experts.sharedGateUp = &e.sharedGateUp.tensor;
        experts.sharedDown = &e.sharedDown.tensor;
    }
    be.routedMoeSwiglu(x, logits, MoeRouting{e.topK, e.softmaxFirst, e.renormalize}, experts, idx,
                       w, out);
    if (e.outScale != 1.0f) be.scale(out, e.outScale);
}

} // namespace lv
