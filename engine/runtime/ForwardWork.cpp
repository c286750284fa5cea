#include "runtime/ForwardWork.h"

#include <initializer_list>
#include <type_traits>

namespace lv {

namespace {

struct Tally {
    double flopsPerToken = 0, bytes = 0;
    void add(std::initializer_list<const Weight*> ws, double share = 1.0) {
        for (const Weight* w : ws)
            if (w->present() && w->tensor.rank >= 2) {
                flopsPerToken += 2.0 * double(w->tensor.numel()) * share;
                bytes += double(w->tensor.bytes()) * share;
            }
    }
};

} // namespace

ForwardWork forwardWork(const ModelSpec& spec, std::int64_t context, DType kvCache) {
    Tally products;
    double attentionFlops = 0, cacheBytes = 0, stateBytes = 0;
    const double n = double(context);
    for (const Block& block : spec.blocks)
        for (const Mixer& mixer : block.mixers)
            std::visit(
                [&](const auto& m) {
                    using M = std::decay_t<decltype(m)>;
                    if constexpr (std::is_same_v<M, Mamba2Mixer>) {
                        products.add({&m.inProj, &m.inProjZ, &m.inProjXbcDt, &m.outProj});
                        stateBytes += 4.0 * double(m.heads * m.headDim * m.state +
                                                   (m.convKernel - 1) * m.convChannels());
                    } else if constexpr (std::is_same_v<M, Mamba1Mixer>) {
                        products.add({&m.inProjX, &m.inProjZ, &m.xProj, &m.dtProj, &m.outProj});
                        stateBytes +=
                            4.0 * double(m.inner * m.state + (m.convKernel - 1) * m.inner);
                    } else if constexpr (std::is_same_v<M, AttentionMixer>) {
                        products.add({&m.q, &m.k, &m.v, &m.qkv, &m.o});
                        // QK^T and PV: 2 multiply-adds per head dimension and (query, key)
                        // pair; a causal prefill has n (n + 1) / 2 pairs.
                        attentionFlops += 4.0 * double(m.heads * m.headDim) * n * (n + 1) / 2;
                        cacheBytes += 2.0 * n * double(m.kvHeads * m.headDim * dtypeSize(kvCache));
                    } else if constexpr (std::is_same_v<M, MlpMixer>) {
                        products.add({&m.gate, &m.up, &m.gateUp, &m.down});
                    } else if constexpr (std::is_same_v<M, MoeMixer>) {
                        products.add({&m.router, &m.sharedGateUp, &m.sharedDown});
                        products.add({&m.gateUp, &m.down}, double(m.topK) / double(m.experts));
                    }
                },
                mixer);
    ForwardWork w;
    const double lmHead = spec.lmHead.present() ? double(spec.lmHead.tensor.numel()) : 0.0;
    w.prefillFlops = products.flopsPerToken * n + attentionFlops + 2.0 * lmHead;
    w.decodeBytes = products.bytes +
                    (spec.lmHead.present() ? double(spec.lmHead.tensor.bytes()) : 0.0) +
                    cacheBytes + 2.0 * stateBytes;
    return w;
}

} // namespace lv
