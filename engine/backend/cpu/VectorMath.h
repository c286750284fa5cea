// Scalar math written so that GCC vectorises the loops that call it: a branch-free
// exp, SiLU, softplus, and the function-multiversioning attribute for hot kernels.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

// Hot kernels are compiled for AVX-512, AVX2+FMA and baseline x86-64 and picked at load
// time, because the project builds for the baseline ISA.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
#define LV_CPU_MULTIVERSION                                                                        \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LV_CPU_MULTIVERSION
#endif

#if defined(__GNUC__)
#define LV_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define LV_ALWAYS_INLINE inline
#endif

namespace lv::cpu {

// e^x within 1e-7 relative error; 0 below -87.3 (so exp(-inf) == 0), +inf above 88.7, NaN
// kept. Branch-free (selects only) so that loops calling it vectorise; the project compiles
// the CPU kernels with -fno-trapping-math, without which GCC will not if-convert the selects.
LV_ALWAYS_INLINE float expf32(float x) {
    const float lo = -87.33654f;
    const float hi = 88.72283f;
    float c = x < lo ? lo : x;
    c = c > hi ? hi : c;
    // floor(c log2(e) + 1/2) by truncating a value made positive.
    const std::int32_t ni = std::int32_t(c * 1.44269504088896341f + 256.5f) - 256;
    const float n = float(ni);
    // Cody-Waite reduction r = c - n ln 2, then a degree-6 polynomial for e^r.
    float r = c - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    // 2^n in two factors so that n = 128 (x near hi) stays inside the exponent range.
    const std::int32_t n1 = ni >> 1;
    const float s1 = std::bit_cast<float>(std::uint32_t(n1 + 127) << 23);
    const float s2 = std::bit_cast<float>(std::uint32_t(ni - n1 + 127) << 23);
    float v = p * s1 * s2;
    v = x < lo ? 0.0f : v;
    v = x > hi ? INFINITY : v;
    v = x != x ? x : v;
    return v;
}

LV_ALWAYS_INLINE float siluf32(float x) {
    return x / (1.0f + expf32(-x));
}

// Reductions in 16 independent lanes, a pattern GCC vectorises without -ffast-math
// (a single running max or sum is a serial chain it must keep in order).
LV_ALWAYS_INLINE float maxOf(const float* x, std::int64_t n, float init) {
    float lane[16];
    for (int l = 0; l < 16; ++l)
        lane[l] = init;
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; ++l)
            lane[l] = x[i + l] > lane[l] ? x[i + l] : lane[l];
    float m = init;
    for (int l = 0; l < 16; ++l)
        m = lane[l] > m ? lane[l] : m;
    for (; i < n; ++i)
        m = x[i] > m ? x[i] : m;
    return m;
}

LV_ALWAYS_INLINE float sumOf(const float* x, std::int64_t n) {
    float lane[16] = {};
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; ++l)
            lane[l] += x[i + l];
    float s = 0.0f;
    for (int l = 0; l < 16; ++l)
        s += lane[l];
    for (; i < n; ++i)
        s += x[i];
    return s;
}

// PyTorch's softplus (beta 1, threshold 20).
inline float softplusf32(float x) {
    return x > 20.0f ? x : std::log1p(std::exp(x));
}

} // namespace lv::cpu
