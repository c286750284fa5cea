#include "model/SyntheticWeights.h"

#include "core/Checksum.h"
#include "core/Error.h"
#include "weights/SafetensorsFile.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

namespace lv {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What a tensor's values look like, by its name (the tensors benchmarked need plausible
// magnitudes: norms of one, decays in a stable range, small products).
enum class ValueKind { ALog, D, DtBias, Norm, Bias, Conv, Product };

ValueKind kindOf(const std::string& name) {
    if (endsWith(name, "A_log")) return ValueKind::ALog;
    if (endsWith(name, ".D")) return ValueKind::D;
    if (endsWith(name, "dt_bias")) return ValueKind::DtBias;
    if (name.find("norm") != std::string::npos) return ValueKind::Norm;
    if (endsWith(name, ".bias")) return ValueKind::Bias;
    if (name.find("conv1d") != std::string::npos) return ValueKind::Conv;
    return ValueKind::Product;
}

// Elements [begin, end) of a tensor, from a xorshift64* stream seeded per tensor and block
// (so that shapes do not shift each other's values and blocks fill in parallel).
template <class Store>
void fillRange(std::int64_t begin, std::int64_t end, ValueKind kind, std::uint64_t seed,
               Store store) {
    std::uint64_t x = seed;
    if (x == 0) x = 0x9e3779b97f4a7c15ull;
    auto uniform = [&]() { // in [-1, 1)
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        return float(double((x * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-52 - 1.0);
    };
    const float s3 = std::sqrt(3.0f); // uniform(-a, a) has std a / sqrt(3)
    for (std::int64_t i = begin; i < end; ++i) {
        float v = 0.0f;
        switch (kind) {
        case ValueKind::ALog:
            v = std::log(1.0f + float(i % 16));
            break;
        case ValueKind::D:
        case ValueKind::Norm:
            v = 1.0f;
            break;
        case ValueKind::DtBias: {
            const float dt = 0.001f + 0.05f * (uniform() + 1.0f); // softplus^-1 of it
            v = dt + std::log(-std::expm1(-dt));
            break;
        }
        case ValueKind::Bias:
            v = 0.0f;
            break;
        case ValueKind::Conv:
            v = 0.3f * s3 * uniform();
            break;
        case ValueKind::Product:
            v = 0.02f * s3 * uniform();
            break;
        }
        store(i, v);
    }
}

} // namespace

// n elements of dtype_ at bytes: blocks of 1M elements, as many threads as the machine has
// (a 7B-parameter shape is 7 seconds on 16 cores, not two minutes on one).
void SyntheticWeights::fill(std::uint8_t* bytes, std::int64_t n, int kind,
                            std::uint64_t seed) const {
    constexpr std::int64_t kBlock = std::int64_t(1) << 20;
    const std::int64_t blocks = (n + kBlock - 1) / kBlock;
    auto fillBlock = [&](std::int64_t b) {
        const std::int64_t begin = b * kBlock, end = std::min(n, begin + kBlock);
        const std::uint64_t s = seed ^ (std::uint64_t(b) * 0x9e3779b97f4a7c15ull);
        const auto k = ValueKind(kind);
        if (dtype_ == DType::F32) {
            auto* f = reinterpret_cast<float*>(bytes);
            fillRange(begin, end, k, s, [f](std::int64_t i, float v) { f[i] = v; });
        } else if (dtype_ == DType::BF16) {
            auto* h = reinterpret_cast<std::uint16_t*>(bytes);
            fillRange(begin, end, k, s, [h](std::int64_t i, float v) { h[i] = floatToBf16(v); });
        } else {
            auto* h = reinterpret_cast<std::uint16_t*>(bytes);
            fillRange(begin, end, k, s, [h](std::int64_t i, float v) { h[i] = floatToF16(v); });
        }
    };
    const auto threads = std::min<std::int64_t>(
        blocks, std::max<std::int64_t>(1, std::int64_t(std::thread::hardware_concurrency())));
    if (threads <= 1) {
        for (std::int64_t b = 0; b < blocks; ++b)
            fillBlock(b);
        return;
    }
    std::atomic<std::int64_t> next{0};
    std::vector<std::jthread> pool;
    for (std::int64_t t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            for (std::int64_t b = next++; b < blocks; b = next++)
                fillBlock(b);
        });
}

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
        if (dtype_ != DType::F32 && dtype_ != DType::BF16 && dtype_ != DType::F16)
            throw EngineError("<synthetic>: unsupported weight dtype");
        fill(s.bytes.get(), n, int(kindOf(name)), seed_ ^ hash64(name.data(), name.size()));
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
