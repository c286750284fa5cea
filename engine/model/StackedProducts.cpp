#include "model/StackedProducts.h"

namespace lv {

namespace {

// A weight read as the checkpoint stores it: no slicing, view, conversion or scaling.
bool plain(const Weight& w) {
    return !w.name.empty() && w.parts.empty() && w.rowBegin == 0 && w.rowEnd == -1 &&
           w.viewShape.empty() && w.convert == Weight::Convert::None && w.rowScales.empty() &&
           !w.optional && w.shape.size() == 2;
}

bool declared(const Weight& w) {
    return !w.name.empty() || !w.parts.empty();
}

// Biases are optional in the checkpoint: whether they exist is known only once it is read,
// so a mixer that may have them keeps its separate products.
bool stackGateAndUp(MlpMixer& f) {
    if (f.activation != MlpMixer::Activation::SwiGLU || declared(f.gateUp)) return false;
    if (!plain(f.gate) || !plain(f.up) || declared(f.gateBias) || declared(f.upBias) ||
        f.gateScale != f.upScale || f.gate.shape != f.up.shape)
        return false;
    f.gateUp.parts = {f.gate.name, f.up.name};
    f.gateUp.shape = f.gate.shape;
    f.gate = Weight{};
    f.up = Weight{};
    return true;
}

bool stackQkv(AttentionMixer& a) {
    if (declared(a.qkv) || !plain(a.q) || !plain(a.k) || !plain(a.v)) return false;
    if (declared(a.qBias) || declared(a.kBias) || declared(a.vBias) || a.qScale != a.kScale ||
        a.qScale != a.vScale || a.q.shape[1] != a.k.shape[1] || a.q.shape[1] != a.v.shape[1])
        return false;
    a.qkv.parts = {a.q.name, a.k.name, a.v.name};
    a.qkv.partRows = {a.q.shape[0], a.k.shape[0], a.v.shape[0]};
    a.qkv.shape = a.q.shape;
    a.q = Weight{};
    a.k = Weight{};
    a.v = Weight{};
    return true;
}

} // namespace

int stackProducts(ModelSpec& spec) {
    int stacked = 0;
    for (auto& block : spec.blocks)
        for (auto& mixer : block.mixers) {
            if (auto* f = std::get_if<MlpMixer>(&mixer)) stacked += stackGateAndUp(*f) ? 1 : 0;
            if (auto* a = std::get_if<AttentionMixer>(&mixer)) stacked += stackQkv(*a) ? 1 : 0;
        }
    return stacked;
}

} // namespace lv
