#include "runtime/ModelState.h"

#include <algorithm>

namespace lv {

std::vector<StateEntry> stateLayout(const ModelSpec& spec) {
    std::vector<StateEntry> out;
    for (std::size_t b = 0; b < spec.blocks.size(); ++b) {
        const auto& block = spec.blocks[b];
        for (std::size_t m = 0; m < block.mixers.size(); ++m) {
            StateEntry e;
            e.layer = block.layer;
            e.block = b;
            e.mixer = m;
            if (const auto* x = std::get_if<Mamba2Mixer>(&block.mixers[m])) {
                e.kind = StateEntry::Kind::Mamba2;
                e.convChannels = x->convChannels();
                e.convTaps = x->convKernel - 1;
                e.ssmElements = x->heads * x->headDim * x->state;
            } else if (const auto* x1 = std::get_if<Mamba1Mixer>(&block.mixers[m])) {
                e.kind = StateEntry::Kind::Mamba1;
                e.convChannels = x1->inner;
                e.convTaps = x1->convKernel - 1;
                e.ssmElements = x1->inner * x1->state;
            } else if (const auto* a = std::get_if<AttentionMixer>(&block.mixers[m])) {
                e.kind = StateEntry::Kind::Attention;
                e.kvRowElements = a->kvHeads * a->headDim;
            } else {
                continue;
            }
            out.push_back(e);
        }
    }
    return out;
}

ModelState::ModelState(Backend& backend, std::vector<StateEntry> layout)
    : backend_(&backend), kvDtype_(backend.kvCacheDType()), layout_(std::move(layout)),
      slots_(layout_.size()) {
    for (std::size_t i = 0; i < layout_.size(); ++i) {
        const auto& e = layout_[i];
        slots_[i].kvDtype = kvDtype_;
        if (e.kind == StateEntry::Kind::Attention) continue;
        slots_[i].conv = DeviceBuffer(backend, std::size_t(e.convChannels * e.convTaps) * 4);
        slots_[i].ssm = DeviceBuffer(backend, std::size_t(e.ssmElements) * 4);
    }
    clear();
}

void ModelState::clear() {
    for (std::size_t i = 0; i < layout_.size(); ++i) {
        const auto& e = layout_[i];
        if (e.kind == StateEntry::Kind::Attention) continue;
        if (slots_[i].conv.data())
            backend_->fill(slots_[i].conv.data(), 0.0f, e.convChannels * e.convTaps);
        backend_->fill(slots_[i].ssm.data(), 0.0f, e.ssmElements);
    }
}

void ModelState::reserve(std::int64_t positions, std::int64_t used) {
    for (std::size_t i = 0; i < layout_.size(); ++i) {
        const auto& e = layout_[i];
        auto& s = slots_[i];
        if (e.kind != StateEntry::Kind::Attention || s.capacity >= positions) continue;
        std::int64_t cap = std::max<std::int64_t>(256, s.capacity);
        while (cap < positions)
            cap *= 2;
        const std::size_t rowBytes = kvRowBytes(e);
        DeviceBuffer k(*backend_, std::size_t(cap) * rowBytes);
        DeviceBuffer v(*backend_, std::size_t(cap) * rowBytes);
        if (used > 0) {
            backend_->copy(k.data(), s.key.data(), std::size_t(used) * rowBytes);
            backend_->copy(v.data(), s.value.data(), std::size_t(used) * rowBytes);
        }
        s.key = std::move(k);
        s.value = std::move(v);
        s.capacity = cap;
    }
}

ModelState ModelState::clone(std::int64_t used) const {
    ModelState c(*backend_, layout_);
    c.reserve(used, 0);
    for (std::size_t i = 0; i < layout_.size(); ++i) {
        const auto& e = layout_[i];
        const auto& s = slots_[i];
        auto& d = c.slots_[i];
        if (e.kind == StateEntry::Kind::Attention) {
            const std::size_t n = std::size_t(used) * kvRowBytes(e);
            if (n) {
                backend_->copy(d.key.data(), s.key.data(), n);
                backend_->copy(d.value.data(), s.value.data(), n);
            }
        } else {
            if (s.conv.bytes()) backend_->copy(d.conv.data(), s.conv.data(), s.conv.bytes());
            backend_->copy(d.ssm.data(), s.ssm.data(), s.ssm.bytes());
        }
    }
    return c;
}

std::size_t ModelState::kvRowBytes(const StateEntry& e) const {
    return std::size_t(e.kvRowElements) * dtypeSize(kvDtype_);
}

std::size_t ModelState::allocatedBytes() const {
    std::size_t n = 0;
    for (const auto& s : slots_)
        n += s.conv.bytes() + s.ssm.bytes() + s.key.bytes() + s.value.bytes();
    return n;
}

} // namespace lv
