#include "model/ModelSpec.h"

namespace lv {

namespace {

template <class SpecT, class WeightT, class Fn> void visit(SpecT& spec, Fn&& fn) {
    fn(spec.embedding);
    for (auto& b : spec.blocks) {
        fn(b.norm);
        for (auto& m : b.mixers) {
            std::visit(
                [&](auto& x) {
                    using X = std::decay_t<decltype(x)>;
                    if constexpr (std::is_same_v<X, Mamba2Mixer>) {
                        for (WeightT* w :
                             {&x.inProj, &x.inProjBias, &x.inProjZ, &x.inProjXbcDt, &x.inProjZBias,
                              &x.inProjXbcDtBias, &x.convWeight, &x.convBias, &x.A, &x.D, &x.dtBias,
                              &x.norm, &x.outProj, &x.outProjBias})
                            fn(*w);
                    } else if constexpr (std::is_same_v<X, Mamba1Mixer>) {
                        for (WeightT* w :
                             {&x.inProjX, &x.inProjZ, &x.inProjXBias, &x.inProjZBias, &x.convWeight,
                              &x.convBias, &x.xProj, &x.dtProj, &x.dtProjBias, &x.A, &x.D,
                              &x.dtNorm, &x.bNorm, &x.cNorm, &x.outProj, &x.outProjBias})
                            fn(*w);
                    } else if constexpr (std::is_same_v<X, AttentionMixer>) {
                        for (WeightT* w : {&x.q, &x.k, &x.v, &x.qkv, &x.o, &x.qBias, &x.kBias,
                                           &x.vBias, &x.oBias})
                            fn(*w);
                    } else if constexpr (std::is_same_v<X, MlpMixer>) {
                        for (WeightT* w : {&x.gate, &x.up, &x.gateUp, &x.down, &x.gateBias,
                                           &x.upBias, &x.downBias})
                            fn(*w);
                    } else if constexpr (std::is_same_v<X, MoeMixer>) {
                        for (WeightT* w :
                             {&x.router, &x.gateUp, &x.down, &x.sharedGateUp, &x.sharedDown})
                            fn(*w);
                    }
                },
                m);
        }
    }
    fn(spec.finalNorm);
    fn(spec.lmHead);
}

} // namespace

void forEachWeight(ModelSpec& spec, const std::function<void(Weight&)>& fn) {
    visit<ModelSpec, Weight>(spec, [&](Weight& w) {
        if (!w.name.empty() || !w.parts.empty()) fn(w);
    });
}

void forEachWeight(const ModelSpec& spec, const std::function<void(const Weight&)>& fn) {
    visit<const ModelSpec, const Weight>(spec, [&](const Weight& w) {
        if (!w.name.empty() || !w.parts.empty()) fn(w);
    });
}

const char* mixerName(const Mixer& m) {
    switch (m.index()) {
    case 0:
        return "mamba2";
    case 1:
        return "attention";
    case 2:
        return std::get<MlpMixer>(m).activation == MlpMixer::Activation::SwiGLU ? "mlp"
                                                                                : "mlp-relu2";
    case 3:
        return "moe";
    case 4:
        return "mamba1";
    }
    return "?";
}

} // namespace lv
