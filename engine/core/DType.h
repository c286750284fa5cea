// Element types the engine stores and computes in.
// Activations are float32 everywhere; weights may be f32, bf16 or f16.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace lv {

enum class DType : std::uint8_t { F32 = 0, BF16 = 1, F16 = 2, I32 = 3, I64 = 4, U8 = 5 };

constexpr std::size_t dtypeSize(DType t) {
    switch (t) {
    case DType::F32:
        return 4;
    case DType::BF16:
        return 2;
    case DType::F16:
        return 2;
    case DType::I32:
        return 4;
    case DType::I64:
        return 8;
    case DType::U8:
        return 1;
    }
    return 0;
}

constexpr std::string_view dtypeName(DType t) {
    switch (t) {
    case DType::F32:
        return "f32";
    case DType::BF16:
        return "bf16";
    case DType::F16:
        return "f16";
    case DType::I32:
        return "i32";
    case DType::I64:
        return "i64";
    case DType::U8:
        return "u8";
    }
    return "?";
}

inline float bf16ToFloat(std::uint16_t v) {
    std::uint32_t bits = std::uint32_t(v) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// Round to nearest even, NaN kept quiet: the same rounding PyTorch uses.
inline std::uint16_t floatToBf16(float f) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return std::uint16_t((bits >> 16) | 0x40);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return std::uint16_t(bits >> 16);
}

float f16ToFloat(std::uint16_t v);
std::uint16_t floatToF16(float f);

// Values beyond f16's range become +-65504 rather than infinity (NaN as -65504), as the
// GPU kernels that stage activations in f16 do: one large key must not turn a whole
// softmax row into NaN.
inline std::uint16_t floatToF16Saturated(float f) {
    return floatToF16(f != f ? -65504.0f : f < -65504.0f ? -65504.0f : f > 65504.0f ? 65504.0f : f);
}

// n floats into dtype (F32, BF16 or F16; F16 saturated) and back, host memory.
void floatsTo(DType dtype, const float* src, void* dst, std::size_t n);
void floatsFrom(DType dtype, const void* src, float* dst, std::size_t n);

} // namespace lv
