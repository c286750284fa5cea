// Every op of the CPU backend against a naive double-precision reference written here,
// on random inputs of real model shapes (Granite 4.0-H 1B) and odd small ones. Each case
// prints its parameters and tolerance; outputs are poisoned before the op and guarded
// against stray writes; bf16/f16 weights are checked through the values they hold.

#include "OpTestSupport.h"

#include "backend/Backend.h"
#include "backend/cpu/ThreadPool.h"
#include "core/Error.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <numeric>

using namespace lv;
using namespace lv::test;

namespace {

const DType kWeightTypes[] = {DType::F32, DType::BF16, DType::F16};

double silu(double v) {
    return v / (1.0 + std::exp(-v));
}
double softplus(double v) {
    return v > 20.0 ? v : std::log1p(std::exp(v));
}

QString dt(DType t) {
    return QString::fromLatin1(dtypeName(t).data(), int(dtypeName(t).size()));
}

// Naive Mamba2 recurrence in double: the definition the chunked scan must reproduce.
struct SsdCase {
    std::int64_t T, H, P, G, N;
    std::vector<float> x, dt, B, C, A, D, dtBias;
    SsdParams params;
};

void ssdReference(const SsdCase& c, std::vector<double>& state, std::vector<double>& y,
                  std::int64_t t0, std::int64_t t1) {
    const std::int64_t hpg = c.H / c.G;
    for (std::int64_t t = t0; t < t1; ++t)
        for (std::int64_t h = 0; h < c.H; ++h) {
            const std::int64_t g = h / hpg;
            double d = softplus(double(c.dt[std::size_t(t * c.H + h)]) + c.dtBias[std::size_t(h)]);
            d = std::min(std::max(d, double(c.params.dtMin)), double(c.params.dtMax));
            const double dA = std::exp(d * c.A[std::size_t(h)]);
            for (std::int64_t p = 0; p < c.P; ++p) {
                const double xv = c.x[std::size_t((t * c.H + h) * c.P + p)];
                double acc = 0.0;
                for (std::int64_t n = 0; n < c.N; ++n) {
                    double& s = state[std::size_t((h * c.P + p) * c.N + n)];
                    s = s * dA + d * xv * c.B[std::size_t((t * c.G + g) * c.N + n)];
                    acc += s * c.C[std::size_t((t * c.G + g) * c.N + n)];
                }
                y[std::size_t((t * c.H + h) * c.P + p)] = acc + c.D[std::size_t(h)] * xv;
            }
        }
}

SsdCase makeSsdCase(std::int64_t T, std::int64_t H, std::int64_t P, std::int64_t G, std::int64_t N,
                    std::uint32_t seed, float dtHi, float aMaxLog) {
    Rng rng(seed);
    SsdCase c{T, H, P, G, N, {}, {}, {}, {}, {}, {}, {}, {}};
    c.x.resize(std::size_t(T * H * P));
    c.dt.resize(std::size_t(T * H));
    c.B.resize(std::size_t(T * G * N));
    c.C.resize(std::size_t(T * G * N));
    rng.fillNormal(c.x.data(), T * H * P);
    rng.fillUniform(c.dt.data(), T * H, -5.0f, dtHi);
    rng.fillNormal(c.B.data(), T * G * N, 0.5f);
    rng.fillNormal(c.C.data(), T * G * N, 0.5f);
    for (std::int64_t h = 0; h < H; ++h) {
        c.A.push_back(-std::exp(rng.uniform(0.0f, aMaxLog)));
        c.D.push_back(rng.uniform(0.5f, 1.5f));
        c.dtBias.push_back(float(std::log(std::expm1(double(rng.uniform(0.001f, 0.1f))))));
    }
    return c;
}

// Runs the backend's scan over tokens [t0, t1) of the case, with the inputs laid out as
// slices of one strided row per token (like the real in_proj output), into y (packed).
void runSsd(Backend& be, const SsdCase& c, std::int64_t t0, std::int64_t t1, GuardedBuffer& state,
            std::vector<float>& y, bool& guardsOk) {
    const std::int64_t T = t1 - t0;
    const std::int64_t xw = c.H * c.P, bw = c.G * c.N;
    const std::int64_t row = 3 + xw + 2 * bw + c.H + 5; // padding, x, B, C, dt, padding
    GuardedBuffer in(T * row), out(T * xw);
    for (std::int64_t t = 0; t < T; ++t) {
        float* r = in.data() + t * row;
        std::copy_n(c.x.data() + (t0 + t) * xw, xw, r + 3);
        std::copy_n(c.B.data() + (t0 + t) * bw, bw, r + 3 + xw);
        std::copy_n(c.C.data() + (t0 + t) * bw, bw, r + 3 + xw + bw);
        std::copy_n(c.dt.data() + (t0 + t) * c.H, c.H, r + 3 + xw + 2 * bw);
    }
    out.poison();
    Tensor x = view(in.data() + 3, {T, c.H, c.P}, row);
    Tensor B = view(in.data() + 3 + xw, {T, c.G, c.N}, row);
    Tensor C = view(in.data() + 3 + xw + bw, {T, c.G, c.N}, row);
    Tensor dt = view(in.data() + 3 + xw + 2 * bw, {T, c.H}, row);
    std::vector<float> A = c.A, D = c.D, bias = c.dtBias;
    Tensor tA = view(A.data(), {c.H}), tD = view(D.data(), {c.H}), tb = view(bias.data(), {c.H});
    Tensor st = view(state.data(), {c.H, c.P, c.N});
    Tensor ty = view(out.data(), {T, c.H, c.P});
    be.ssdScan(x, dt, tA, B, C, tD, tb, c.params, st, ty);
    y.insert(y.end(), out.data(), out.data() + T * xw);
    guardsOk = guardsOk && in.guardsIntact() && out.guardsIntact() && state.guardsIntact();
}

} // namespace

class CpuOpsTest : public QObject {
    Q_OBJECT

    std::unique_ptr<Backend> be_ = makeCpuBackend(2);

private slots:
    void threadPoolRunsEveryIndexOnceAndRethrows() {
        for (int threads : {1, 2, 5}) {
            cpu::ThreadPool pool(threads);
            std::vector<std::atomic<int>> hits(1000);
            pool.parallelFor(1000, 7, [&](std::int64_t b, std::int64_t e) {
                for (std::int64_t i = b; i < e; ++i)
                    hits[std::size_t(i)]++;
                // Nested calls run inline on the calling thread.
                pool.parallelFor(3, 1, [&](std::int64_t, std::int64_t) {});
            });
            for (auto& h : hits)
                QCOMPARE(h.load(), 1);
            bool thrown = false;
            try {
                pool.parallelFor(100, 1, [&](std::int64_t b, std::int64_t) {
                    if (b == 42) throw std::runtime_error("piece 42");
                });
            } catch (const std::runtime_error& e) {
                thrown = QString(e.what()) == "piece 42";
            }
            QVERIFY(thrown);
            // Still usable after an exception.
            std::atomic<std::int64_t> sum{0};
            pool.parallelFor(100, 3, [&](std::int64_t b, std::int64_t e) {
                for (std::int64_t i = b; i < e; ++i)
                    sum += i;
            });
            QCOMPARE(sum.load(), std::int64_t(4950));
        }
    }

    void memoryOps() {
        void* p = be_->allocate(1000);
        QVERIFY(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
        std::vector<float> src(250), dst(250);
        std::iota(src.begin(), src.end(), 1.0f);
        be_->upload(p, src.data(), 1000);
        be_->download(dst.data(), p, 1000);
        QCOMPARE(dst, src);
        be_->fill(p, 2.5f, 250);
        be_->download(dst.data(), p, 1000);
        QVERIFY(std::all_of(dst.begin(), dst.end(), [](float v) { return v == 2.5f; }));
        be_->release(p);
        QCOMPARE(be_->device(), DeviceKind::Cpu);
    }

    // The KV-cache append into each cache type a backend may keep (the GPU's is f16): rows
    // land at row0, the rest stays, f16 saturates at +-65504 instead of overflowing, and
    // floatsFrom reads back what floatsTo wrote.
    void storeRowsConvertsIntoTheCache() {
        Rng rng(7);
        const std::int64_t cap = 9, rowLen = 6, T = 3, row0 = 4;
        std::vector<float> src(std::size_t(T * rowLen));
        rng.fillNormal(src.data(), src.size());
        src[1] = 1e6f;
        src[2] = -7e4f;
        for (DType cache : {DType::F32, DType::BF16, DType::F16}) {
            const std::size_t es = dtypeSize(cache);
            std::vector<std::uint8_t> dst(std::size_t(cap * rowLen) * es, 0xab);
            Tensor d = Tensor::contiguous(dst.data(), cache, {cap, rowLen});
            be_->storeRows(view(src.data(), {T, rowLen}), d, row0);
            std::vector<float> back(std::size_t(cap * rowLen));
            floatsFrom(cache, dst.data(), back.data(), back.size());
            for (std::int64_t r = 0; r < cap; ++r)
                for (std::int64_t c = 0; c < rowLen; ++c) {
                    const std::size_t i = std::size_t(r * rowLen + c);
                    if (r < row0 || r >= row0 + T) {
                        QCOMPARE(dst[i * es], std::uint8_t(0xab)); // untouched
                        continue;
                    }
                    const float v = src[std::size_t((r - row0) * rowLen + c)];
                    const float want =
                        cache == DType::F32 ? v
                        : cache == DType::BF16
                            ? bf16ToFloat(floatToBf16(v))
                            : f16ToFloat(floatToF16(std::clamp(v, -65504.0f, 65504.0f)));
                    QCOMPARE(back[i], want);
                }
            if (cache == DType::F16) {
                QCOMPARE(back[std::size_t(row0 * rowLen + 1)], 65504.0f);
                QCOMPARE(back[std::size_t(row0 * rowLen + 2)], -65504.0f);
            }
        }
        // src rows apart (k of a stacked q/k/v product): the same rows land.
        std::vector<float> wide(std::size_t(T * (rowLen + 5)));
        rng.fillNormal(wide.data(), wide.size());
        Tensor apart = view(wide.data() + 5, {T, rowLen});
        apart.stride[0] = rowLen + 5;
        std::vector<float> got(std::size_t(cap * rowLen), -1.0f);
        Tensor g = Tensor::contiguous(got.data(), DType::F32, {cap, rowLen});
        be_->storeRows(apart, g, row0);
        for (std::int64_t r = 0; r < T; ++r)
            for (std::int64_t c = 0; c < rowLen; ++c)
                QCOMPARE(got[std::size_t((row0 + r) * rowLen + c)],
                         wide[std::size_t(r * (rowLen + 5) + 5 + c)]);
        QCOMPARE(got[std::size_t((row0 + T) * rowLen)], -1.0f);
        std::vector<float> dst(4);
        Tensor i32 = Tensor::contiguous(dst.data(), DType::I32, {2, 2});
        QVERIFY_THROWS_EXCEPTION(EngineError, be_->storeRows(view(src.data(), {1, 2}), i32, 0));
        Tensor overlapping = view(wide.data(), {T, rowLen}); // rows closer than their length
        overlapping.stride[0] = rowLen - 1;
        QVERIFY_THROWS_EXCEPTION(EngineError, be_->storeRows(overlapping, g, 0));
    }

    void zeroTokensAreNoOps() {
        // A prefill chunk can be empty; nothing is written and the states stay as they are.
        Rng rng(12);
        GuardedBuffer x(0), out(0), state(4 * 3);
        rng.fillNormal(state.data(), 12);
        const std::vector<float> s0(state.data(), state.data() + 12);
        StoredWeight W(DType::BF16, {5, 4}, rng, 1.0f), cw(DType::F32, {4, 4}, rng, 1.0f),
            nw(DType::F32, {4}, rng, 1.0f);
        Tensor tx = view(x.data(), {0, 4}), to = view(out.data(), {0, 5});
        be_->linear(tx, W.tensor(), nullptr, 1.0f, to);
        Tensor tn = view(out.data(), {0, 4});
        be_->rmsNorm(tx, nw.tensor(), 1e-5f, tn);
        Tensor ts = view(state.data(), {4, 3});
        be_->causalConv1d(tx, cw.tensor(), nullptr, ts, true, tn);
        Tensor q = view(x.data(), {0, 2, 2}), k = view(state.data(), {3, 1, 2}),
               o = view(out.data(), {0, 2, 2});
        be_->attention(q, k, k, 3, 1.0f, o);
        std::vector<float> A{-1.0f}, D{1.0f}, bias{0.0f}, st(2 * 3, 0.5f);
        Tensor x3 = view(x.data(), {0, 1, 2}), dt = view(x.data(), {0, 1}),
               B = view(x.data(), {0, 1, 3});
        Tensor tst = view(st.data(), {1, 2, 3}), y = view(out.data(), {0, 1, 2});
        be_->ssdScan(x3, dt, view(A.data(), {1}), B, B, view(D.data(), {1}), view(bias.data(), {1}),
                     SsdParams{}, tst, y);
        QVERIFY(std::all_of(st.begin(), st.end(), [](float v) { return v == 0.5f; }));
        QCOMPARE(std::vector<float>(state.data(), state.data() + 12), s0);
        QVERIFY(x.guardsIntact() && out.guardsIntact() && state.guardsIntact());
    }

    void embedding() {
        Rng rng(1);
        for (DType wt : kWeightTypes)
            for (auto [V, H, T, scale] : {std::tuple{1000, 1536, 9, 1.0f}, {37, 13, 5, 12.0f}}) {
                const QString name = QString("embedding V=%1 H=%2 T=%3 scale=%4 %5")
                                         .arg(V)
                                         .arg(H)
                                         .arg(T)
                                         .arg(scale)
                                         .arg(dt(wt));
                qInfo().noquote() << name;
                StoredWeight table(wt, {V, H}, rng, 1.0f);
                std::vector<std::int32_t> ids(static_cast<std::size_t>(T));
                for (auto& id : ids)
                    id = rng.integer(0, V - 1);
                ids[0] = V - 1;
                GuardedBuffer out(T * H);
                out.poison();
                Tensor tid = Tensor::contiguous(ids.data(), DType::I32, {T});
                Tensor o = view(out.data(), {T, H});
                be_->embedding(tid, table.tensor(), scale, o);
                std::vector<double> ref(std::size_t(T * H));
                for (int t = 0; t < T; ++t)
                    for (int i = 0; i < H; ++i)
                        ref[std::size_t(t * H + i)] =
                            table[std::int64_t(ids[std::size_t(t)]) * H + i] * scale;
                QVERIFY2(allClose(name, {out.data(), out.data() + T * H}, ref, 0.0, 1e-7),
                         qPrintable(name));
                QVERIFY(out.guardsIntact());
            }
        // An id outside the vocabulary is an error, not a crash.
        std::vector<std::int32_t> bad{3, 40};
        StoredWeight table(DType::F32, {37, 4}, rng, 1.0f);
        GuardedBuffer out(8);
        Tensor o = view(out.data(), {2, 4});
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 be_->embedding(Tensor::contiguous(bad.data(), DType::I32, {2}),
                                                table.tensor(), 1.0f, o));
    }

    void linear() {
        Rng rng(2);
        struct Case {
            std::int64_t T, K, N, pad;
            bool bias;
            float scale;
        };
        // 1B shapes: in_proj 1536 -> 6448, out_proj 3072 -> 1536, MLP 1536 -> 8192; odd ones.
        const Case cases[] = {{1, 1536, 6448, 0, false, 1.0f},  {3, 3072, 1536, 0, false, 1.0f},
                              {33, 1536, 6448, 0, false, 1.0f}, {4, 100, 33, 7, true, 0.5f},
                              {70, 257, 129, 5, true, 0.25f},   {600, 64, 300, 0, true, 2.0f},
                              {5, 1, 17, 2, true, 1.0f},        {2, 2049, 40, 0, false, 1.0f}};
        for (DType wt : kWeightTypes)
            for (const Case& c : cases) {
                if (wt != DType::BF16 && c.K * c.N * c.T > 20'000'000) continue; // large: bf16 only
                const QString name =
                    QString("linear T=%1 K=%2 N=%3 x-row-pad=%4 bias=%5 scale=%6 %7")
                        .arg(c.T)
                        .arg(c.K)
                        .arg(c.N)
                        .arg(c.pad)
                        .arg(c.bias)
                        .arg(c.scale)
                        .arg(dt(wt));
                qInfo().noquote() << name;
                const std::int64_t ldx = c.K + c.pad;
                GuardedBuffer x(c.T * ldx), out(c.T * c.N);
                rng.fillNormal(x.data(), c.T * ldx);
                StoredWeight W(wt, {c.N, c.K}, rng, float(1.0 / std::sqrt(double(c.K))));
                std::vector<float> bias(static_cast<std::size_t>(c.N));
                rng.fillNormal(bias.data(), c.N);
                out.poison();
                Tensor tx = view(x.data(), {c.T, c.K}, ldx);
                Tensor tb = view(bias.data(), {c.N});
                Tensor to = view(out.data(), {c.T, c.N});
                be_->linear(tx, W.tensor(), c.bias ? &tb : nullptr, c.scale, to);
                std::vector<double> ref(std::size_t(c.T * c.N)), mag(ref.size());
                for (std::int64_t t = 0; t < c.T; ++t)
                    for (std::int64_t n = 0; n < c.N; ++n) {
                        double s = 0.0, m = 0.0;
                        for (std::int64_t k = 0; k < c.K; ++k) {
                            const double p = double(x[t * ldx + k]) * W[n * c.K + k];
                            s += p;
                            m += std::fabs(p);
                        }
                        if (c.bias) s += bias[std::size_t(n)];
                        ref[std::size_t(t * c.N + n)] = s * c.scale;
                        mag[std::size_t(t * c.N + n)] = m * c.scale;
                    }
                // float32 accumulation: error relative to the sum of |terms|.
                std::vector<float> got(out.data(), out.data() + c.T * c.N);
                bool ok = true;
                for (std::size_t i = 0; i < ref.size() && ok; ++i)
                    ok = std::fabs(double(got[i]) - ref[i]) <= 2e-6 * mag[i] + 1e-6;
                allClose(name, got, ref, 2e-6 * maxAbs(mag) + 1e-6, 0.0);
                QVERIFY2(ok, qPrintable(name));
                QVERIFY(out.guardsIntact() && x.guardsIntact());
                // The same product added into what the output holds (ProductOut::Add).
                std::vector<float> before(std::size_t(c.T * c.N));
                rng.fillNormal(before.data(), c.T * c.N);
                std::copy(before.begin(), before.end(), out.data());
                be_->linear(tx, W.tensor(), c.bias ? &tb : nullptr, c.scale, to, ProductOut::Add);
                for (std::size_t i = 0; i < ref.size(); ++i)
                    ref[i] += before[i];
                const std::vector<float> added(out.data(), out.data() + c.T * c.N);
                QVERIFY2(allClose(name + " added", added, ref, 2e-6 * maxAbs(mag) + 1e-6, 1e-6),
                         qPrintable(name + " added"));
                QVERIFY(out.guardsIntact());
            }
        // Mismatched shapes are reported, not crashed on.
        GuardedBuffer x(12), out(12);
        StoredWeight W(DType::F32, {3, 5}, rng, 1.0f);
        Tensor tx = view(x.data(), {3, 4}), to = view(out.data(), {3, 3});
        QVERIFY_THROWS_EXCEPTION(EngineError, be_->linear(tx, W.tensor(), nullptr, 1.0f, to));
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 be_->linear(tx, W.tensor(), nullptr, 1.0f, to, ProductOut::Add));
    }

    void rmsNorm() {
        Rng rng(3);
        for (DType wt : kWeightTypes)
            for (auto [T, H, pad, inPlace] : {std::tuple{17, 1536, 0, false},
                                              {5, 33, 3, false},
                                              {9, 1536, 0, true},
                                              {1, 7, 1, true}}) {
                const QString name = QString("rmsNorm T=%1 H=%2 pad=%3 inPlace=%4 %5")
                                         .arg(T)
                                         .arg(H)
                                         .arg(pad)
                                         .arg(inPlace)
                                         .arg(dt(wt));
                qInfo().noquote() << name;
                const std::int64_t ld = H + pad;
                GuardedBuffer x(T * ld), out(T * ld);
                rng.fillNormal(x.data(), T * ld, 3.0f);
                StoredWeight w(wt, {H}, rng, 1.0f);
                const std::vector<float> x0(x.data(), x.data() + T * ld);
                std::vector<double> ref(std::size_t(T * H));
                for (int t = 0; t < T; ++t) {
                    double ss = 0.0;
                    for (int i = 0; i < H; ++i)
                        ss += double(x0[std::size_t(t * ld + i)]) * x0[std::size_t(t * ld + i)];
                    const double r = 1.0 / std::sqrt(ss / H + 1e-5);
                    for (int i = 0; i < H; ++i)
                        ref[std::size_t(t * H + i)] = x0[std::size_t(t * ld + i)] * r * w[i];
                }
                Tensor tx = view(x.data(), {T, H}, ld);
                if (!inPlace) out.poison();
                Tensor to = inPlace ? tx : view(out.data(), {T, H}, ld);
                be_->rmsNorm(tx, w.tensor(), 1e-5f, to);
                QVERIFY2(allClose(name, gatherRows(to.as<float>(), T, H, ld), ref, 1e-6, 2e-6),
                         qPrintable(name));
                QVERIFY(x.guardsIntact() && out.guardsIntact());
            }
    }

    // The reference takes the GPU's 16-bit activations: producers round their f32 result
    // into a 16-bit out (f16 saturating), linear widens a 16-bit x of the weight's type;
    // anything else is refused with the op and the types named.
    void sixteenBitActivations() {
        Rng rng(21);
        const std::int64_t T = 6, H = 40, N = 9;
        std::vector<float> x(std::size_t(T * H)), z(x.size()), f32(x.size());
        rng.fillNormal(x.data(), x.size(), 3.0f);
        rng.fillNormal(z.data(), z.size(), 1.0f);
        x[3] = 1e6f; // beyond f16: saturates
        StoredWeight nw(DType::F32, {H}, rng, 1.0f);
        for (DType half : {DType::BF16, DType::F16}) {
            std::vector<std::uint16_t> out(x.size());
            std::vector<float> widened(x.size());
            auto check = [&](const char* what, auto&& run) {
                Tensor to = Tensor::contiguous(out.data(), half, {T, H});
                Tensor tf = view(f32.data(), {T, H});
                run(tf);
                run(to);
                floatsFrom(half, out.data(), widened.data(), widened.size());
                for (std::size_t i = 0; i < f32.size(); ++i) {
                    const float want = half == DType::BF16
                                           ? bf16ToFloat(floatToBf16(f32[i]))
                                           : f16ToFloat(floatToF16Saturated(f32[i]));
                    QVERIFY2(widened[i] == want,
                             qPrintable(
                                 QString("%1 into %2, element %3").arg(what).arg(dt(half)).arg(i)));
                }
            };
            const Tensor tx = view(x.data(), {T, H}), tz = view(z.data(), {T, H});
            check("rmsNorm", [&](Tensor& o) { be_->rmsNorm(tx, nw.tensor(), 1e-5f, o); });
            check("gatedRmsNorm",
                  [&](Tensor& o) { be_->gatedRmsNorm(tx, tz, nw.tensor(), 8, 1e-5f, true, o); });
            check("swiglu", [&](Tensor& o) { be_->swiglu(tz, tx, o); });

            // linear on the 16-bit rows equals linear on their f32 values.
            StoredWeight w(half, {N, H}, rng, 0.2f);
            std::vector<float> y16(std::size_t(T * N)), y32(y16.size());
            Tensor x16 = Tensor::contiguous(out.data(), half, {T, H});
            Tensor ty16 = view(y16.data(), {T, N}), ty32 = view(y32.data(), {T, N});
            be_->linear(x16, w.tensor(), nullptr, 1.0f, ty16);
            be_->linear(view(widened.data(), {T, H}), w.tensor(), nullptr, 1.0f, ty32);
            QCOMPARE(y16, y32);
            StoredWeight other(half == DType::BF16 ? DType::F16 : DType::BF16, {N, H}, rng, 0.2f);
            QVERIFY_THROWS_EXCEPTION(EngineError,
                                     be_->linear(x16, other.tensor(), nullptr, 1.0f, ty16));
        }
    }

    // The fused products are, by default, exactly their two ops; a scratch too small for
    // the input is refused.
    void fusedProductsAreTheTwoOps() {
        Rng rng(22);
        const std::int64_t T = 5, K = 48, N = 7;
        std::vector<float> a(std::size_t(T * K)), b(a.size()), tmp(a.size()), scratch(a.size());
        rng.fillNormal(a.data(), a.size(), 1.0f);
        rng.fillNormal(b.data(), b.size(), 1.0f);
        StoredWeight w(DType::BF16, {N, K}, rng, 0.2f), nw(DType::F32, {K}, rng, 1.0f);
        std::vector<float> bias(N, 0.25f), want(std::size_t(T * N)), got(want.size());
        const Tensor ta = view(a.data(), {T, K}), tb = view(b.data(), {T, K});
        Tensor tt = view(tmp.data(), {T, K}), ts = view(scratch.data(), {T, K});
        Tensor tw = view(want.data(), {T, N}), tg = view(got.data(), {T, N});
        const Tensor tbias = view(bias.data(), {N});

        be_->swiglu(ta, tb, tt);
        be_->linear(tt, w.tensor(), &tbias, 0.5f, tw);
        be_->linearOfSwiglu(ta, tb, w.tensor(), &tbias, 0.5f, tg, ts);
        QCOMPARE(got, want);

        be_->gatedRmsNorm(ta, tb, nw.tensor(), 16, 1e-5f, true, tt);
        be_->linear(tt, w.tensor(), nullptr, 2.0f, tw);
        be_->linearOfGatedRmsNorm(ta, tb, nw.tensor(), 16, 1e-5f, true, w.tensor(), nullptr, 2.0f,
                                  tg, ts);
        QCOMPARE(got, want);

        Tensor small = view(scratch.data(), {T - 1, K});
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 be_->linearOfSwiglu(ta, tb, w.tensor(), nullptr, 1.0f, tg, small));
    }

    void gatedRmsNorm() {
        Rng rng(4);
        struct Case {
            std::int64_t T, D, group, zPad;
            bool before, inPlace;
            DType wt;
        };
        const Case cases[] = {{7, 3072, 3072, 0, false, false, DType::BF16},
                              {7, 3072, 384, 100, false, true, DType::F32},
                              {5, 3072, 3072, 9, true, false, DType::F16},
                              {3, 24, 6, 1, true, true, DType::F32},
                              {1, 10, 5, 0, false, false, DType::F32}};
        for (const Case& c : cases) {
            const QString name = QString("gatedRmsNorm T=%1 D=%2 group=%3 z-row-pad=%4 "
                                         "normBeforeGate=%5 inPlace=%6 %7")
                                     .arg(c.T)
                                     .arg(c.D)
                                     .arg(c.group)
                                     .arg(c.zPad)
                                     .arg(c.before)
                                     .arg(c.inPlace)
                                     .arg(dt(c.wt));
            qInfo().noquote() << name;
            const std::int64_t ldz = c.D + c.zPad;
            GuardedBuffer x(c.T * c.D), z(c.T * ldz), out(c.T * c.D);
            rng.fillNormal(x.data(), c.T * c.D, 2.0f);
            rng.fillNormal(z.data(), c.T * ldz, 3.0f);
            StoredWeight w(c.wt, {c.D}, rng, 1.0f);
            std::vector<double> ref(std::size_t(c.T * c.D));
            for (std::int64_t t = 0; t < c.T; ++t)
                for (std::int64_t g0 = 0; g0 < c.D; g0 += c.group) {
                    std::vector<double> h(static_cast<std::size_t>(c.group));
                    double ss = 0.0;
                    for (std::int64_t i = 0; i < c.group; ++i) {
                        const double xv = x[t * c.D + g0 + i];
                        h[std::size_t(i)] = c.before ? xv : xv * silu(z[t * ldz + g0 + i]);
                        ss += h[std::size_t(i)] * h[std::size_t(i)];
                    }
                    const double r = 1.0 / std::sqrt(ss / double(c.group) + 1e-6);
                    for (std::int64_t i = 0; i < c.group; ++i) {
                        double v = h[std::size_t(i)] * r * w[g0 + i];
                        if (c.before) v *= silu(z[t * ldz + g0 + i]);
                        ref[std::size_t(t * c.D + g0 + i)] = v;
                    }
                }
            Tensor tx = view(x.data(), {c.T, c.D});
            Tensor tz = view(z.data(), {c.T, c.D}, ldz);
            if (!c.inPlace) out.poison();
            Tensor to = c.inPlace ? tx : view(out.data(), {c.T, c.D});
            be_->gatedRmsNorm(tx, tz, w.tensor(), c.group, 1e-6f, c.before, to);
            QVERIFY2(allClose(name, {to.as<float>(), to.as<float>() + c.T * c.D}, ref, 1e-6, 5e-6),
                     qPrintable(name));
            QVERIFY(x.guardsIntact() && z.guardsIntact() && out.guardsIntact());
        }
    }

    void elementwise() {
        Rng rng(5);
        for (auto [T, F, pad] : {std::tuple{9, 4096, 0}, {3, 37, 5}, {1, 1, 0}}) {
            const QString params = QString("T=%1 F=%2 pad=%3").arg(T).arg(F).arg(pad);
            qInfo().noquote() << "elementwise" << params;
            const std::int64_t ld = 2 * F + pad; // gate and up halves of one projection row
            GuardedBuffer gu(T * ld), a(T * F), out(T * F);
            rng.fillNormal(gu.data(), T * ld, 4.0f);
            gu[0] = 95.0f; // SiLU far into both tails
            gu[1 % (T * ld)] = -95.0f;
            rng.fillNormal(a.data(), T * F);
            Tensor gate = view(gu.data(), {T, F}, ld), up = view(gu.data() + F, {T, F}, ld);
            std::vector<double> ref(std::size_t(T * F));

            out.poison();
            Tensor to = view(out.data(), {T, F});
            be_->swiglu(gate, up, to);
            for (int t = 0; t < T; ++t)
                for (int i = 0; i < F; ++i)
                    ref[std::size_t(t * F + i)] = silu(gu[t * ld + i]) * gu[t * ld + F + i];
            QVERIFY2(
                allClose("swiglu " + params, {out.data(), out.data() + T * F}, ref, 1e-6, 3e-6),
                qPrintable(params));

            out.poison();
            Tensor ta = view(a.data(), {T, F});
            be_->addScaled(ta, gate, -0.75f, to);
            for (int t = 0; t < T; ++t)
                for (int i = 0; i < F; ++i)
                    ref[std::size_t(t * F + i)] = double(a[t * F + i]) - 0.75 * gu[t * ld + i];
            QVERIFY2(
                allClose("addScaled " + params, {out.data(), out.data() + T * F}, ref, 1e-6, 1e-6),
                qPrintable(params));

            const std::vector<float> a0(a.data(), a.data() + T * F);
            be_->addScaled(ta, ta, 1.0f, ta); // in place
            for (std::size_t i = 0; i < a0.size(); ++i)
                ref[i] = 2.0 * a0[i];
            QVERIFY(allClose("addScaled in place " + params,
                             a0.empty() ? a0 : std::vector<float>(a.data(), a.data() + T * F), ref,
                             0.0, 1e-7));

            be_->scale(ta, 0.5f);
            for (std::size_t i = 0; i < a0.size(); ++i)
                ref[i] = a0[i];
            QVERIFY(allClose("scale " + params, {a.data(), a.data() + T * F}, ref, 0.0, 1e-7));

            const std::vector<float> g0 = gatherRows(gu.data(), T, F, ld);
            be_->silu(gate);
            for (std::size_t i = 0; i < g0.size(); ++i)
                ref[i] = silu(g0[i]);
            QVERIFY(allClose("silu " + params, gatherRows(gu.data(), T, F, ld), ref, 1e-6, 3e-6));

            const std::vector<float> u0 = gatherRows(gu.data() + F, T, F, ld);
            be_->reluSquared(up);
            for (std::size_t i = 0; i < u0.size(); ++i)
                ref[i] = u0[i] > 0 ? double(u0[i]) * u0[i] : 0.0;
            QVERIFY(allClose("reluSquared " + params, gatherRows(gu.data() + F, T, F, ld), ref, 0.0,
                             1e-7));
            QVERIFY(gu.guardsIntact() && a.guardsIntact() && out.guardsIntact());
        }
    }

    void causalConv1d() {
        Rng rng(6);
        struct Case {
            std::int64_t T, C, K, pad;
            bool bias, silu;
            DType wt;
        };
        // 1B: conv over x, B, C = 3072 + 2 * 128 channels, kernel 4.
        const Case cases[] = {
            {50, 3328, 4, 11, true, true, DType::BF16}, {1, 3328, 4, 0, true, true, DType::F32},
            {2, 70, 4, 3, false, false, DType::F16},    {3, 5, 2, 0, true, false, DType::F32},
            {7, 130, 1, 0, true, true, DType::F32},     {9, 65, 6, 2, false, true, DType::BF16}};
        for (const Case& c : cases) {
            const QString name =
                QString("causalConv1d T=%1 C=%2 K=%3 x-row-pad=%4 bias=%5 silu=%6 %7")
                    .arg(c.T)
                    .arg(c.C)
                    .arg(c.K)
                    .arg(c.pad)
                    .arg(c.bias)
                    .arg(c.silu)
                    .arg(dt(c.wt));
            qInfo().noquote() << name;
            const std::int64_t ld = c.C + c.pad, S = c.K - 1;
            GuardedBuffer x(c.T * ld), state(c.C * S), out(c.T * c.C);
            rng.fillNormal(x.data(), c.T * ld);
            rng.fillNormal(state.data(), c.C * S);
            StoredWeight w(c.wt, {c.C, c.K}, rng, 0.5f);
            std::vector<float> bias(static_cast<std::size_t>(c.C));
            rng.fillNormal(bias.data(), c.C);
            const std::vector<float> s0(state.data(), state.data() + c.C * S);
            // Reference over the concatenation [state | x] per channel.
            std::vector<double> ref(std::size_t(c.T * c.C)), refState(std::size_t(c.C * S));
            for (std::int64_t ch = 0; ch < c.C; ++ch) {
                std::vector<double> seq;
                for (std::int64_t j = 0; j < S; ++j)
                    seq.push_back(s0[std::size_t(ch * S + j)]);
                for (std::int64_t t = 0; t < c.T; ++t)
                    seq.push_back(x[t * ld + ch]);
                for (std::int64_t t = 0; t < c.T; ++t) {
                    double acc = c.bias ? bias[std::size_t(ch)] : 0.0;
                    for (std::int64_t k = 0; k < c.K; ++k)
                        acc += w[ch * c.K + k] * seq[std::size_t(t + k)];
                    ref[std::size_t(t * c.C + ch)] = c.silu ? silu(acc) : acc;
                }
                for (std::int64_t j = 0; j < S; ++j)
                    refState[std::size_t(ch * S + j)] =
                        seq[seq.size() - std::size_t(S) + std::size_t(j)];
            }
            out.poison();
            Tensor tx = view(x.data(), {c.T, c.C}, ld), tb = view(bias.data(), {c.C});
            Tensor ts = view(state.data(), {c.C, S}), to = view(out.data(), {c.T, c.C});
            be_->causalConv1d(tx, w.tensor(), c.bias ? &tb : nullptr, ts, c.silu, to);
            QVERIFY2(allClose(name, {out.data(), out.data() + c.T * c.C}, ref, 1e-6, 3e-6),
                     qPrintable(name));
            QVERIFY2(allClose(name + " state", {state.data(), state.data() + c.C * S}, refState,
                              0.0, 0.0),
                     qPrintable(name));
            QVERIFY(x.guardsIntact() && state.guardsIntact() && out.guardsIntact());

            // Token by token from the same start state gives the same outputs and state.
            GuardedBuffer state2(c.C * S), out2(c.T * c.C);
            std::copy(s0.begin(), s0.end(), state2.data());
            out2.poison();
            Tensor ts2 = view(state2.data(), {c.C, S});
            for (std::int64_t t = 0; t < c.T; ++t) {
                Tensor xt = view(x.data() + t * ld, {1, c.C}),
                       ot = view(out2.data() + t * c.C, {1, c.C});
                be_->causalConv1d(xt, w.tensor(), c.bias ? &tb : nullptr, ts2, c.silu, ot);
            }
            QVERIFY2(allClose(name + " token by token", {out2.data(), out2.data() + c.T * c.C}, ref,
                              1e-6, 3e-6),
                     qPrintable(name));
            QVERIFY(allClose(name + " token by token state",
                             {state2.data(), state2.data() + c.C * S}, refState, 0.0, 0.0));

            // In place: out aliasing x (same strided layout).
            GuardedBuffer xi(c.T * ld), state3(c.C * S);
            std::copy(x.data(), x.data() + c.T * ld, xi.data());
            std::copy(s0.begin(), s0.end(), state3.data());
            Tensor txi = view(xi.data(), {c.T, c.C}, ld), ts3 = view(state3.data(), {c.C, S});
            be_->causalConv1d(txi, w.tensor(), c.bias ? &tb : nullptr, ts3, c.silu, txi);
            QVERIFY2(
                allClose(name + " in place", gatherRows(xi.data(), c.T, c.C, ld), ref, 1e-6, 3e-6),
                qPrintable(name));
            QVERIFY(allClose(name + " in place state", {state3.data(), state3.data() + c.C * S},
                             refState, 0.0, 0.0));
            QVERIFY(xi.guardsIntact() && state3.guardsIntact());
        }
    }

    void ssdScan() {
        struct Case {
            std::int64_t T, H, P, G, N, chunk;
            float dtHi, aMaxLog, dtMin, dtMax;
            std::int64_t split; // second call starts here
            bool tokenByToken;
        };
        // 1B: 48 heads x 64, d_state 128, one group, chunk 256; odd shapes with several
        // groups; large dt*A (segment sums far below zero) to check stability.
        const Case cases[] = {{300, 48, 64, 1, 128, 256, 1.0f, 2.8f, 0.0f, 1e30f, 131, false},
                              {37, 6, 5, 3, 7, 8, 1.0f, 1.0f, 0.0f, 1e30f, 9, true},
                              {64, 8, 16, 2, 32, 16, 1.0f, 2.0f, 0.001f, 0.1f, 16, true},
                              {45, 4, 8, 4, 16, 7, 5.0f, 3.0f, 0.0f, 1e30f, 44, true},
                              {20, 2, 3, 1, 1, 64, 1.0f, 1.0f, 0.0f, 1e30f, 1, true}};
        int seed = 100;
        for (const Case& k : cases) {
            SsdCase c =
                makeSsdCase(k.T, k.H, k.P, k.G, k.N, std::uint32_t(seed++), k.dtHi, k.aMaxLog);
            c.params.chunkSize = k.chunk;
            c.params.dtMin = k.dtMin;
            c.params.dtMax = k.dtMax;
            const QString name = QString("ssdScan T=%1 H=%2 P=%3 G=%4 N=%5 chunk=%6 dt-raw<=%7 "
                                         "|A|<=e^%8 dt in [%9, %10]")
                                     .arg(k.T)
                                     .arg(k.H)
                                     .arg(k.P)
                                     .arg(k.G)
                                     .arg(k.N)
                                     .arg(k.chunk)
                                     .arg(k.dtHi)
                                     .arg(k.aMaxLog)
                                     .arg(k.dtMin)
                                     .arg(k.dtMax);
            qInfo().noquote() << name;
            const std::int64_t sn = k.H * k.P * k.N;
            Rng rng(std::uint32_t(seed++));
            std::vector<float> s0(static_cast<std::size_t>(sn));
            rng.fillNormal(s0.data(), sn, 0.3f);
            std::vector<double> refState(s0.begin(), s0.end()), ref(std::size_t(k.T * k.H * k.P));
            ssdReference(c, refState, ref, 0, k.T);
            const double tol = 2e-6 * maxAbs(ref);
            const double stateTol = 2e-6 * maxAbs(refState);

            auto check = [&](const QString& how, const std::vector<float>& y, GuardedBuffer& st,
                             bool guards) {
                const QString n = name + " " + how;
                QVERIFY2(guards, qPrintable(n + ": guard zone overwritten"));
                QVERIFY2(allClose(n, y, ref, tol, 1e-5), qPrintable(n));
                QVERIFY2(
                    allClose(n + " state", {st.data(), st.data() + sn}, refState, stateTol, 1e-5),
                    qPrintable(n));
            };
            {
                GuardedBuffer st(sn);
                std::copy(s0.begin(), s0.end(), st.data());
                std::vector<float> y;
                bool guards = true;
                runSsd(*be_, c, 0, k.T, st, y, guards);
                check("one call", y, st, guards);
            }
            {
                GuardedBuffer st(sn);
                std::copy(s0.begin(), s0.end(), st.data());
                std::vector<float> y;
                bool guards = true;
                runSsd(*be_, c, 0, k.split, st, y, guards);
                runSsd(*be_, c, k.split, k.T, st, y, guards);
                check(QString("split at %1").arg(k.split), y, st, guards);
            }
            if (k.tokenByToken) {
                GuardedBuffer st(sn);
                std::copy(s0.begin(), s0.end(), st.data());
                std::vector<float> y;
                bool guards = true;
                for (std::int64_t t = 0; t < k.T; ++t)
                    runSsd(*be_, c, t, t + 1, st, y, guards);
                check("token by token", y, st, guards);
            }
        }
    }

    void ssdScanPrefillThenDecodeAt1BShape() {
        // Prefill 260 tokens (one full chunk and a bit), then 5 recurrent steps, against one
        // reference run, from a zero state.
        SsdCase c = makeSsdCase(265, 48, 64, 1, 128, 7, 1.0f, 2.8f);
        const std::int64_t sn = 48 * 64 * 128;
        std::vector<double> refState(std::size_t(sn), 0.0), ref(std::size_t(265 * 48 * 64));
        ssdReference(c, refState, ref, 0, 265);
        GuardedBuffer st(sn);
        std::fill_n(st.data(), sn, 0.0f);
        std::vector<float> y;
        bool guards = true;
        runSsd(*be_, c, 0, 260, st, y, guards);
        for (std::int64_t t = 260; t < 265; ++t)
            runSsd(*be_, c, t, t + 1, st, y, guards);
        QVERIFY(guards);
        QVERIFY(allClose("ssdScan prefill 260 + decode 5", y, ref, 2e-6 * maxAbs(ref), 1e-5));
    }

    void rope() {
        Rng rng(8);
        struct Case {
            std::int64_t T, heads, d, rot, pos0, pad;
            float theta;
        };
        const Case cases[] = {{20, 12, 128, 128, 0, 0, 10000.0f},
                              {3, 4, 128, 128, 100000, 0, 10000000.0f},
                              {7, 5, 64, 32, 4093, 10, 10000.0f},
                              {2, 3, 6, 4, 1, 1, 500.0f}};
        for (const Case& c : cases) {
            const QString name =
                QString("rope T=%1 heads=%2 d=%3 rotary=%4 pos0=%5 theta=%6 row-pad=%7")
                    .arg(c.T)
                    .arg(c.heads)
                    .arg(c.d)
                    .arg(c.rot)
                    .arg(c.pos0)
                    .arg(double(c.theta))
                    .arg(c.pad);
            qInfo().noquote() << name;
            const std::int64_t ld = c.heads * c.d + c.pad;
            GuardedBuffer x(c.T * ld);
            rng.fillNormal(x.data(), c.T * ld);
            const std::vector<float> x0(x.data(), x.data() + c.T * ld);
            // As the Hugging Face rotary modules compute it: inv_freq and pos * inv_freq in
            // float32, then cos/sin of that float angle.
            const std::int64_t half = c.rot / 2;
            std::vector<double> ref(std::size_t(c.T * c.heads * c.d));
            for (std::int64_t t = 0; t < c.T; ++t)
                for (std::int64_t h = 0; h < c.heads; ++h) {
                    const float* r = x0.data() + t * ld + h * c.d;
                    double* o = ref.data() + (t * c.heads + h) * c.d;
                    for (std::int64_t i = 0; i < c.d; ++i)
                        o[i] = r[i];
                    for (std::int64_t i = 0; i < half; ++i) {
                        const float inv =
                            1.0f /
                            float(std::pow(double(c.theta), double(float(2 * i) / float(c.rot))));
                        const double ang = double(float(c.pos0 + t) * inv);
                        o[i] = r[i] * std::cos(ang) - double(r[i + half]) * std::sin(ang);
                        o[i + half] = r[i + half] * std::cos(ang) + double(r[i]) * std::sin(ang);
                    }
                }
            Tensor tx = view(x.data(), {c.T, c.heads, c.d}, ld);
            be_->rope(tx, c.pos0, c.theta, c.rot);
            QVERIFY2(allClose(name, gatherRows(x.data(), c.T, c.heads * c.d, ld), ref, 1e-6, 1e-6),
                     qPrintable(name));
            for (std::int64_t t = 0; t < c.T; ++t)
                for (std::int64_t i = c.heads * c.d; i < ld; ++i)
                    QCOMPARE(x[t * ld + i], x0[std::size_t(t * ld + i)]);
            QVERIFY(x.guardsIntact());
        }
    }

    void attention() {
        Rng rng(9);
        struct Case {
            std::int64_t T, pos0, Hq, Hkv, d, capacity, qPad;
        };
        // 1B: 12 query / 4 KV heads of 128. Decode, prefill from zero, a continued prefill
        // crossing key blocks; odd shapes.
        const Case cases[] = {{1, 300, 12, 4, 128, 400, 0},   {70, 0, 12, 4, 128, 80, 256},
                              {200, 337, 12, 4, 128, 600, 0}, {5, 2, 3, 3, 5, 9, 1},
                              {300, 0, 8, 1, 16, 300, 0},     {1, 0, 2, 1, 8, 1, 0},
                              {3, 3000, 12, 4, 128, 3003, 7}, {4, 2500, 8, 1, 64, 2600, 0},
                              {2, 1100, 4, 2, 20, 1102, 0}};
        for (const Case& c : cases) {
            const QString name =
                QString("attention T=%1 pos0=%2 Hq=%3 Hkv=%4 d=%5 capacity=%6 q-row-pad=%7")
                    .arg(c.T)
                    .arg(c.pos0)
                    .arg(c.Hq)
                    .arg(c.Hkv)
                    .arg(c.d)
                    .arg(c.capacity)
                    .arg(c.qPad);
            qInfo().noquote() << name;
            const std::int64_t ldq = c.Hq * c.d + c.qPad, kvRow = c.Hkv * c.d, S = c.pos0 + c.T;
            GuardedBuffer q(c.T * ldq), k(c.capacity * kvRow), v(c.capacity * kvRow),
                out(c.T * c.Hq * c.d);
            rng.fillNormal(q.data(), c.T * ldq);
            rng.fillNormal(k.data(), S * kvRow);
            rng.fillNormal(v.data(), S * kvRow);
            // Slots past the filled positions must never be read.
            std::fill(k.data() + S * kvRow, k.data() + c.capacity * kvRow, std::nanf(""));
            std::fill(v.data() + S * kvRow, v.data() + c.capacity * kvRow, std::nanf(""));
            const double scale = 1.0 / std::sqrt(double(c.d));
            std::vector<double> ref(std::size_t(c.T * c.Hq * c.d));
            const std::int64_t rep = c.Hq / c.Hkv;
            for (std::int64_t t = 0; t < c.T; ++t)
                for (std::int64_t h = 0; h < c.Hq; ++h) {
                    const std::int64_t kh = h / rep, keys = c.pos0 + t + 1;
                    std::vector<double> s(static_cast<std::size_t>(keys));
                    double mx = -1e300, sum = 0.0;
                    for (std::int64_t j = 0; j < keys; ++j) {
                        double dot = 0.0;
                        for (std::int64_t i = 0; i < c.d; ++i)
                            dot += double(q[t * ldq + h * c.d + i]) * k[j * kvRow + kh * c.d + i];
                        s[std::size_t(j)] = dot * scale;
                        mx = std::max(mx, s[std::size_t(j)]);
                    }
                    for (auto& e : s)
                        sum += (e = std::exp(e - mx));
                    for (std::int64_t i = 0; i < c.d; ++i) {
                        double acc = 0.0;
                        for (std::int64_t j = 0; j < keys; ++j)
                            acc += s[std::size_t(j)] * v[j * kvRow + kh * c.d + i];
                        ref[std::size_t((t * c.Hq + h) * c.d + i)] = acc / sum;
                    }
                }
            out.poison();
            Tensor tq = view(q.data(), {c.T, c.Hq, c.d}, ldq);
            Tensor tk = view(k.data(), {c.capacity, c.Hkv, c.d}),
                   tv = view(v.data(), {c.capacity, c.Hkv, c.d});
            Tensor to = view(out.data(), {c.T, c.Hq, c.d});
            be_->attention(tq, tk, tv, c.pos0, float(scale), to);
            QVERIFY2(allClose(name, {out.data(), out.data() + c.T * c.Hq * c.d}, ref, 2e-6, 2e-5),
                     qPrintable(name));
            QVERIFY(q.guardsIntact() && k.guardsIntact() && v.guardsIntact() && out.guardsIntact());
        }
        // A cache too small for pos0 + T is an error.
        GuardedBuffer q(8), k(8), v(8), out(8);
        Tensor tq = view(q.data(), {2, 1, 4}), tk = view(k.data(), {2, 1, 4}),
               tv = view(v.data(), {2, 1, 4});
        Tensor to = view(out.data(), {2, 1, 4});
        QVERIFY_THROWS_EXCEPTION(EngineError, be_->attention(tq, tk, tv, 1, 1.0f, to));
    }

    void topkRouting() {
        Rng rng(10);
        for (auto [T, E, k] : {std::tuple{33, 64, 6}, {4, 5, 5}, {7, 40, 1}})
            for (bool softmaxFirst : {false, true})
                for (bool renorm : {false, true}) {
                    if (!softmaxFirst && renorm)
                        continue; // renormalisation applies to softmaxFirst only
                    const QString name =
                        QString("topkRouting T=%1 E=%2 k=%3 softmaxFirst=%4 renormalize=%5")
                            .arg(T)
                            .arg(E)
                            .arg(k)
                            .arg(softmaxFirst)
                            .arg(renorm);
                    qInfo().noquote() << name;
                    GuardedBuffer logits(T * E), w(T * k);
                    rng.fillNormal(logits.data(), T * E, 2.0f);
                    std::vector<std::int32_t> idx(std::size_t(T * k), -1);
                    w.poison();
                    Tensor tl = view(logits.data(), {T, E}), tw = view(w.data(), {T, k});
                    Tensor ti = Tensor::contiguous(idx.data(), DType::I32, {T, k});
                    be_->topkRouting(tl, k, softmaxFirst, renorm, ti, tw);
                    std::vector<double> ref(std::size_t(T * k));
                    for (int t = 0; t < T; ++t) {
                        std::vector<int> order(static_cast<std::size_t>(E));
                        std::iota(order.begin(), order.end(), 0);
                        const float* l = logits.data() + t * E;
                        std::stable_sort(order.begin(), order.end(),
                                         [&](int a, int b) { return l[a] > l[b]; });
                        double mx = l[order[0]], all = 0.0, top = 0.0;
                        for (int e = 0; e < E; ++e)
                            all += std::exp(l[e] - mx);
                        for (int j = 0; j < k; ++j)
                            top += std::exp(l[order[std::size_t(j)]] - mx);
                        for (int j = 0; j < k; ++j) {
                            QCOMPARE(idx[std::size_t(t * k + j)], order[std::size_t(j)]);
                            const double p = std::exp(l[order[std::size_t(j)]] - mx);
                            ref[std::size_t(t * k + j)] =
                                softmaxFirst ? (renorm ? p / top : p / all) : p / top;
                        }
                    }
                    QVERIFY2(allClose(name, {w.data(), w.data() + T * k}, ref, 1e-7, 1e-6),
                             qPrintable(name));
                    QVERIFY(w.guardsIntact() && logits.guardsIntact());
                }
    }

    void moeSwiglu() {
        Rng rng(11);
        struct Case {
            std::int64_t T, H, F, E, k, Fs; // Fs: the shared expert's width (0: none)
            DType wt;
        };
        // Granite 4.0-H tiny's MoE (1536 hidden, 512 per expert, 64 experts, top 6, a shared
        // expert of 1024); small odd ones.
        const Case cases[] = {{3, 1536, 512, 64, 6, 1024, DType::BF16},
                              {1, 1536, 512, 64, 6, 0, DType::F16},
                              {37, 64, 48, 8, 2, 40, DType::F32},
                              {9, 33, 7, 3, 3, 5, DType::BF16},
                              {700, 16, 8, 4, 4, 12, DType::F32},
                              {2, 64, 32, 4, 0, 24, DType::BF16}}; // the shared expert alone
        for (const Case& c : cases) {
            const QString name = QString("moeSwiglu T=%1 H=%2 F=%3 E=%4 k=%5 Fs=%6 %7")
                                     .arg(c.T)
                                     .arg(c.H)
                                     .arg(c.F)
                                     .arg(c.E)
                                     .arg(c.k)
                                     .arg(c.Fs)
                                     .arg(dt(c.wt));
            qInfo().noquote() << name;
            GuardedBuffer x(c.T * c.H), w(c.T * c.k), out(c.T * c.H);
            rng.fillNormal(x.data(), c.T * c.H);
            StoredWeight gateUp(c.wt, {c.E, 2 * c.F, c.H}, rng,
                                float(1.0 / std::sqrt(double(c.H))));
            StoredWeight down(c.wt, {c.E, c.H, c.F}, rng, float(1.0 / std::sqrt(double(c.F))));
            const std::int64_t Fs = std::max<std::int64_t>(c.Fs, 1);
            StoredWeight sharedGateUp(c.wt, {2 * Fs, c.H}, rng,
                                      float(1.0 / std::sqrt(double(c.H))));
            StoredWeight sharedDown(c.wt, {c.H, Fs}, rng, float(1.0 / std::sqrt(double(Fs))));
            std::vector<std::int32_t> idx;
            for (std::int64_t t = 0; t < c.T; ++t) {
                std::vector<int> ex(static_cast<std::size_t>(c.E));
                std::iota(ex.begin(), ex.end(), 0);
                for (std::int64_t j = 0; j < c.k; ++j) {
                    std::swap(ex[std::size_t(j)],
                              ex[std::size_t(rng.integer(int(j), int(c.E - 1)))]);
                    idx.push_back(ex[std::size_t(j)]);
                }
            }
            rng.fillUniform(w.data(), c.T * c.k, 0.0f, 1.0f);
            // Expert e of a stack (the shared one: e 0 of its own) on token t, in doubles.
            auto expert = [&](const StoredWeight& gu, const StoredWeight& dn, std::int64_t e,
                              std::int64_t F, std::int64_t t) {
                std::vector<double> g(static_cast<std::size_t>(2 * F)),
                    act(static_cast<std::size_t>(F)), y(static_cast<std::size_t>(c.H));
                for (std::int64_t r = 0; r < 2 * F; ++r) {
                    double s = 0.0;
                    for (std::int64_t i = 0; i < c.H; ++i)
                        s += gu[(e * 2 * F + r) * c.H + i] * x[t * c.H + i];
                    g[std::size_t(r)] = s;
                }
                for (std::int64_t f = 0; f < F; ++f)
                    act[std::size_t(f)] = silu(g[std::size_t(f)]) * g[std::size_t(F + f)];
                for (std::int64_t i = 0; i < c.H; ++i)
                    for (std::int64_t f = 0; f < F; ++f)
                        y[std::size_t(i)] += dn[(e * c.H + i) * F + f] * act[std::size_t(f)];
                return y;
            };
            std::vector<double> ref(std::size_t(c.T * c.H), 0.0);
            for (std::int64_t t = 0; t < c.T; ++t) {
                for (std::int64_t j = 0; j < c.k; ++j) {
                    const auto y = expert(gateUp, down, idx[std::size_t(t * c.k + j)], c.F, t);
                    for (std::int64_t i = 0; i < c.H; ++i)
                        ref[std::size_t(t * c.H + i)] += w[t * c.k + j] * y[std::size_t(i)];
                }
                if (c.Fs > 0) {
                    const auto y = expert(sharedGateUp, sharedDown, 0, c.Fs, t);
                    for (std::int64_t i = 0; i < c.H; ++i)
                        ref[std::size_t(t * c.H + i)] += y[std::size_t(i)];
                }
            }
            out.poison();
            Tensor tx = view(x.data(), {c.T, c.H}), tw = view(w.data(), {c.T, c.k});
            Tensor ti = Tensor::contiguous(idx.data(), DType::I32, {c.T, c.k});
            Tensor to = view(out.data(), {c.T, c.H});
            const Tensor tgu = gateUp.tensor(), tdn = down.tensor();
            const Tensor tsgu = sharedGateUp.tensor(), tsdn = sharedDown.tensor();
            MoeWeights experts{&tgu, &tdn};
            if (c.Fs > 0) {
                experts.sharedGateUp = &tsgu;
                experts.sharedDown = &tsdn;
            }
            be_->moeSwiglu(tx, experts, ti, tw, to);
            QVERIFY2(
                allClose(name, {out.data(), out.data() + c.T * c.H}, ref, 2e-6 * maxAbs(ref), 1e-5),
                qPrintable(name));
            QVERIFY(x.guardsIntact() && out.guardsIntact());
        }
    }
};

QTEST_GUILESS_MAIN(CpuOpsTest)
#include "tst_cpu_ops.moc"
