#include "runtime/Workspace.h"

#include <algorithm>

namespace lv {

Workspace::Workspace(Backend& backend, const ModelSpec& spec, std::int64_t maxTokens)
    : backend_(backend), maxTokens_(maxTokens), hidden_(spec.hidden), vocab_(spec.vocab) {
    std::int64_t wide = spec.hidden, topK = 1;
    std::int64_t wideFirst = 0; // scratch 0 alone also holds fused projections
    for (const auto& b : spec.blocks)
        for (const auto& m : b.mixers) {
            if (const auto* x = std::get_if<Mamba2Mixer>(&m)) {
                wide = std::max({wide, x->inner(), x->convChannels() + x->heads});
                if (!x->inProj.name.empty()) wideFirst = std::max(wideFirst, x->inProjRows());
            } else if (const auto* a = std::get_if<AttentionMixer>(&m)) {
                wide = std::max(wide, std::max(a->heads, a->kvHeads) * a->headDim);
                if (a->qkv.present())
                    wideFirst = std::max(wideFirst, (a->heads + 2 * a->kvHeads) * a->headDim);
            } else if (const auto* f = std::get_if<MlpMixer>(&m)) {
                wide = std::max(wide, f->intermediate);
                if (f->gateUp.present()) wideFirst = std::max(wideFirst, 2 * f->intermediate);
            } else if (const auto* e = std::get_if<MoeMixer>(&m)) {
                wide = std::max(wide, e->experts);
                topK = std::max(topK, e->topK);
            } else if (const auto* s = std::get_if<Mamba1Mixer>(&m))
                wide = std::max({wide, s->inner, s->dtRank + 2 * s->state});
        }
    const auto t = std::size_t(maxTokens);
    x_ = DeviceBuffer(backend, t * std::size_t(hidden_) * 4);
    normed_ = DeviceBuffer(backend, t * std::size_t(hidden_) * 4);
    mixOut_ = DeviceBuffer(backend, t * std::size_t(hidden_) * 4);
    for (std::size_t i = 0; i < scratch_.size(); ++i) {
        scratchWidth_[i] = i == 0 ? std::max(wide, wideFirst) : wide;
        scratch_[i] = DeviceBuffer(backend, t * std::size_t(scratchWidth_[i]) * 4);
    }
    ids_ = DeviceBuffer(backend, t * 4);
    routeIdx_ = DeviceBuffer(backend, t * std::size_t(topK) * 4);
    routeW_ = DeviceBuffer(backend, t * std::size_t(topK) * 4);
}

Tensor Workspace::logits(std::int64_t rows) {
    const std::size_t need = std::size_t(rows * vocab_) * 4;
    if (logits_.bytes() < need) logits_ = DeviceBuffer(backend_, need);
    return logits_.view(DType::F32, {rows, vocab_});
}

std::size_t Workspace::allocatedBytes() const {
    std::size_t n = x_.bytes() + normed_.bytes() + mixOut_.bytes() + ids_.bytes() +
                    routeIdx_.bytes() + routeW_.bytes() + logits_.bytes();
    for (const auto& s : scratch_)
        n += s.bytes();
    return n;
}

} // namespace lv
