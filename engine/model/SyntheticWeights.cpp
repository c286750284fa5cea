#include "model/SyntheticWeights.h"

#include "core/Checksum.h"
#include "core/Error.h"
#include "weights/SafetensorsFile.h"

#include <cmath>
#include <functional>

namespace lv {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

bool SyntheticWeights::contains(const std::string& name) const {
    // Optional tensors (biases) are absent, as in the real checkpoints benchmarked.
    return !endsWith(name, ".bias") || name.find("conv1d") != std::string::npos;
}

Tensor SyntheticWeights::require(const std::string& name,
                                 const std::vector<std::int64_t>& shape) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) {
        std::int64_t n = 1;
        for (auto d : shape)
            n *= d;
        Stored s;
        s.shape = shape;
        s.bytes = std::make_unique<std::uint8_t[]>(std::size_t(n) * dtypeSize(dtype_));
        // xorshift64*, seeded per tensor so that shapes do not shift each other's values.
        std::uint64_t x = seed_ ^ hash64(name.data(), name.size());
        if (x == 0) x = 0x9e3779b97f4a7c15ull;
        auto uniform = [&]() { // in [-1, 1)
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            return float(double((x * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-52 - 1.0);
        };
        std::function<float(std::int64_t)> value;
        const float s3 = std::sqrt(3.0f); // uniform(-a, a) has std a / sqrt(3)
        if (endsWith(name, "A_log"))
            value = [&](std::int64_t i) { return std::log(1.0f + float(i % 16)); };
        else if (endsWith(name, ".D"))
            value = [](std::int64_t) { return 1.0f; };
        else if (endsWith(name, "dt_bias"))
            value = [&](std::int64_t) {
                const float dt = 0.001f + 0.05f * (uniform() + 1.0f); // softplus^-1 of it
                return dt + std::log(-std::expm1(-dt));
            };
        else if (name.find("norm") != std::string::npos)
            value = [](std::int64_t) { return 1.0f; };
        else if (endsWith(name, ".bias"))
            value = [](std::int64_t) { return 0.0f; };
        else if (name.find("conv1d") != std::string::npos)
            value = [&](std::int64_t) { return 0.3f * s3 * uniform(); };
        else
            value = [&](std::int64_t) { return 0.02f * s3 * uniform(); };
        for (std::int64_t i = 0; i < n; ++i) {
            const float v = value(i);
            switch (dtype_) {
            case DType::F32:
                reinterpret_cast<float*>(s.bytes.get())[i] = v;
                break;
            case DType::BF16:
                reinterpret_cast<std::uint16_t*>(s.bytes.get())[i] = floatToBf16(v);
                break;
            case DType::F16:
                reinterpret_cast<std::uint16_t*>(s.bytes.get())[i] = floatToF16(v);
                break;
            default:
                throw EngineError("<synthetic>: unsupported weight dtype");
            }
        }
        it = tensors_.emplace(name, std::move(s)).first;
    }
    if (it->second.shape != shape)
        throw EngineError("<synthetic>: tensor '" + name + "' has shape " +
                          shapeToString(it->second.shape) + ", expected " + shapeToString(shape));
    Tensor t;
    t.data = it->second.bytes.get();
    t.dtype = dtype_;
    t.rank = int(shape.size());
    std::int64_t st = 1;
    for (int k = t.rank - 1; k >= 0; --k) {
        t.shape[k] = shape[std::size_t(k)];
        t.stride[k] = st;
        st *= shape[std::size_t(k)];
    }
    return t;
}

} // namespace lv
