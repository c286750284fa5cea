// Test harness for backend ops, after llama.cpp's test-backend-ops: every tensor lives on the
// reference backend (CPU) and on the backend under test; outputs are poisoned with NaN before
// the op, the tested copy sits between guard elements, and a comparison reports the relative
// error ||dut - ref|| / ||ref||, unwritten elements and stray writes.
#pragma once

#include "backend/Backend.h"
#include "core/DType.h"
#include "core/Tensor.h"

#include <QString>
#include <QtGlobal>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace lv::test {

// One logical tensor on both backends. `ref` and `dut` are views into buffers owned here.
struct Mirrored {
    Tensor ref;
    Tensor dut;
    void* refBase = nullptr;
    void* dutBase = nullptr;
    std::size_t bufferElems = 0; // elements of dtype in each buffer (including guards on dut)
    std::size_t guard = 0;       // guard elements before and after on dut
    std::int64_t viewOffset = 0; // element offset of the view inside the interior
};

struct Comparison {
    double relError = 0.0; // ||dut - ref|| / ||ref||
    double maxAbs = 0.0;
    std::int64_t mismatchedNaN = 0; // dut NaN where ref is finite (unwritten or broken)
    std::int64_t strayWrites = 0;   // guard or gap elements that changed
    std::int64_t count = 0;
    bool ok(double tol) const {
        return mismatchedNaN == 0 && strayWrites == 0 && std::isfinite(relError) && relError <= tol;
    }
    QString describe(double tol) const {
        return QString("rel err %1 (tol %2), max |diff| %3, %4 NaN, %5 stray writes, %6 elements")
            .arg(relError, 0, 'e', 2)
            .arg(tol, 0, 'e', 1)
            .arg(maxAbs, 0, 'e', 2)
            .arg(mismatchedNaN)
            .arg(strayWrites)
            .arg(count);
    }
};

class OpHarness {
public:
    OpHarness(Backend& ref, Backend& dut, std::uint64_t seed) : ref_(ref), dut_(dut), rng_(seed) {}
    ~OpHarness() {
        dut_.synchronize();
        for (auto& m : owned_) {
            ref_.release(m.refBase);
            dut_.release(m.dutBase);
        }
    }
    OpHarness(const OpHarness&) = delete;
    OpHarness& operator=(const OpHarness&) = delete;

    Backend& ref() { return ref_; }
    Backend& dut() { return dut_; }

    std::vector<float> randn(std::size_t n, float sigma = 1.0f, float mean = 0.0f) {
        std::normal_distribution<float> d(mean, sigma);
        std::vector<float> v(n);
        for (auto& x : v)
            x = d(rng_);
        return v;
    }
    std::vector<float> uniform(std::size_t n, float lo, float hi) {
        std::uniform_real_distribution<float> d(lo, hi);
        std::vector<float> v(n);
        for (auto& x : v)
            x = d(rng_);
        return v;
    }
    std::int64_t randint(std::int64_t lo, std::int64_t hi) { // inclusive
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
    }

    // A contiguous input with the given values, stored as dtype (f32 values rounded for bf16/f16).
    Mirrored input(const std::vector<float>& values, std::initializer_list<std::int64_t> dims,
                   DType dtype = DType::F32) {
        Mirrored m = make(dims, dtype, 0);
        uploadValues(m, values);
        return m;
    }
    // The same values on both sides, stored as refType on the reference and dutType on the
    // tested backend (e.g. an f32 KV cache against a bf16 one): values are first rounded to the
    // narrower type so that both hold the same numbers.
    Mirrored inputAs(std::vector<float> values, std::initializer_list<std::int64_t> dims,
                     DType refType, DType dutType) {
        for (DType t : {refType, dutType})
            roundTo(values, t);
        Mirrored m = make(dims, refType, 0);
        Mirrored d = make(dims, dutType, 0);
        owned_.pop_back();
        owned_.pop_back();
        dut_.release(m.dutBase);
        ref_.release(d.refBase);
        m.dut = d.dut;
        m.dutBase = d.dutBase;
        m.bufferElems = d.bufferElems;
        owned_.push_back(m);
        uploadSide(m, values, true);
        uploadSide(m, values, false);
        return m;
    }

    Mirrored inputI32(const std::vector<std::int32_t>& values,
                      std::initializer_list<std::int64_t> dims) {
        Mirrored m = make(dims, DType::I32, 0);
        write(m, values.data(), values.size() * 4);
        return m;
    }

    // A buffer [rows, ld] of random values; use slice() to view columns of it (strided rows).
    Mirrored wide(std::int64_t rows, std::int64_t ld, float sigma = 1.0f) {
        Mirrored m = make({rows, ld}, DType::F32, 0);
        uploadValues(m, randn(std::size_t(rows * ld), sigma));
        return m;
    }

    // A view of columns [col0, col0 + inner elements) of every row of `base`, shaped `dims`
    // (dims[0] == base rows; the inner dims contiguous).
    static Mirrored slice(const Mirrored& base, std::int64_t col0,
                          std::initializer_list<std::int64_t> dims) {
        Mirrored m = base;
        const std::int64_t ld = base.ref.stride[0];
        for (Tensor* t : {&m.ref, &m.dut}) {
            *t = Tensor::contiguous(nullptr, base.ref.dtype, dims, t->device);
            t->stride[0] = ld;
        }
        m.ref.data = static_cast<float*>(base.ref.data) + col0;
        m.dut.data = static_cast<float*>(base.dut.data) + col0;
        m.viewOffset = base.viewOffset + col0;
        return m;
    }

    // An output poisoned with NaN on both sides; the tested copy has guards around it.
    // ld > 0 makes rows strided (dims[0] rows of ld elements).
    Mirrored output(std::initializer_list<std::int64_t> dims, std::int64_t ld = 0,
                    DType dtype = DType::F32) {
        Mirrored m = make(dims, dtype, 64, ld);
        poison(m);
        return m;
    }

    // Sets an existing tensor (e.g. a state) to values on both sides.
    void set(Mirrored& m, const std::vector<float>& values) { uploadValues(m, values); }

    std::vector<float> readRef(const Mirrored& m) { return readView(m, true); }
    std::vector<float> readDut(const Mirrored& m) { return readView(m, false); }

    Comparison compare(const Mirrored& m) {
        ref_.synchronize();
        dut_.synchronize();
        const std::vector<float> r = readView(m, true), d = readView(m, false);
        Comparison c;
        c.count = std::int64_t(r.size());
        double num = 0.0, den = 0.0;
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (std::isnan(d[i]) && !std::isnan(r[i])) ++c.mismatchedNaN;
            const double diff = double(d[i]) - double(r[i]);
            num += diff * diff;
            den += double(r[i]) * double(r[i]);
            if (std::fabs(diff) > c.maxAbs || std::isnan(diff)) c.maxAbs = std::fabs(diff);
        }
        c.relError = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
        c.strayWrites = countStrayWrites(m);
        return c;
    }

private:
    static constexpr std::uint32_t kGuardBits = 0x5eed5eedu;
    static constexpr std::uint32_t kPoisonBits = 0x7fc00000u; // quiet NaN

    Mirrored make(std::initializer_list<std::int64_t> dims, DType dtype, std::size_t guard,
                  std::int64_t ld = 0) {
        Mirrored m;
        m.ref = Tensor::contiguous(nullptr, dtype, dims, ref_.device());
        m.dut = Tensor::contiguous(nullptr, dtype, dims, dut_.device());
        std::size_t n = std::size_t(m.ref.numel());
        if (ld > 0 && m.ref.rank >= 2) {
            m.ref.stride[0] = m.dut.stride[0] = ld;
            n = std::size_t(m.ref.shape[0] * ld);
        }
        const std::size_t es = dtypeSize(dtype);
        m.guard = guard;
        m.bufferElems = n + 2 * guard;
        m.refBase = ref_.allocate(std::max<std::size_t>(n, 1) * es);
        m.dutBase = dut_.allocate(std::max<std::size_t>(m.bufferElems, 1) * es);
        m.ref.data = m.refBase;
        m.dut.data = static_cast<char*>(m.dutBase) + guard * es;
        if (guard) {
            std::vector<std::uint32_t> g(m.bufferElems * es / 4 + 1, kGuardBits);
            dut_.upload(m.dutBase, g.data(), m.bufferElems * es);
        }
        owned_.push_back(m);
        return m;
    }

    void write(Mirrored& m, const void* bytes, std::size_t n) {
        ref_.upload(m.ref.data, bytes, n);
        dut_.upload(m.dut.data, bytes, n);
    }

    void uploadSide(Mirrored& m, const std::vector<float>& values, bool refSide) {
        const Tensor& t = refSide ? m.ref : m.dut;
        Backend& b = refSide ? ref_ : dut_;
        if (t.dtype == DType::F32) {
            b.upload(t.data, values.data(), values.size() * 4);
            return;
        }
        std::vector<std::uint16_t> half(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            half[i] = t.dtype == DType::BF16 ? floatToBf16(values[i]) : floatToF16(values[i]);
        b.upload(t.data, half.data(), half.size() * 2);
    }

    // Values as a tensor of type t holds them.
    static void roundTo(std::vector<float>& values, DType t) {
        for (auto& v : values)
            if (t == DType::BF16)
                v = bf16ToFloat(floatToBf16(v));
            else if (t == DType::F16)
                v = f16ToFloat(floatToF16(v));
    }

    void uploadValues(Mirrored& m, const std::vector<float>& values) {
        Q_ASSERT(std::int64_t(values.size()) == m.ref.numel());
        if (m.ref.dtype != m.dut.dtype) { // (inputAs) each side in its type, the same numbers
            std::vector<float> same = values;
            for (DType t : {m.ref.dtype, m.dut.dtype})
                roundTo(same, t);
            uploadSide(m, same, true);
            uploadSide(m, same, false);
            return;
        }
        if (m.ref.dtype == DType::F32 && m.ref.isContiguous()) {
            write(m, values.data(), values.size() * 4);
            return;
        }
        std::vector<std::uint16_t> half(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            half[i] = m.ref.dtype == DType::BF16 ? floatToBf16(values[i]) : floatToF16(values[i]);
        Q_ASSERT(m.ref.isContiguous());
        write(m, half.data(), half.size() * 2);
    }

    // All bytes of the interior (between guards) of one side.
    std::vector<std::uint32_t> interiorWords(const Mirrored& m, bool refSide) {
        // Each side in its own type (inputAs may store them differently).
        const std::size_t es = dtypeSize(refSide ? m.ref.dtype : m.dut.dtype);
        const std::size_t n = m.bufferElems - 2 * m.guard;
        std::vector<std::uint32_t> w((n * es + 3) / 4);
        Backend& b = refSide ? ref_ : dut_;
        b.download(w.data(), refSide ? m.refBase : static_cast<char*>(m.dutBase) + m.guard * es,
                   n * es);
        return w;
    }

    // Offsets (in elements, from the view's first element) of every element of the view.
    static std::vector<std::int64_t> viewOffsets(const Tensor& t) {
        std::vector<std::int64_t> offs;
        const std::int64_t n = t.numel();
        offs.reserve(std::size_t(n));
        std::array<std::int64_t, 4> idx{0, 0, 0, 0};
        for (std::int64_t i = 0; i < n; ++i) {
            std::int64_t o = 0;
            for (int k = 0; k < t.rank; ++k)
                o += idx[k] * t.stride[k];
            offs.push_back(o);
            for (int k = t.rank - 1; k >= 0; --k) {
                if (++idx[k] < t.shape[k]) break;
                idx[k] = 0;
            }
        }
        return offs;
    }

    std::vector<float> readView(const Mirrored& m, bool refSide) {
        const Tensor& t = refSide ? m.ref : m.dut;
        const auto words = interiorWords(m, refSide);
        const auto offs = viewOffsets(t);
        std::vector<float> out(offs.size());
        for (std::size_t i = 0; i < offs.size(); ++i) {
            const std::int64_t e = m.viewOffset + offs[i];
            if (t.dtype == DType::F32) {
                std::memcpy(&out[i], &words[std::size_t(e)], 4);
            } else if (t.dtype == DType::I32) {
                std::int32_t v;
                std::memcpy(&v, &words[std::size_t(e)], 4);
                out[i] = float(v);
            } else {
                std::uint16_t h;
                std::memcpy(&h, reinterpret_cast<const char*>(words.data()) + e * 2, 2);
                out[i] = t.dtype == DType::BF16 ? bf16ToFloat(h) : f16ToFloat(h);
            }
        }
        return out;
    }

    void poison(Mirrored& m) {
        const std::size_t es = dtypeSize(m.ref.dtype);
        const std::size_t n = m.bufferElems - 2 * m.guard;
        std::vector<std::uint32_t> p((n * es + 3) / 4, kPoisonBits);
        ref_.upload(m.refBase, p.data(), n * es);
        dut_.upload(static_cast<char*>(m.dutBase) + m.guard * es, p.data(), n * es);
    }

    // Guards must keep their pattern; interior elements outside the view must stay poisoned.
    std::int64_t countStrayWrites(const Mirrored& m) {
        if (m.guard == 0) return 0;
        const std::size_t es = dtypeSize(m.dut.dtype);
        std::vector<std::uint32_t> all((m.bufferElems * es + 3) / 4);
        dut_.download(all.data(), m.dutBase, m.bufferElems * es);
        std::int64_t stray = 0;
        const std::size_t guardWords = m.guard * es / 4;
        const std::size_t interiorWordsN = (m.bufferElems - 2 * m.guard) * es / 4;
        for (std::size_t i = 0; i < guardWords; ++i) {
            stray += all[i] != kGuardBits;
            stray += all[guardWords + interiorWordsN + i] != kGuardBits;
        }
        if (es == 4) {
            std::vector<char> inView(interiorWordsN, 0);
            for (auto o : viewOffsets(m.dut))
                inView[std::size_t(m.viewOffset + o)] = 1;
            for (std::size_t i = 0; i < interiorWordsN; ++i)
                if (!inView[i] && all[guardWords + i] != kPoisonBits) ++stray;
        }
        return stray;
    }

    Backend& ref_;
    Backend& dut_;
    std::mt19937_64 rng_;
    std::vector<Mirrored> owned_;
};

} // namespace lv::test
