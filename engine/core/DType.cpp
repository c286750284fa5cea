#include "core/DType.h"

#include <stdexcept>
#include <string>

namespace lv {

float f16ToFloat(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    std::uint32_t exp = (h >> 10) & 0x1fu;
    std::uint32_t mant = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal: renormalise
            exp = 127 - 15 + 1;
            while ((mant & 0x400u) == 0) {
                mant <<= 1;
                --exp;
            }
            mant &= 0x3ffu;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

std::uint16_t floatToF16(float f) {
    std::uint32_t x;
    std::memcpy(&x, &f, 4);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::int32_t exp = std::int32_t((x >> 23) & 0xffu) - 127 + 15;
    std::uint32_t mant = x & 0x7fffffu;
    if (((x >> 23) & 0xffu) == 0xffu) return std::uint16_t(sign | 0x7c00u | (mant ? 0x200u : 0u));
    if (exp >= 0x1f) return std::uint16_t(sign | 0x7c00u);
    if (exp <= 0) {
        if (exp < -10) return std::uint16_t(sign);
        mant |= 0x800000u;
        const int shift = 14 - exp;
        std::uint32_t half = mant >> shift;
        const std::uint32_t rem = mant & ((1u << shift) - 1u);
        const std::uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1u))) ++half;
        return std::uint16_t(sign | half);
    }
    std::uint32_t half = sign | (std::uint32_t(exp) << 10) | (mant >> 13);
    const std::uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) ++half;
    return std::uint16_t(half);
}

void floatsTo(DType dtype, const float* src, void* dst, std::size_t n) {
    auto* h = static_cast<std::uint16_t*>(dst);
    switch (dtype) {
    case DType::F32:
        std::memcpy(dst, src, n * sizeof(float));
        return;
    case DType::BF16:
        for (std::size_t i = 0; i < n; ++i)
            h[i] = floatToBf16(src[i]);
        return;
    case DType::F16:
        for (std::size_t i = 0; i < n; ++i)
            h[i] = floatToF16Saturated(src[i]);
        return;
    default:
        throw std::invalid_argument(std::string("floatsTo: ") + dtypeName(dtype).data() +
                                    " is not a float type");
    }
}

void floatsFrom(DType dtype, const void* src, float* dst, std::size_t n) {
    const auto* h = static_cast<const std::uint16_t*>(src);
    switch (dtype) {
    case DType::F32:
        std::memcpy(dst, src, n * sizeof(float));
        return;
    case DType::BF16:
        for (std::size_t i = 0; i < n; ++i)
            dst[i] = bf16ToFloat(h[i]);
        return;
    case DType::F16:
        for (std::size_t i = 0; i < n; ++i)
            dst[i] = f16ToFloat(h[i]);
        return;
    default:
        throw std::invalid_argument(std::string("floatsFrom: ") + dtypeName(dtype).data() +
                                    " is not a float type");
    }
}

} // namespace lv
