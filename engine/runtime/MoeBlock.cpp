// Mixture of SwiGLU experts: router logits, top-k routing, weighted expert sum (with the
// shared expert's output where the model has one).
#include "runtime/Blocks.h"

namespace lv {

void runMoe(const BlockContext& c, const MoeMixer& e, const Tensor& in, Tensor& out) {
    Backend& be = c.backend;
    const std::int64_t T = c.tokens;
    Tensor logits = c.workspace.scratch(0, T, e.experts);
    be.linear(in, e.router.tensor, nullptr, 1.0f, logits);
    Tensor idx = c.workspace.routeIndices(T, e.topK);
    Tensor w = c.workspace.routeWeights(T, e.topK);
    MoeWeights experts{&e.gateUp.tensor, &e.down.tensor};
    if (e.sharedGateUp.present()) {
        experts.sharedGateUp = &e.sharedGateUp.tensor;
        experts.sharedDown = &e.sharedDown.tensor;
    }
    be.routedMoeSwiglu(in, logits, MoeRouting{e.topK, e.softmaxFirst, e.renormalize}, experts, idx,
                       w, out);
    if (e.outScale != 1.0f) be.scale(out, e.outScale);
}

} // namespace lv
