// Elementwise ops over rows: addScaled, scale, swiglu, reluSquared, silu.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <algorithm>

namespace lv::cpu {

namespace {

LV_CPU_MULTIVERSION void addScaledRow(const float* a, const float* b, float s, std::int64_t n,
                                      float* out) {
    for (std::int64_t i = 0; i < n; ++i)
        out[i] = a[i] + s * b[i];
}
LV_CPU_MULTIVERSION void scaleRow(float* x, float s, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i)
        x[i] *= s;
}
LV_CPU_MULTIVERSION void swigluRow(const float* g, const float* u, std::int64_t n, float* out) {
    for (std::int64_t i = 0; i < n; ++i)
        out[i] = siluf32(g[i]) * u[i];
}
LV_CPU_MULTIVERSION void reluSquaredRow(float* x, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) {
        const float r = x[i] > 0.0f ? x[i] : 0.0f;
        x[i] = r * r;
    }
}
LV_CPU_MULTIVERSION void siluRow(float* x, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i)
        x[i] = siluf32(x[i]);
}

std::int64_t rowGrain(std::int64_t cols) {
    return std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(cols, 1));
}

void checkSameShape(const char* op, const char* arg, const Tensor& t, const Tensor& ref) {
    bool same = t.rank == ref.rank;
    for (int d = 0; same && d < t.rank; ++d)
        same = t.shape[d] == ref.shape[d];
    if (!same)
        throwBadArgument(op, arg,
                         "has shape " + t.shapeString() + ", expected " + ref.shapeString());
}

} // namespace

void addScaled(ThreadPool& pool, const Tensor& a, const Tensor& b, float s, Tensor& out) {
    constexpr const char* op = "addScaled";
    checkF32(op, "a", a, a.rank);
    checkF32(op, "b", b, b.rank);
    checkF32(op, "out", out, out.rank);
    checkSameShape(op, "b", b, a);
    checkSameShape(op, "out", out, a);
    const RowView as(a), bs(b), os(out);
    pool.parallelFor(as.rows(), rowGrain(as.cols()), [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r)
            addScaledRow(as.row(r), bs.row(r), s, as.cols(), os.row(r));
    });
}

void scale(ThreadPool& pool, Tensor& x, float s) {
    checkF32("scale", "x", x, x.rank);
    const RowView xs(x);
    pool.parallelFor(xs.rows(), rowGrain(xs.cols()), [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r)
            scaleRow(xs.row(r), s, xs.cols());
    });
}

void swiglu(ThreadPool& pool, const Tensor& gate, const Tensor& up, Tensor& out) {
    constexpr const char* op = "swiglu";
    checkF32(op, "gate", gate, gate.rank);
    checkF32(op, "up", up, up.rank);
    checkF32(op, "out", out, out.rank);
    checkSameShape(op, "up", up, gate);
    checkSameShape(op, "out", out, gate);
    const RowView gs(gate), us(up), os(out);
    pool.parallelFor(gs.rows(), rowGrain(gs.cols()), [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r)
            swigluRow(gs.row(r), us.row(r), gs.cols(), os.row(r));
    });
}

void reluSquared(ThreadPool& pool, Tensor& x) {
    checkF32("reluSquared", "x", x, x.rank);
    const RowView xs(x);
    pool.parallelFor(xs.rows(), rowGrain(xs.cols()), [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r)
            reluSquaredRow(xs.row(r), xs.cols());
    });
}

void silu(ThreadPool& pool, Tensor& x) {
    checkF32("silu", "x", x, x.rank);
    const RowView xs(x);
    pool.parallelFor(xs.rows(), rowGrain(xs.cols()), [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r)
            siluRow(xs.row(r), xs.cols());
    });
}

} // namespace lv::cpu
