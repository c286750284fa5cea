#include "backend/cpu/WeightConvert.h"

#include "backend/cpu/VectorMath.h"
#include "core/Error.h"

#include <bit>
#include <cstring>
#include <string>

namespace lv::cpu {

namespace {

LV_CPU_MULTIVERSION void bf16ToF32(const std::uint16_t* src, std::int64_t n, float* dst) {
    for (std::int64_t i = 0; i < n; ++i)
        dst[i] = std::bit_cast<float>(std::uint32_t(src[i]) << 16);
}

#if defined(__FLT16_MAX__)
LV_CPU_MULTIVERSION void f16ToF32(const std::uint16_t* src, std::int64_t n, float* dst) {
    for (std::int64_t i = 0; i < n; ++i)
        dst[i] = float(std::bit_cast<_Float16>(src[i]));
}
#else
void f16ToF32(const std::uint16_t* src, std::int64_t n, float* dst) {
    for (std::int64_t i = 0; i < n; ++i)
        dst[i] = f16ToFloat(src[i]);
}
#endif

} // namespace

void convertToF32(const void* src, DType dtype, std::int64_t count, float* dst) {
    switch (dtype) {
    case DType::F32:
        std::memcpy(dst, src, std::size_t(count) * 4);
        return;
    case DType::BF16:
        bf16ToF32(static_cast<const std::uint16_t*>(src), count, dst);
        return;
    case DType::F16:
        f16ToF32(static_cast<const std::uint16_t*>(src), count, dst);
        return;
    default:
        break;
    }
    throw EngineError(std::string("cpu backend: cannot read ") + std::string(dtypeName(dtype)) +
                      " weights as float32");
}

const float* floatVector(const Tensor& t, std::vector<float>& scratch) {
    if (t.dtype == DType::F32 && t.isContiguous()) return t.as<const float>();
    if (!t.isContiguous())
        throw EngineError("cpu backend: weight vector of shape " + t.shapeString() +
                          " is not contiguous");
    scratch.resize(std::size_t(t.numel()));
    convertToF32(t.data, t.dtype, t.numel(), scratch.data());
    return scratch.data();
}

} // namespace lv::cpu
