// rmsNorm and the Mamba2 gated group RMSNorm. Rows run in parallel; each row is read
// once for the sum of squares and once for the scaled output, in float32.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lv::cpu {

namespace {

LV_ALWAYS_INLINE float sumSquares(const float* x, std::int64_t n) {
    constexpr int V = 16;
    float acc[V] = {};
    std::int64_t i = 0;
    for (; i + V <= n; i += V)
        for (int l = 0; l < V; ++l)
            acc[l] += x[i + l] * x[i + l];
    float s = 0.0f;
    for (int l = 0; l < V; ++l)
        s += acc[l];
    for (; i < n; ++i)
        s += x[i] * x[i];
    return s;
}

LV_CPU_MULTIVERSION void rmsNormRow(const float* x, const float* w, std::int64_t n, float eps,
                                    float* out) {
    const float r = 1.0f / std::sqrt(sumSquares(x, n) / float(n) + eps);
    for (std::int64_t i = 0; i < n; ++i)
        out[i] = x[i] * r * w[i];
}

// One row of D values in groups of g. `h` is scratch of D floats.
LV_CPU_MULTIVERSION void gatedRmsNormRow(const float* x, const float* z, const float* w,
                                         std::int64_t D, std::int64_t g, float eps,
                                         bool normBeforeGate, float* h, float* out) {
    if (normBeforeGate) {
        for (std::int64_t g0 = 0; g0 < D; g0 += g) {
            const float r = 1.0f / std::sqrt(sumSquares(x + g0, g) / float(g) + eps);
            for (std::int64_t i = g0; i < g0 + g; ++i)
                out[i] = (x[i] * r * w[i]) * siluf32(z[i]);
        }
    } else {
        for (std::int64_t i = 0; i < D; ++i)
            h[i] = x[i] * siluf32(z[i]);
        for (std::int64_t g0 = 0; g0 < D; g0 += g) {
            const float r = 1.0f / std::sqrt(sumSquares(h + g0, g) / float(g) + eps);
            for (std::int64_t i = g0; i < g0 + g; ++i)
                out[i] = h[i] * r * w[i];
        }
    }
}

} // namespace

void rmsNorm(ThreadPool& pool, const Tensor& x, const Tensor& weight, float eps, Tensor& out) {
    constexpr const char* op = "rmsNorm";
    checkF32(op, "x", x, x.rank);
    checkF32(op, "out", out, out.rank);
    checkFloatWeight(op, "weight", weight, 1);
    const RowView xs(x), os(out);
    if (xs.rows() != os.rows() || xs.cols() != os.cols())
        throwBadArgument(op, "out",
                         "has shape " + out.shapeString() + ", x has " + x.shapeString());
    checkDim(op, "weight", weight, 0, xs.cols());
    std::vector<float> wScratch;
    const float* w = floatVector(weight, wScratch);
    const std::int64_t n = xs.cols();
    pool.parallelFor(xs.rows(), std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1)),
                     [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t r = b; r < e; ++r)
                             rmsNormRow(xs.row(r), w, n, eps, os.row(r));
                     });
}

void gatedRmsNorm(ThreadPool& pool, const Tensor& x, const Tensor& z, const Tensor& weight,
                  std::int64_t groupSize, float eps, bool normBeforeGate, Tensor& out) {
    constexpr const char* op = "gatedRmsNorm";
    checkF32(op, "x", x, x.rank);
    checkF32(op, "z", z, z.rank);
    checkF32(op, "out", out, out.rank);
    checkFloatWeight(op, "weight", weight, 1);
    const RowView xs(x), zs(z), os(out);
    const std::int64_t D = xs.cols();
    if (zs.rows() != xs.rows() || zs.cols() != D)
        throwBadArgument(op, "z", "has shape " + z.shapeString() + ", x has " + x.shapeString());
    if (os.rows() != xs.rows() || os.cols() != D)
        throwBadArgument(op, "out",
                         "has shape " + out.shapeString() + ", x has " + x.shapeString());
    checkDim(op, "weight", weight, 0, D);
    if (groupSize <= 0 || D % groupSize != 0)
        throwBadArgument(op, "groupSize",
                         "is " + std::to_string(groupSize) +
                             ", which does not divide the row length " + std::to_string(D));
    std::vector<float> wScratch;
    const float* w = floatVector(weight, wScratch);
    pool.parallelFor(xs.rows(), std::max<std::int64_t>(1, 8192 / std::max<std::int64_t>(D, 1)),
                     [&](std::int64_t b, std::int64_t e) {
                         thread_local std::vector<float> h;
                         h.resize(std::size_t(D));
                         for (std::int64_t r = b; r < e; ++r)
                             gatedRmsNormRow(xs.row(r), zs.row(r), w, D, groupSize, eps,
                                             normBeforeGate, h.data(), os.row(r));
                     });
}

} // namespace lv::cpu
