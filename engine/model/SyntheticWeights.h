// Random weights in the shapes a spec asks for, for benchmarks of real model shapes
// without downloading them. Deterministic per tensor name and seed.
#pragma once

#include "weights/WeightSource.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lv {

class SyntheticWeights : public WeightSource {
public:
    SyntheticWeights(DType dtype, std::uint64_t seed) : dtype_(dtype), seed_(seed) {}

    bool contains(const std::string& name) const override;
    Tensor require(const std::string& name, const std::vector<std::int64_t>& shape) const override;
    std::string fileOf(const std::string& name) const override { return "<synthetic>"; }

private:
    void fill(std::uint8_t* bytes, std::int64_t n, int kind, std::uint64_t seed) const;
    struct Stored {
        std::vector<std::int64_t> shape;
        std::unique_ptr<std::uint8_t[]> bytes;
    };
    DType dtype_;
    std::uint64_t seed_;
    mutable std::map<std::string, Stored> tensors_;
};

} // namespace lv
