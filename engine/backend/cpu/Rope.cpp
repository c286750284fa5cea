// rope: rotary position embedding, neox layout (rotate_half), in place.
// Frequencies and angles are rounded to float32 the way the Hugging Face rotary
// modules compute them (inv_freq = 1 / theta^(2i/d) in float32, angle = pos * inv_freq in
// float32), so that long positions match the reference; cos and sin of that angle are exact.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <cmath>
#include <vector>

namespace lv::cpu {

namespace {

LV_CPU_MULTIVERSION void rotate(float* x, const float* c, const float* s, std::int64_t half) {
    float* x1 = x;
    float* x2 = x + half;
    for (std::int64_t i = 0; i < half; ++i) {
        const float a = x1[i];
        const float b = x2[i];
        x1[i] = a * c[i] - b * s[i];
        x2[i] = b * c[i] + a * s[i];
    }
}

} // namespace

void rope(ThreadPool& pool, Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim) {
    constexpr const char* op = "rope";
    checkF32(op, "x", x, 3);
    const std::int64_t T = x.shape[0], heads = x.shape[1], d = x.shape[2];
    if (rotaryDim < 0 || rotaryDim > d || rotaryDim % 2 != 0)
        throwBadArgument(op, "rotaryDim",
                         "is " + std::to_string(rotaryDim) +
                             ", expected an even number up to the head size " + std::to_string(d));
    if (pos0 < 0) throwBadArgument(op, "pos0", "is negative (" + std::to_string(pos0) + ")");
    const std::int64_t half = rotaryDim / 2;
    if (half == 0 || T == 0) return;
    std::vector<float> invFreq(static_cast<std::size_t>(half));
    for (std::int64_t i = 0; i < half; ++i) {
        const float exponent = float(2 * i) / float(rotaryDim);
        invFreq[std::size_t(i)] = 1.0f / float(std::pow(double(theta), double(exponent)));
    }
    float* base = x.as<float>();
    pool.parallelFor(
        T, std::max<std::int64_t>(1, 256 / heads), [&](std::int64_t t0, std::int64_t t1) {
            std::vector<float> c(static_cast<std::size_t>(half)), s(static_cast<std::size_t>(half));
            for (std::int64_t t = t0; t < t1; ++t) {
                const float pos = float(pos0 + t);
                for (std::int64_t i = 0; i < half; ++i) {
                    const double angle = double(pos * invFreq[std::size_t(i)]);
                    c[std::size_t(i)] = float(std::cos(angle));
                    s[std::size_t(i)] = float(std::sin(angle));
                }
                for (std::int64_t h = 0; h < heads; ++h)
                    rotate(base + t * x.stride[0] + h * x.stride[1], c.data(), s.data(), half);
            }
        });
}

} // namespace lv::cpu
