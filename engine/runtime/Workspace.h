// Scratch activations for one forward pass of up to maxTokens tokens, allocated once
// per Session on the backend's device and reused by every block.
#pragma once

#include "model/ModelSpec.h"
#include "runtime/DeviceBuffer.h"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace lv {

class Workspace {
public:
    static constexpr int kScratch = 5;

    Workspace(Backend& backend, const ModelSpec& spec, std::int64_t maxTokens);

    std::int64_t maxTokens() const { return maxTokens_; }

    Tensor residual(std::int64_t t) const { return x_.view(DType::F32, {t, hidden_}); }
    Tensor normed(std::int64_t t) const { return normed_.view(DType::F32, {t, hidden_}); }
    Tensor mixerOut(std::int64_t t) const { return mixOut_.view(DType::F32, {t, hidden_}); }
    // Scratch buffer `i` seen as contiguous f32 [t, width] (width <= the widest mixer need;
    // buffer 0 is wider where a mixer runs one fused projection).
    Tensor scratch(int i, std::int64_t t, std::int64_t width) const {
        if (t > maxTokens_ || width > scratchWidth_[std::size_t(i)])
            throw std::logic_error("workspace scratch " + std::to_string(i) + " is smaller than [" +
                                   std::to_string(t) + ", " + std::to_string(width) + "]");
        return scratch_[std::size_t(i)].view(DType::F32, {t, width});
    }
    Tensor ids(std::int64_t t) const { return ids_.view(DType::I32, {t}); }
    Tensor routeIndices(std::int64_t t, std::int64_t k) const {
        return routeIdx_.view(DType::I32, {t, k});
    }
    Tensor routeWeights(std::int64_t t, std::int64_t k) const {
        return routeW_.view(DType::F32, {t, k});
    }
    // [rows, vocab] f32, grown on demand.
    Tensor logits(std::int64_t rows);

    std::size_t allocatedBytes() const;

private:
    Backend& backend_;
    std::int64_t maxTokens_, hidden_, vocab_;
    DeviceBuffer x_, normed_, mixOut_, ids_, routeIdx_, routeW_, logits_;
    std::array<DeviceBuffer, kScratch> scratch_;
    std::array<std::int64_t, kScratch> scratchWidth_{};
};

} // namespace lv
