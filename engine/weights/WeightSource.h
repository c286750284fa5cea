// Where a model's tensors come from: a checkpoint on disk or generated weights.
#pragma once

#include "core/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lv {

class WeightSource {
public:
    virtual ~WeightSource() = default;
    virtual bool contains(const std::string& name) const = 0;
    // A host view of `name`; throws EngineError naming the file, the tensor and the
    // expected and found shapes when it is missing or shaped otherwise.
    virtual Tensor require(const std::string& name,
                           const std::vector<std::int64_t>& shape) const = 0;
    // Where `name` lives, for messages.
    virtual std::string fileOf(const std::string& name) const = 0;
};

} // namespace lv
