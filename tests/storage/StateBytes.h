// Deterministic byte patterns for state-cache tests (no Qt: the crash-test
// child process uses them too).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace lv::storage::test {

// Bytes that look like a model state: float32 values of layer-dependent scale
// (random mantissas, so barely compressible) followed by bf16 values (their
// sign/exponent bytes repeat, so zstd shrinks them).
inline std::vector<std::byte> stateLikeBytes(std::size_t n, std::uint64_t seed) {
    std::vector<std::byte> out(n);
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const std::size_t half = (n / 2) & ~std::size_t{3};
    for (std::size_t i = 0; i + 4 <= half; i += 4) {
        const float v = normal(rng) * (1.0f + static_cast<float>((i >> 16) % 7));
        std::memcpy(out.data() + i, &v, 4);
    }
    for (std::size_t i = half; i + 2 <= n; i += 2) {
        const float v = normal(rng) * 0.05f;
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        const auto bf16 = static_cast<std::uint16_t>(bits >> 16);
        std::memcpy(out.data() + i, &bf16, 2);
    }
    if (n % 2) out[n - 1] = std::byte{0x5a};
    return out;
}

inline std::vector<std::byte> randomBytes(std::size_t n, std::uint64_t seed) {
    std::vector<std::byte> out(n);
    std::mt19937_64 rng(seed);
    for (std::size_t i = 0; i < n; i += 8) {
        const std::uint64_t v = rng();
        std::memcpy(out.data() + i, &v, std::min<std::size_t>(8, n - i));
    }
    return out;
}

} // namespace lv::storage::test
