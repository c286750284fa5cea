// A fast non-cryptographic hash for short byte strings and 64-bit keys, used
// by the tokenizer's word cache and merge table (hot paths of encoding).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace lv {

inline uint64_t mixBits(uint64_t x) {
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    return x;
}

inline uint64_t hashBytes(std::string_view s) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (s.size() * 0xC2B2AE3D27D4EB4FULL);
    const char* p = s.data();
    std::size_t n = s.size();
    while (n >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        h = mixBits(h ^ w);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        std::memcpy(&w, p, n);
        h = mixBits(h ^ w ^ (static_cast<uint64_t>(n) << 56));
    }
    return h;
}

} // namespace lv
