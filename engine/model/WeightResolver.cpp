#include "model/WeightResolver.h"

#include "core/Error.h"
#include "weights/SafetensorsFile.h"

#include <cmath>
#include <cstring>

namespace lv {

namespace {

float loadAsFloat(const Tensor& t, std::int64_t i) {
    switch (t.dtype) {
    case DType::F32:
        return t.as<const float>()[i];
    case DType::BF16:
        return bf16ToFloat(t.as<const std::uint16_t>()[i]);
    case DType::F16:
        return f16ToFloat(t.as<const std::uint16_t>()[i]);
    default:
        return 0.0f;
    }
}

Tensor withShape(Tensor t, const std::vector<std::int64_t>& shape) {
    t.rank = int(shape.size());
    std::int64_t s = 1;
    for (int k = t.rank - 1; k >= 0; --k) {
        t.shape[k] = shape[std::size_t(k)];
        t.stride[k] = s;
        s *= shape[std::size_t(k)];
    }
    for (int k = t.rank; k < 4; ++k)
        t.shape[k] = t.stride[k] = 1;
    return t;
}

std::vector<std::int64_t> shapeOf(const Tensor& t) {
    return std::vector<std::int64_t>(t.shape.begin(), t.shape.begin() + t.rank);
}

std::string keyOf(const Weight& w) {
    // Appends only: GCC 12 warns falsely (-Wrestrict) on chains of string operator+.
    std::string k = w.name;
    for (const auto& p : w.parts)
        k.append("+").append(p);
    k.append("|").append(std::to_string(w.rowBegin)).append(":").append(std::to_string(w.rowEnd));
    k.append("|")
        .append(shapeToString(w.viewShape))
        .append("|")
        .append(std::to_string(int(w.convert)));
    for (const auto& r : w.rowScales)
        k.append("|")
            .append(std::to_string(r.begin))
            .append("-")
            .append(std::to_string(r.end))
            .append("*")
            .append(std::to_string(double(r.scale)));
    return k;
}

} // namespace

WeightResolver::WeightResolver(const WeightSource& source, Backend& backend)
    : source_(source), backend_(backend) {}

WeightResolver::~WeightResolver() {
    for (auto& [k, t] : prepared_)
        backend_.releaseWeight(t);
}

void* WeightResolver::newHostCopy(std::size_t bytes) {
    owned_.push_back({std::make_unique<std::uint8_t[]>(bytes), bytes});
    hostCopyBytes_ += bytes;
    return owned_.back().bytes.get();
}

float* WeightResolver::newF32(std::int64_t count) {
    return static_cast<float*>(newHostCopy(std::size_t(count) * 4));
}

Tensor WeightResolver::readSource(const Weight& w) {
    auto count = [&](const std::string& name, const Tensor& t) {
        if (!counted_.insert(name).second) return;
        parameters_ += t.numel();
        if (t.numel() > largest_) {
            largest_ = t.numel();
            mainDtype_ = t.dtype;
        }
    };
    if (w.parts.empty()) {
        Tensor t = source_.require(w.name, w.shape);
        count(w.name, t);
        return t;
    }
    // Stack several tensors along dim 0 (per-expert matrices into one, q k v into one).
    if (!w.partRows.empty() && w.partRows.size() != w.parts.size())
        throw EngineError("weight '" + w.parts.front() + "': " + std::to_string(w.parts.size()) +
                          " parts but " + std::to_string(w.partRows.size()) + " row counts");
    std::vector<Tensor> parts;
    std::vector<std::int64_t> shape = w.shape;
    shape[0] = 0;
    for (std::size_t i = 0; i < w.parts.size(); ++i) {
        const std::string& p = w.parts[i];
        std::vector<std::int64_t> partShape = w.shape;
        if (!w.partRows.empty()) partShape[0] = w.partRows[i];
        shape[0] += partShape[0];
        parts.push_back(source_.require(p, partShape));
        count(p, parts.back());
        if (parts.back().dtype != parts.front().dtype)
            throw EngineError(source_.fileOf(p) + ": tensor '" + p + "' has dtype " +
                              std::string(dtypeName(parts.back().dtype)) + ", expected " +
                              std::string(dtypeName(parts.front().dtype)) + " like '" +
                              w.parts.front() + "'");
    }
    std::size_t total = 0;
    for (const auto& part : parts)
        total += part.bytes();
    auto* dst = static_cast<std::uint8_t*>(newHostCopy(total));
    std::size_t at = 0;
    for (const auto& part : parts) {
        std::memcpy(dst + at, part.data, part.bytes());
        at += part.bytes();
    }
    Tensor t = withShape(parts.front(), shape);
    t.data = dst;
    return t;
}

Tensor WeightResolver::resolveOne(const Weight& w) {
    const std::size_t copiesBefore = owned_.size();
    Tensor t = readSource(w);
    const std::string where = source_.fileOf(w.parts.empty() ? w.name : w.parts.front());
    const std::string label = w.parts.empty() ? w.name : w.parts.front();
    if (t.dtype != DType::F32 && t.dtype != DType::BF16 && t.dtype != DType::F16)
        throw EngineError(where + ": tensor '" + label + "' has dtype " +
                          std::string(dtypeName(t.dtype)) + ", expected f32, bf16 or f16");

    if (w.rowBegin != 0 || w.rowEnd != -1) {
        const std::int64_t end = w.rowEnd < 0 ? t.shape[0] : w.rowEnd;
        if (w.rowBegin < 0 || end > t.shape[0] || w.rowBegin >= end)
            throw EngineError(where + ": tensor '" + label + "' has " + std::to_string(t.shape[0]) +
                              " rows, needed rows " + std::to_string(w.rowBegin) + ".." +
                              std::to_string(end));
        const std::int64_t rowElems = t.numel() / t.shape[0];
        t.data = static_cast<std::uint8_t*>(t.data) +
                 std::size_t(w.rowBegin * rowElems) * dtypeSize(t.dtype);
        auto shape = shapeOf(t);
        shape[0] = end - w.rowBegin;
        t = withShape(t, shape);
    }
    if (!w.viewShape.empty()) {
        std::int64_t n = 1;
        for (auto d : w.viewShape)
            n *= d;
        if (n != t.numel())
            throw EngineError(where + ": tensor '" + label + "' cannot be viewed as " +
                              shapeToString(w.viewShape));
        t = withShape(t, w.viewShape);
    }

    const bool needF32 = w.convert != Weight::Convert::None || !w.rowScales.empty();
    if (needF32) {
        const std::int64_t n = t.numel();
        float* out = newF32(n);
        for (std::int64_t i = 0; i < n; ++i) {
            float v = loadAsFloat(t, i);
            if (w.convert == Weight::Convert::NegExp) v = -std::exp(v);
            out[i] = v;
        }
        if (!w.rowScales.empty()) {
            const std::int64_t rows = t.shape[0];
            const std::int64_t cols = n / rows;
            for (const auto& r : w.rowScales) {
                if (r.begin < 0 || r.end > rows || r.begin > r.end)
                    throw EngineError(where + ": tensor '" + label + "': scaled rows " +
                                      std::to_string(r.begin) + ".." + std::to_string(r.end) +
                                      " outside " + std::to_string(rows));
                for (std::int64_t i = r.begin * cols; i < r.end * cols; ++i)
                    out[i] *= r.scale;
            }
        }
        Tensor f = withShape(t, shapeOf(t));
        f.data = out;
        f.dtype = DType::F32;
        t = f;
    }
    Tensor prepared = backend_.prepareWeight(t);
    if (prepared.data != t.data && owned_.size() > copiesBefore) {
        // The backend holds its own copy (a GPU upload): this one would only take host
        // memory, gigabytes for a stacked mixture of experts. The upload may still be
        // reading it.
        backend_.synchronize();
        while (owned_.size() > copiesBefore) {
            hostCopyBytes_ -= owned_.back().size;
            owned_.pop_back();
        }
    }
    return prepared;
}

void WeightResolver::resolve(ModelSpec& spec) {
    forEachWeight(spec, [&](Weight& w) {
        if (w.optional && w.parts.empty() && !source_.contains(w.name)) {
            w.tensor = Tensor{};
            return;
        }
        const std::string key = keyOf(w);
        auto it = prepared_.find(key);
        if (it == prepared_.end()) {
            Tensor t = resolveOne(w);
            deviceBytes_ += t.bytes();
            it = prepared_.emplace(key, t).first;
        }
        w.tensor = it->second;
    });
}

} // namespace lv
