// The residual add and norm a mixer's first product may take with it (decode on the GPU),
// and the residual add its last product may take (prefill on the GPU).
#include "runtime/Blocks.h"

namespace lv {

bool foldsIntoFirstProduct(const Mixer& mixer) {
    if (const auto* m = std::get_if<Mamba2Mixer>(&mixer)) return m->inProj.tensor.data != nullptr;
    if (const auto* f = std::get_if<MlpMixer>(&mixer)) return f->gateUp.tensor.data != nullptr;
    if (const auto* a = std::get_if<AttentionMixer>(&mixer)) return a->qkv.tensor.data != nullptr;
    return false;
}

bool addsInLastProduct(const Mixer& mixer) {
    return !std::holds_alternative<MoeMixer>(mixer);
}

void linearOfInput(const BlockContext& c, const Tensor& in, const Tensor& weight,
                   const Tensor* bias, float scale, Tensor& out) {
    if (!c.fold) {
        c.backend.linear(in, weight, bias, scale, out);
        return;
    }
    const FoldedNorm& f = *c.fold;
    c.backend.linearOfAddRmsNorm(*f.x, *f.delta, f.scale, *f.weight, f.eps, *f.xOut, weight, bias,
                                 scale, out);
}

} // namespace lv
