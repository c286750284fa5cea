#include "model/StackedProducts.h"

namespace lv {

namespace {

// A weight read as the checkpoint stores it: no slicing, view, conversion or scaling.
bool plain(const Weight& w) {
    return !w.name.empty() && w.parts.empty() && w.rowBegin == 0 && w.rowEnd == -1 &&
           w.viewShape.empty() && w.convert == Weight::Convert::None && w.rowScales.empty() &&
           !w.optional;
}

} // namespace

int stackGateAndUp(ModelSpec& spec) {
    int stacked = 0;
    for (auto& block : spec.blocks)
        for (auto& mixer : block.mixers) {
            auto* mlp = std::get_if<MlpMixer>(&mixer);
            if (!mlp || mlp->activation != MlpMixer::Activation::SwiGLU) continue;
            if (!mlp->gateUp.name.empty() || !mlp->gateUp.parts.empty()) continue;
            // Biases are optional in the checkpoint: whether they exist is known only once
            // it is read, so a biased MLP keeps its two products.
            if (!plain(mlp->gate) || !plain(mlp->up) || !mlp->gateBias.name.empty() ||
                !mlp->upBias.name.empty() || mlp->gateScale != mlp->upScale ||
                mlp->gate.shape != mlp->up.shape)
                continue;
            Weight gateUp;
            gateUp.parts = {mlp->gate.name, mlp->up.name};
            gateUp.shape = mlp->gate.shape;
            mlp->gateUp = std::move(gateUp);
            mlp->gate = Weight{};
            mlp->up = Weight{};
            ++stacked;
        }
    return stacked;
}

} // namespace lv
