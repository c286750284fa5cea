// Test harness for backend ops, after llama.cpp's test-backend-ops: guarded and poisoned
// buffers, strided views, weights rounded to bf16/f16, and a tolerance check that prints
// the first mismatches.
#pragma once

#include "core/DType.h"
#include "core/Tensor.h"

#include <QtTest>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace lv::test {

// Floats with guard zones on both sides. The payload is poisoned with NaN before an op
// writes it, and the guards must still hold their pattern afterwards.
class GuardedBuffer {
public:
    static constexpr std::int64_t kGuard = 64;
    static constexpr float kGuardValue = -12345.678f;

    explicit GuardedBuffer(std::int64_t n = 0)
        : mem_(std::size_t(n + 2 * kGuard), kGuardValue), n_(n) {}
    float* data() { return mem_.data() + kGuard; }
    const float* data() const { return mem_.data() + kGuard; }
    std::int64_t size() const { return n_; }
    float& operator[](std::int64_t i) { return data()[i]; }
    float operator[](std::int64_t i) const { return data()[i]; }
    void poison() {
        std::fill(mem_.begin() + kGuard, mem_.end() - kGuard,
                  std::numeric_limits<float>::quiet_NaN());
    }
    bool guardsIntact() const {
        for (std::int64_t i = 0; i < kGuard; ++i)
            if (!sameBits(mem_[std::size_t(i)]) || !sameBits(mem_[std::size_t(n_ + kGuard + i)]))
                return false;
        return true;
    }

private:
    static bool sameBits(float v) { return std::memcmp(&v, &kGuardValue, sizeof v) == 0; }
    std::vector<float> mem_;
    std::int64_t n_;
};

// A view of `buf` as [dims...] with packed inner dims and rows `rowStride` apart
// (0: packed).
inline Tensor view(float* data, std::initializer_list<std::int64_t> dims,
                   std::int64_t rowStride = 0) {
    Tensor t = Tensor::contiguous(data, DType::F32, dims);
    if (rowStride > 0 && t.rank > 1) t.stride[0] = rowStride;
    return t;
}

class Rng {
public:
    explicit Rng(std::uint32_t seed) : gen_(seed) {}
    float uniform(float lo, float hi) {
        return std::uniform_real_distribution<float>(lo, hi)(gen_);
    }
    float normal(float sd = 1.0f) { return std::normal_distribution<float>(0.0f, sd)(gen_); }
    int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen_); }
    void fillUniform(float* p, std::int64_t n, float lo, float hi) {
        for (std::int64_t i = 0; i < n; ++i)
            p[i] = uniform(lo, hi);
    }
    // Uniform with standard deviation sd from a xorshift stream: ten times faster than
    // normal() for the millions of values of real-shaped weights.
    void fillFast(float* p, std::int64_t n, float sd) {
        std::uint64_t s = gen_() | 1u;
        const float half = sd * 1.7320508f; // uniform(-a, a) has sd a / sqrt(3)
        for (std::int64_t i = 0; i < n; ++i) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            p[i] = (float(s >> 40) * (1.0f / 16777216.0f) * 2.0f - 1.0f) * half;
        }
    }
    void fillNormal(float* p, std::int64_t n, float sd = 1.0f) {
        for (std::int64_t i = 0; i < n; ++i)
            p[i] = normal(sd);
    }

private:
    std::mt19937 gen_;
};

// A weight matrix stored in f32, bf16 or f16, and the exact values it holds as doubles
// (after rounding), which the double references use.
struct StoredWeight {
    DType dtype = DType::F32;
    std::vector<float> f32;
    std::vector<std::uint16_t> half;
    std::vector<double> values;
    std::vector<std::int64_t> dims;

    StoredWeight(DType dt, std::vector<std::int64_t> shape, Rng& rng, float sd)
        : dtype(dt), dims(std::move(shape)) {
        std::int64_t n = 1;
        for (auto d : dims)
            n *= d;
        values.resize(std::size_t(n));
        if (dtype == DType::F32)
            f32.resize(std::size_t(n));
        else
            half.resize(std::size_t(n));
        std::vector<float> raw(static_cast<std::size_t>(n));
        rng.fillFast(raw.data(), n, sd);
        for (std::int64_t i = 0; i < n; ++i) {
            const float v = raw[std::size_t(i)];
            if (dtype == DType::F32) {
                f32[std::size_t(i)] = v;
                values[std::size_t(i)] = v;
            } else if (dtype == DType::BF16) {
                half[std::size_t(i)] = floatToBf16(v);
                values[std::size_t(i)] = bf16ToFloat(half[std::size_t(i)]);
            } else {
                half[std::size_t(i)] = floatToF16(v);
                values[std::size_t(i)] = f16ToFloat(half[std::size_t(i)]);
            }
        }
    }
    Tensor tensor() {
        Tensor t;
        t.data =
            dtype == DType::F32 ? static_cast<void*>(f32.data()) : static_cast<void*>(half.data());
        t.dtype = dtype;
        t.rank = int(dims.size());
        std::int64_t s = 1;
        for (int k = t.rank - 1; k >= 0; --k) {
            t.shape[std::size_t(k)] = dims[std::size_t(k)];
            t.stride[std::size_t(k)] = s;
            s *= dims[std::size_t(k)];
        }
        return t;
    }
    double operator[](std::int64_t i) const { return values[std::size_t(i)]; }
};

// |got - ref| <= atol + rtol * |ref| for every element, NaN never passes. Prints the case,
// its tolerance and the first few mismatches.
inline bool allClose(const QString& what, const std::vector<float>& got,
                     const std::vector<double>& ref, double atol, double rtol) {
    if (got.size() != ref.size()) {
        qWarning().noquote() << what << ": size" << got.size() << "vs" << ref.size();
        return false;
    }
    int bad = 0;
    double worst = 0.0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double err = std::fabs(double(got[i]) - ref[i]);
        const double tol = atol + rtol * std::fabs(ref[i]);
        if (!(err <= tol)) {
            if (bad < 5)
                qWarning().noquote() << what << ": index" << i << "expected" << ref[i] << "got"
                                     << got[i] << "tolerance" << tol;
            ++bad;
        }
        if (err > worst || std::isnan(err)) worst = err;
    }
    qInfo().noquote() << "   " << what
                      << QString("max abs err %1 (atol %2, rtol %3)%4")
                             .arg(worst, 0, 'g', 3)
                             .arg(atol, 0, 'g', 3)
                             .arg(rtol, 0, 'g', 3)
                             .arg(bad ? QString(", %1 mismatches").arg(bad) : QString());
    return bad == 0;
}

inline double maxAbs(const std::vector<double>& v) {
    double m = 0.0;
    for (double x : v)
        m = std::max(m, std::fabs(x));
    return m;
}

// Rows [rows, cols] of a strided float matrix, packed.
inline std::vector<float> gatherRows(const float* p, std::int64_t rows, std::int64_t cols,
                                     std::int64_t ld) {
    std::vector<float> out(std::size_t(rows * cols));
    for (std::int64_t r = 0; r < rows; ++r)
        std::memcpy(out.data() + r * cols, p + r * ld, std::size_t(cols) * sizeof(float));
    return out;
}

} // namespace lv::test
