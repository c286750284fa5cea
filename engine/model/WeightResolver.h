// Turns the Weights of a ModelSpec into tensors on the backend's device: checks each
// checkpoint tensor's shape, slices rows, converts small vectors to f32, folds constant
// row scales, and hands the result to Backend::prepareWeight once per distinct weight.
#pragma once

#include "backend/Backend.h"
#include "model/ModelSpec.h"
#include "weights/WeightSource.h"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace lv {

class WeightResolver {
public:
    WeightResolver(const WeightSource& source, Backend& backend);
    ~WeightResolver(); // releases every prepared weight
    WeightResolver(const WeightResolver&) = delete;
    WeightResolver& operator=(const WeightResolver&) = delete;

    // Resolves every weight of the spec in place (Weight::tensor).
    void resolve(ModelSpec& spec);

    // Elements of the distinct checkpoint tensors the spec uses.
    std::int64_t parameterCount() const { return parameters_; }
    // Bytes of the distinct prepared weights.
    std::size_t deviceBytes() const { return deviceBytes_; }
    // Dtype of the largest checkpoint tensor.
    DType mainDtype() const { return mainDtype_; }
    // Bytes of host copies kept alive (stacked parts, f32 conversions) because the backend
    // uses them in place; copies the backend made its own of are freed once prepared.
    std::size_t hostCopyBytes() const { return hostCopyBytes_; }

private:
    Tensor resolveOne(const Weight& w);
    Tensor readSource(const Weight& w);
    float* newF32(std::int64_t count);
    void* newHostCopy(std::size_t bytes);

    const WeightSource& source_;
    Backend& backend_;
    std::map<std::string, Tensor> prepared_; // by transform key: tied and sliced reuse
    struct HostCopy {
        std::unique_ptr<std::uint8_t[]> bytes;
        std::size_t size = 0;
    };
    std::vector<HostCopy> owned_; // host copies that must live on
    std::size_t hostCopyBytes_ = 0;
    std::set<std::string> counted_;
    std::int64_t parameters_ = 0;
    std::size_t deviceBytes_ = 0;
    std::int64_t largest_ = -1;
    DType mainDtype_ = DType::F32;
};

} // namespace lv
