// Every CUDA op against the CPU reference on random inputs of real shapes (Granite 4.0-H 1B:
// hidden 1536, 48 Mamba2 heads of 64, d_state 128, 12 q / 4 kv heads of 128, MLP 4096, vocab
// 100352) and odd ones. Each case prints its parameters, its tolerance and the error found.

#include "OpHarness.h"
#include "backend/Backend.h"
#include "backend/BackendFactory.h"
#include "backend/cuda/Kernels.h"
#include "core/Error.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string_view>

using lv::DType;
using lv::Tensor;
using lv::test::Comparison;
using lv::test::Mirrored;
using lv::test::OpHarness;

namespace {

// Tolerances on ||gpu - cpu|| / ||cpu||. f32 kernels differ from the CPU only in summation
// order; bf16 tensor-core paths round their operands to 8 significant bits.
constexpr double kTolF32 = 1e-4;
constexpr double kTolTf32 = 2e-3;
constexpr double kTolBf16 = 1e-2;

std::vector<float> softplusInverse(std::vector<float> v) {
    for (auto& x : v)
        x = std::log(std::expm1(x));
    return v;
}

} // namespace

// x, B, C, dt sliced from one in_proj-like buffer as the model does; random initial state.
struct SsdCase {
    std::int64_t T, H, P, G, N;
    float dtMin, dtMax;
};
struct SsdTensors {
    Mirrored proj, x, B, C, dt, A, D, dtBias, state, y;
};

// x, B, C, dt as column ranges of one projection's rows, as the model has them; the row
// stride is odd unless alignedRows (16-byte rows, which the cp.async scan needs).
SsdTensors makeSsd(OpHarness& h, const SsdCase& k, bool alignedRows = false) {
    SsdTensors s;
    const std::int64_t xw = k.H * k.P, bw = k.G * k.N;
    const std::int64_t ld =
        xw + 2 * bw + k.H + (alignedRows ? (4 - (xw + 2 * bw + k.H) % 4) % 4 : 3);
    s.proj = h.wide(k.T, ld);
    s.x = OpHarness::slice(s.proj, 0, {k.T, k.H, k.P});
    s.B = OpHarness::slice(s.proj, xw, {k.T, k.G, k.N});
    s.C = OpHarness::slice(s.proj, xw + bw, {k.T, k.G, k.N});
    s.dt = OpHarness::slice(s.proj, xw + 2 * bw, {k.T, k.H});
    auto a = h.uniform(std::size_t(k.H), 0.0f, std::log(16.0f));
    for (auto& v : a)
        v = -std::exp(v);
    s.A = h.input(a, {k.H});
    s.D = h.input(h.randn(std::size_t(k.H), 0.5f, 1.0f), {k.H});
    s.dtBias = h.input(softplusInverse(h.uniform(std::size_t(k.H), 0.001f, 0.1f)), {k.H});
    s.state = h.output({k.H, k.P, k.N});
    h.set(s.state, h.randn(std::size_t(k.H * k.P * k.N), 0.5f));
    s.y = h.output({k.T, k.H, k.P});
    return s;
}

// Columns [col0, ...) of rows held as f32 on the reference and bf16 on the tested backend
// (OpHarness::inputAs), as in_proj's bf16 output in a GPU's prefill (z, x-B-C and dt).
Mirrored bf16Columns(const Mirrored& base, std::int64_t col0,
                     std::initializer_list<std::int64_t> dims) {
    Mirrored m = OpHarness::slice(base, col0, dims);
    m.dut.dtype = DType::BF16;
    m.dut.data = static_cast<std::uint16_t*>(base.dut.data) + col0;
    return m;
}

class CudaOpsTest : public QObject {
    Q_OBJECT

    std::unique_ptr<lv::Backend> cpu_;
    std::unique_ptr<lv::Backend> gpu_;
    int failures_ = 0;
    std::uint64_t seed_ = 20261117;

    OpHarness harness() { return OpHarness(*cpu_, *gpu_, seed_++); }

    void check(const QString& name, const Comparison& c, double tol) {
        const bool ok = c.ok(tol);
        if (!ok) ++failures_;
        qInfo().noquote() << (ok ? "  ok   " : "  FAIL ") << name << "|" << c.describe(tol);
    }

    // Runs the tested op; an exception fails this case (not the whole test function).
    template <class F> bool guarded(const QString& name, F&& op) {
        try {
            op();
            return true;
        } catch (const std::exception& e) {
            ++failures_;
            qInfo().noquote() << "  FAIL " << name << "| threw:" << e.what();
            return false;
        }
    }

    void finish() {
        const int f = failures_;
        failures_ = 0;
        QVERIFY2(f == 0, qPrintable(QString("%1 case(s) failed, see above").arg(f)));
    }

    // Every chunked and one-token SSD case against the CPU, tagged with `variant`; with
    // `bf16Products` as a bf16 checkpoint asks.
    void ssdScanCases(const QString& variant, bool alignedRows, bool bf16Products) {
        for (const SsdCase& k :
             {SsdCase{300, 48, 64, 1, 128, 0.0f, 1e30f}, SsdCase{1, 48, 64, 1, 128, 0.0f, 1e30f},
              SsdCase{1000, 48, 64, 1, 128, 0.0f, 1e30f}, SsdCase{77, 6, 20, 2, 24, 0.001f, 0.1f},
              SsdCase{129, 4, 64, 2, 128, 0.0f, 1e30f}, SsdCase{3, 8, 16, 4, 16, 0.0f, 1e30f},
              SsdCase{33, 48, 64, 1, 128, 0.0f, 1e30f}, SsdCase{17000, 8, 64, 1, 128, 0.0f, 1e30f},
              SsdCase{600, 6, 96, 3, 160, 0.0f, 1e30f},
              // one token: the decode kernel (N a multiple of 32; rows not a multiple of 16)
              SsdCase{1, 6, 20, 2, 32, 0.001f, 0.1f}, SsdCase{1, 8, 64, 4, 64, 0.0f, 1e30f},
              SsdCase{1, 3, 33, 3, 256, 0.0f, 1e30f}, SsdCase{1, 4, 16, 2, 96, 0.0f, 1e30f},
              SsdCase{1, 2, 8, 1, 24, 0.0f, 1e30f}}) {
            OpHarness h = harness();
            SsdTensors s = makeSsd(h, k, alignedRows);
            lv::SsdParams p;
            p.dtMin = k.dtMin;
            p.dtMax = k.dtMax;
            p.chunkSize = 128;
            p.bf16Products = bf16Products;
            h.ref().ssdScan(s.x.ref, s.dt.ref, s.A.ref, s.B.ref, s.C.ref, s.D.ref, s.dtBias.ref, p,
                            s.state.ref, s.y.ref);
            h.dut().ssdScan(s.x.dut, s.dt.dut, s.A.dut, s.B.dut, s.C.dut, s.D.dut, s.dtBias.dut, p,
                            s.state.dut, s.y.dut);
            const QString name = QString("ssdScan T=%1 H=%2 P=%3 G=%4 N=%5 dt in [%6, %7]%8")
                                     .arg(k.T)
                                     .arg(k.H)
                                     .arg(k.P)
                                     .arg(k.G)
                                     .arg(k.N)
                                     .arg(k.dtMin)
                                     .arg(k.dtMax)
                                     .arg(variant);
            // Up to 32 tokens run the f32 recurrence; longer ones the chunked form on TF32
            // (or bf16) products.
            const double tol = k.T <= 32 ? kTolF32 : bf16Products ? kTolBf16 : kTolTf32;
            check(name + " y", h.compare(s.y), tol);
            check(name + " state", h.compare(s.state), tol);
        }
    }

private slots:
    void initTestCase() {
#ifndef LONGVIEW_HAVE_CUDA
        QSKIP("built without CUDA");
#else
        const lv::GpuInfo gpu = lv::probeGpu(0);
        if (!gpu.usable)
            QSKIP(qPrintable("no CUDA device: run on the GPU machine (" +
                             QString::fromStdString(gpu.reason) + ")"));
        qInfo().noquote() << "GPU:" << QString::fromStdString(lv::describeGpu(gpu));
        cpu_ = lv::makeCpuBackend(0);
        gpu_ = lv::makeCudaBackend(0);
#endif
    }

    void embedding() {
        struct Case {
            std::int64_t V, H, T;
            DType dt;
            bool deviceIds;
            float scale;
        };
        for (const Case& k : {Case{100352, 1536, 7, DType::BF16, false, 12.0f},
                              Case{100352, 1536, 300, DType::BF16, true, 1.0f},
                              Case{513, 37, 5, DType::F32, true, 0.5f},
                              Case{513, 37, 3, DType::F16, false, 1.0f}}) {
            OpHarness h = harness();
            auto table = h.input(h.randn(std::size_t(k.V * k.H)), {k.V, k.H}, k.dt);
            std::vector<std::int32_t> ids(std::size_t(k.T));
            for (auto& id : ids)
                id = std::int32_t(h.randint(0, k.V - 1));
            ids.back() = std::int32_t(k.V - 1);
            auto dev = h.inputI32(ids, {k.T});
            Tensor hostIds = Tensor::contiguous(ids.data(), DType::I32, {k.T});
            auto out = h.output({k.T, k.H});
            h.ref().embedding(hostIds, table.ref, k.scale, out.ref);
            h.dut().embedding(k.deviceIds ? dev.dut : hostIds, table.dut, k.scale, out.dut);
            check(QString("embedding V=%1 H=%2 T=%3 table=%4 ids=%5 scale=%6")
                      .arg(k.V)
                      .arg(k.H)
                      .arg(k.T)
                      .arg(lv::dtypeName(k.dt).data())
                      .arg(k.deviceIds ? "device" : "host")
                      .arg(k.scale),
                  h.compare(out), kTolF32);
        }
        finish();
    }

    void linear() {
        struct Case {
            std::int64_t T, K, N;
            DType wt;
            bool bias;
            float scale;
            std::int64_t ldx;
        };
        for (const Case& k : {Case{1, 1536, 6448, DType::BF16, false, 1.0f, 0},
                              Case{300, 1536, 4096, DType::BF16, false, 1.0f, 0},
                              Case{300, 4096, 1536, DType::BF16, true, 1.0f, 0},
                              Case{5, 3072, 1536, DType::BF16, true, 0.22f, 3100},
                              Case{2, 1536, 100352, DType::BF16, false, 0.125f, 0},
                              Case{17, 100, 33, DType::F32, true, 1.0f, 0},
                              Case{33, 77, 19, DType::F16, false, 2.0f, 81},
                              Case{257, 64, 129, DType::BF16, false, 1.0f, 0},
                              Case{3, 4096, 1536, DType::BF16, true, 0.5f, 4100},
                              Case{4, 1536, 1001, DType::F16, false, 1.0f, 0},
                              Case{1, 512, 77, DType::F32, true, 1.0f, 0},
                              Case{2, 3072, 6448, DType::BF16, false, 1.0f, 0},
                              // K not a whole number of the GEMV's 256-wide chunks
                              Case{3, 1000, 300, DType::BF16, true, 1.0f, 0}}) {
            OpHarness h = harness();
            const std::int64_t ldx = k.ldx ? k.ldx : k.K;
            auto xw = h.wide(k.T, ldx);
            auto x = OpHarness::slice(xw, 0, {k.T, k.K});
            auto w = h.input(h.randn(std::size_t(k.N * k.K), 1.0f / std::sqrt(float(k.K))),
                             {k.N, k.K}, k.wt);
            auto b = h.input(h.randn(std::size_t(k.N)), {k.N});
            auto expected = h.output({k.T, k.N});
            h.ref().linear(x.ref, w.ref, k.bias ? &b.ref : nullptr, k.scale, expected.ref);
            // Decode rows: each GEMV form (LONGVIEW_CUDA_GEMV), into a freshly poisoned output.
            for (const char* form : {"", "registers", "block"}) {
                if (k.T > 4 && *form) break;
                auto out = h.output({k.T, k.N});
                h.ref().copy(out.ref.data, expected.ref.data, out.ref.bytes());
                qputenv("LONGVIEW_CUDA_GEMV", form);
                const bool ran =
                    guarded(QString("linear T=%1 K=%2 N=%3").arg(k.T).arg(k.K).arg(k.N), [&] {
                        h.dut().linear(x.dut, w.dut, k.bias ? &b.dut : nullptr, k.scale, out.dut);
                    });
                qunsetenv("LONGVIEW_CUDA_GEMV");
                if (!ran) break;
                check(QString("linear T=%1 K=%2 N=%3 w=%4 bias=%5 scale=%6 ldx=%7%8")
                          .arg(k.T)
                          .arg(k.K)
                          .arg(k.N)
                          .arg(lv::dtypeName(k.wt).data())
                          .arg(k.bias)
                          .arg(k.scale)
                          .arg(ldx)
                          .arg(k.T > 4 ? QString() : QString(" gemv=") + form),
                      h.compare(out), k.wt == DType::F32 ? kTolTf32 : kTolBf16);
            }
        }
        finish();
    }

    // A product added into its output (ProductOut::Add, the residual stream's add in the
    // product): prefill through cuBLASLt's beta = 1 (bias in its epilogue at scale 1, after it
    // otherwise), decode rows through the GEMV and an add; each against the CPU's product and
    // add, from the same random residual.
    void linearAddsIntoItsOutput() {
        struct Case {
            std::int64_t T, K, N;
            DType wt;
            bool bias;
            float scale;
        };
        for (const Case& k :
             {Case{300, 3072, 1536, DType::BF16, false, 0.22f},
              Case{300, 4096, 1536, DType::BF16, true, 1.0f},
              Case{257, 1536, 1536, DType::BF16, true, 0.5f},
              Case{33, 77, 19, DType::F16, false, 2.0f}, Case{17, 100, 33, DType::F32, true, 1.0f},
              Case{2, 3072, 1536, DType::BF16, true, 0.22f},
              Case{1, 4096, 1536, DType::BF16, false, 1.0f}}) {
            OpHarness h = harness();
            auto x = h.input(h.randn(std::size_t(k.T * k.K)), {k.T, k.K});
            auto w = h.input(h.randn(std::size_t(k.N * k.K), 1.0f / std::sqrt(float(k.K))),
                             {k.N, k.K}, k.wt);
            auto b = h.input(h.randn(std::size_t(k.N)), {k.N});
            auto residual = h.input(h.randn(std::size_t(k.T * k.N)), {k.T, k.N});
            const QString name = QString("added linear T=%1 K=%2 N=%3 w=%4 bias=%5 scale=%6")
                                     .arg(k.T)
                                     .arg(k.K)
                                     .arg(k.N)
                                     .arg(lv::dtypeName(k.wt).data())
                                     .arg(k.bias)
                                     .arg(k.scale);
            h.ref().linear(x.ref, w.ref, k.bias ? &b.ref : nullptr, k.scale, residual.ref,
                           lv::ProductOut::Add);
            if (!guarded(name, [&] {
                    h.dut().linear(x.dut, w.dut, k.bias ? &b.dut : nullptr, k.scale, residual.dut,
                                   lv::ProductOut::Add);
                }))
                continue;
            check(name, h.compare(residual), k.wt == DType::F32 ? kTolTf32 : kTolBf16);
        }
        // A 16-bit output cannot take an add: a clear error, not a product written over it.
        OpHarness h = harness();
        auto x = h.input(h.randn(300 * 64), {300, 64});
        auto w = h.input(h.randn(128 * 64), {128, 64}, DType::BF16);
        auto half = h.output({300, 128}, 0, DType::BF16);
        QVERIFY_THROWS_EXCEPTION(lv::EngineError, h.dut().linear(x.dut, w.dut, nullptr, 1.0f,
                                                                 half.dut, lv::ProductOut::Add));
        finish();
    }

    // The bf16 prefill MLP (the default; LONGVIEW_CUDA_GATEUP_BF16=0 keeps f32): the gate-up
    // product written in bf16, and swiglu reading bf16 gate and up (four columns a thread, or one).
    void gateUpInBf16() {
        struct Product {
            std::int64_t T, K, N;
            float scale;
        };
        for (const Product& k : {Product{300, 1536, 8192, 1.0f}, Product{37, 256, 200, 0.5f}}) {
            OpHarness h = harness();
            auto x = h.input(h.randn(std::size_t(k.T * k.K)), {k.T, k.K});
            auto w = h.input(h.randn(std::size_t(k.N * k.K), 1.0f / std::sqrt(float(k.K))),
                             {k.N, k.K}, DType::BF16);
            auto out = h.inputAs(std::vector<float>(std::size_t(k.T * k.N)), {k.T, k.N}, DType::F32,
                                 DType::BF16);
            h.ref().linear(x.ref, w.ref, nullptr, k.scale, out.ref);
            const QString what =
                QString("linear to bf16 T=%1 K=%2 N=%3").arg(k.T).arg(k.K).arg(k.N);
            if (!guarded(what, [&] { h.dut().linear(x.dut, w.dut, nullptr, k.scale, out.dut); }))
                continue;
            check(what, h.compare(out), kTolBf16);
        }
        struct Act {
            std::int64_t T, F;
            DType out;
        };
        for (const Act& k :
             {Act{300, 4096, DType::BF16}, Act{37, 4096, DType::F32}, Act{9, 102, DType::BF16}}) {
            OpHarness h = harness();
            const auto n = std::size_t(k.T * k.F);
            auto g = h.inputAs(h.randn(n, 2.0f), {k.T, k.F}, DType::F32, DType::BF16);
            auto u = h.inputAs(h.randn(n), {k.T, k.F}, DType::F32, DType::BF16);
            auto out = h.inputAs(std::vector<float>(n), {k.T, k.F}, DType::F32, k.out);
            h.ref().swiglu(g.ref, u.ref, out.ref);
            const QString what = QString("swiglu of bf16 T=%1 F=%2 out=%3")
                                     .arg(k.T)
                                     .arg(k.F)
                                     .arg(lv::dtypeName(k.out).data());
            if (!guarded(what, [&] { h.dut().swiglu(g.dut, u.dut, out.dut); })) continue;
            check(what, h.compare(out), k.out == DType::F32 ? 1e-5 : kTolBf16);
        }
        finish();
    }

    // 16-bit activations: the producers of a linear's input (norms, swiglu) write it in the
    // type linearInputDType() names, and linear() takes it as it is (the GEMV widens a few
    // rows back to f32). Each against the CPU, which computes in f32 and rounds the same way.
    void sixteenBitActivations() {
        {
            OpHarness h = harness();
            auto wb = h.input(h.randn(64 * 32), {64, 32}, DType::BF16);
            auto wf = h.input(h.randn(64 * 32), {64, 32});
            QCOMPARE(gpu_->linearInputDType(wb.dut, 300), DType::BF16);
            QCOMPARE(gpu_->linearInputDType(wb.dut, 4), DType::F32); // the GEMV's rows
            QCOMPARE(gpu_->linearInputDType(wf.dut, 300), DType::F32);
        }
        struct Case {
            std::int64_t T, D;
            DType type;
        };
        for (const Case& k : {Case{300, 1536, DType::BF16}, Case{3, 1536, DType::BF16},
                              Case{33, 3072, DType::F16}, Case{2048, 4096, DType::BF16}}) {
            const QString tag =
                QString(" T=%1 D=%2 %3").arg(k.T).arg(k.D).arg(lv::dtypeName(k.type).data());
            OpHarness h = harness();
            auto x = h.input(h.randn(std::size_t(k.T * k.D), 2.0f, 0.3f), {k.T, k.D});
            auto w = h.input(h.randn(std::size_t(k.D), 0.2f, 1.0f), {k.D});
            auto out = h.output({k.T, k.D}, 0, k.type);
            h.ref().rmsNorm(x.ref, w.ref, 1e-5f, out.ref);
            h.dut().rmsNorm(x.dut, w.dut, 1e-5f, out.dut);
            check("rmsNorm into" + tag, h.compare(out), kTolBf16);

            auto res = h.output({k.T, k.D});
            h.set(res, h.randn(std::size_t(k.T * k.D)));
            auto normed = h.output({k.T, k.D}, 0, k.type);
            h.ref().addRmsNorm(res.ref, x.ref, 0.5f, w.ref, 1e-5f, normed.ref);
            h.dut().addRmsNorm(res.dut, x.dut, 0.5f, w.dut, 1e-5f, normed.dut);
            check("addRmsNorm into" + tag + " (x)", h.compare(res), kTolF32);
            check("addRmsNorm into" + tag, h.compare(normed), kTolBf16);

            auto zg = h.wide(k.T, 2 * k.D + 8); // z and the gate/up halves as strided slices
            auto z = OpHarness::slice(zg, 0, {k.T, k.D});
            auto u = OpHarness::slice(zg, k.D + 8, {k.T, k.D});
            auto gated = h.output({k.T, k.D}, 0, k.type);
            h.ref().gatedRmsNorm(x.ref, z.ref, w.ref, k.D / 2, 1e-5f, false, gated.ref);
            h.dut().gatedRmsNorm(x.dut, z.dut, w.dut, k.D / 2, 1e-5f, false, gated.dut);
            check("gatedRmsNorm into" + tag, h.compare(gated), kTolBf16);
            auto act = h.output({k.T, k.D}, 0, k.type);
            h.ref().swiglu(z.ref, u.ref, act.ref);
            h.dut().swiglu(z.dut, u.dut, act.dut);
            check("swiglu into" + tag, h.compare(act), kTolBf16);

            // The product reads what the producer wrote: x of the weight's type, no conversion.
            const std::int64_t N = 1000;
            auto wl = h.input(h.randn(std::size_t(N * k.D), 1.0f / std::sqrt(float(k.D))), {N, k.D},
                              k.type);
            auto bias = h.input(h.randn(std::size_t(N)), {N});
            auto y = h.output({k.T, N});
            h.ref().linear(act.ref, wl.ref, &bias.ref, 0.25f, y.ref);
            if (!guarded("linear from" + tag,
                         [&] { h.dut().linear(act.dut, wl.dut, &bias.dut, 0.25f, y.dut); }))
                continue;
            check("linear from" + tag, h.compare(y), kTolBf16);
        }
        // 16-bit x must be the weight's own type.
        OpHarness h = harness();
        auto xb = h.input(h.randn(300 * 64), {300, 64}, DType::BF16);
        auto wf = h.input(h.randn(32 * 64), {32, 64}, DType::F16);
        auto y = h.output({300, 32});
        QVERIFY_THROWS_EXCEPTION(lv::EngineError,
                                 h.dut().linear(xb.dut, wf.dut, nullptr, 1, y.dut));
        QVERIFY_THROWS_EXCEPTION(lv::EngineError,
                                 h.ref().linear(xb.ref, wf.ref, nullptr, 1, y.ref));
        finish();
    }

    // The products whose input another op makes: swiglu and the gated norm folded into the
    // decode GEMV (T <= 4), the two ops otherwise; against the CPU's two ops. Also the
    // residual add and norm folded into a product (linearOfAddRmsNorm).
    void fusedInputProducts() {
        struct Case {
            std::int64_t T, K, N, group;
            bool before;
            DType wt;
        };
        for (const Case& k :
             {Case{1, 3072, 1536, 3072, false, DType::BF16},
              Case{2, 4096, 1536, 1024, true, DType::BF16},
              Case{4, 3072, 1536, 768, false, DType::F16}, Case{1, 256, 100, 64, true, DType::F32},
              Case{7, 3072, 1536, 3072, false, DType::BF16},
              Case{300, 4096, 1536, 4096, true, DType::BF16}}) {
            const QString tag = QString(" T=%1 K=%2 N=%3 group=%4 before=%5 w=%6")
                                    .arg(k.T)
                                    .arg(k.K)
                                    .arg(k.N)
                                    .arg(k.group)
                                    .arg(k.before)
                                    .arg(lv::dtypeName(k.wt).data());
            OpHarness h = harness();
            auto zx = h.wide(k.T, 2 * k.K + 8); // the two inputs as strided slices
            auto a = OpHarness::slice(zx, 0, {k.T, k.K});
            auto b = OpHarness::slice(zx, k.K + 8, {k.T, k.K});
            auto nw = h.input(h.randn(std::size_t(k.K), 0.2f, 1.0f), {k.K});
            auto w = h.input(h.randn(std::size_t(k.N * k.K), 1.0f / std::sqrt(float(k.K))),
                             {k.N, k.K}, k.wt);
            auto bias = h.input(h.randn(std::size_t(k.N)), {k.N});
            auto scratch = h.output({k.T, k.K});
            auto out = h.output({k.T, k.N});
            const double tol = k.wt == DType::F32 ? kTolTf32 : kTolBf16;
            h.ref().linearOfSwiglu(a.ref, b.ref, w.ref, &bias.ref, 0.5f, out.ref, scratch.ref);
            if (guarded("linearOfSwiglu" + tag, [&] {
                    h.dut().linearOfSwiglu(a.dut, b.dut, w.dut, &bias.dut, 0.5f, out.dut,
                                           scratch.dut);
                }))
                check("linearOfSwiglu" + tag, h.compare(out), tol);
            h.ref().linearOfGatedRmsNorm(a.ref, b.ref, nw.ref, k.group, 1e-5f, k.before, w.ref,
                                         nullptr, 2.0f, out.ref, scratch.ref);
            if (guarded("linearOfGatedRmsNorm" + tag, [&] {
                    h.dut().linearOfGatedRmsNorm(a.dut, b.dut, nw.dut, k.group, 1e-5f, k.before,
                                                 w.dut, nullptr, 2.0f, out.dut, scratch.dut);
                }))
                check("linearOfGatedRmsNorm" + tag, h.compare(out), tol);
            // The residual add and norm folded into the product; the residual moves to xNew.
            auto xres = h.input(h.randn(std::size_t(k.T * k.K)), {k.T, k.K});
            auto xNew = h.output({k.T, k.K});
            h.ref().linearOfAddRmsNorm(xres.ref, b.ref, 0.75f, nw.ref, 1e-5f, xNew.ref, w.ref,
                                       &bias.ref, 1.5f, out.ref);
            if (guarded("linearOfAddRmsNorm" + tag, [&] {
                    h.dut().linearOfAddRmsNorm(xres.dut, b.dut, 0.75f, nw.dut, 1e-5f, xNew.dut,
                                               w.dut, &bias.dut, 1.5f, out.dut);
                })) {
                check("linearOfAddRmsNorm" + tag, h.compare(out), tol);
                check("linearOfAddRmsNorm" + tag + " (residual)", h.compare(xNew), kTolF32);
            }
        }
        finish();
    }

    // A decode step's in_proj as one call: the product (of x, or of the folded residual norm)
    // and the causal conv of a column range of its output, with the GEMV's conv epilogue (the
    // default) and without (LONGVIEW_CUDA_CONV_EPILOGUE=0, read at each call); against the
    // CPU's ops.
    void fusedLinearWithConv() {
        struct Case {
            std::int64_t T, K, N, c0, C, convK;
            bool fold;
            DType wt;
        };
        for (const char* epilogue : {"", "0"}) {
            qputenv("LONGVIEW_CUDA_CONV_EPILOGUE", epilogue);
            for (const Case& k : {Case{1, 1536, 6448, 3072, 3328, 4, false, DType::BF16},
                                  Case{1, 1536, 6448, 3072, 3328, 4, true, DType::BF16},
                                  Case{2, 1536, 600, 100, 300, 4, true, DType::BF16},
                                  Case{4, 512, 200, 8, 64, 3, false, DType::F16},
                                  Case{3, 256, 96, 0, 96, 2, true, DType::F32},
                                  Case{7, 512, 300, 40, 200, 4, true, DType::BF16}}) {
                const QString tag = QString(" T=%1 K=%2 N=%3 conv %4+%5 k=%6 fold=%7 w=%8%9")
                                        .arg(k.T)
                                        .arg(k.K)
                                        .arg(k.N)
                                        .arg(k.c0)
                                        .arg(k.C)
                                        .arg(k.convK)
                                        .arg(k.fold)
                                        .arg(lv::dtypeName(k.wt).data())
                                        .arg(*epilogue ? " (separate conv)" : " (epilogue)");
                OpHarness h = harness();
                auto x = h.input(h.randn(std::size_t(k.T * k.K)), {k.T, k.K});
                auto dw = h.wide(k.T, k.K + 4);
                auto delta = OpHarness::slice(dw, 0, {k.T, k.K});
                auto nw = h.input(h.randn(std::size_t(k.K), 0.2f, 1.0f), {k.K});
                auto xNew = h.output({k.T, k.K});
                auto w = h.input(h.randn(std::size_t(k.N * k.K), 1.0f / std::sqrt(float(k.K))),
                                 {k.N, k.K}, k.wt);
                auto bias = h.input(h.randn(std::size_t(k.N)), {k.N});
                auto cw = h.input(h.randn(std::size_t(k.C * k.convK), 0.5f), {k.C, k.convK});
                auto cb = h.input(h.randn(std::size_t(k.C)), {k.C});
                auto state = h.output({k.C, k.convK - 1});
                h.set(state, h.randn(std::size_t(k.C * (k.convK - 1))));
                auto convOut = h.output({k.T, k.C});
                auto out = h.output({k.T, k.N});
                auto run = [&](lv::Backend& be, bool dut) {
                    auto side = [&](Mirrored& m) -> lv::Tensor& { return dut ? m.dut : m.ref; };
                    const lv::Backend::ResidualNorm fold{&side(x),  &side(delta), 0.75f,
                                                         &side(nw), 1e-5f,        &side(xNew)};
                    const lv::Backend::ConvOfColumns conv{k.c0,         &side(cw), &side(cb),
                                                          &side(state), true,      &side(convOut)};
                    be.fusedLinear(side(x), k.fold ? &fold : nullptr, side(w), &side(bias), 0.5f,
                                   side(out), &conv);
                };
                run(h.ref(), false);
                if (!guarded("fusedLinear" + tag, [&] { run(h.dut(), true); })) continue;
                const double tol = k.wt == DType::F32 ? kTolTf32 : kTolBf16;
                check("fusedLinear" + tag + " out", h.compare(out), tol);
                check("fusedLinear" + tag + " conv out", h.compare(convOut), tol);
                check("fusedLinear" + tag + " conv state", h.compare(state), tol);
                if (k.fold) check("fusedLinear" + tag + " residual", h.compare(xNew), kTolF32);
            }
        }
        qunsetenv("LONGVIEW_CUDA_CONV_EPILOGUE");
        finish();
    }

    // Products whose plan timed the heuristic's candidates (LONGVIEW_CUDA_GEMM_TUNE=1, read
    // when a shape's plan is made; shapes no other case uses) give the same results.
    void tunedLinear() {
        struct Case {
            std::int64_t T, K, N;
            DType wt;
            bool bias;
        };
        qputenv("LONGVIEW_CUDA_GEMM_TUNE", "1");
        for (const Case& k :
             {Case{129, 1536, 2560, DType::BF16, false}, Case{600, 3072, 1536, DType::BF16, true},
              Case{77, 96, 160, DType::F32, true}}) {
            OpHarness h = harness();
            auto x = h.input(h.randn(std::size_t(k.T * k.K)), {k.T, k.K});
            auto w = h.input(h.randn(std::size_t(k.N * k.K), 1.0f / std::sqrt(float(k.K))),
                             {k.N, k.K}, k.wt);
            auto b = h.input(h.randn(std::size_t(k.N)), {k.N});
            auto out = h.output({k.T, k.N});
            h.ref().linear(x.ref, w.ref, k.bias ? &b.ref : nullptr, 0.5f, out.ref);
            const QString name = QString("tuned linear T=%1 K=%2 N=%3 w=%4")
                                     .arg(k.T)
                                     .arg(k.K)
                                     .arg(k.N)
                                     .arg(lv::dtypeName(k.wt).data());
            for (int run = 0; run < 2; ++run) { // the tuning run, then the chosen plan
                if (!guarded(name, [&] {
                        h.dut().linear(x.dut, w.dut, k.bias ? &b.dut : nullptr, 0.5f, out.dut);
                    }))
                    break;
                check(name + (run ? " (tuned plan)" : " (tuning)"), h.compare(out),
                      k.wt == DType::F32 ? kTolTf32 : kTolBf16);
            }
        }
        qunsetenv("LONGVIEW_CUDA_GEMM_TUNE");
        finish();
    }

    void prepareWeight() {
        // Matrices keep the checkpoint's dtype (f32 -> TF32 products, bf16 stays bf16), vectors
        // become f32; host views may be row slices of a larger tensor.
        OpHarness h = harness();
        const std::int64_t T = 9, K = 1536, N = 300, ld = 1600;
        auto values = h.randn(std::size_t(N * ld), 0.03f);
        std::vector<std::uint16_t> halves(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            halves[i] = lv::floatToBf16(values[i]);
        for (DType dt : {DType::F32, DType::BF16}) {
            Tensor host = Tensor::contiguous(dt == DType::F32 ? static_cast<void*>(values.data())
                                                              : static_cast<void*>(halves.data()),
                                             dt, {N, K});
            host.stride[0] = ld;
            Tensor wGpu = h.dut().prepareWeight(host);
            QCOMPARE(int(wGpu.dtype), int(dt));
            std::vector<float> packed;
            for (std::int64_t r = 0; r < N; ++r)
                for (std::int64_t k = 0; k < K; ++k) {
                    const std::size_t i = std::size_t(r * ld + k);
                    packed.push_back(dt == DType::F32 ? values[i] : lv::bf16ToFloat(halves[i]));
                }
            auto wRef = h.input(packed, {N, K});
            for (std::int64_t rows : {T, std::int64_t(1)}) {
                auto x = h.input(h.randn(std::size_t(rows * K)), {rows, K});
                auto out = h.output({rows, N});
                h.ref().linear(x.ref, wRef.ref, nullptr, 1.0f, out.ref);
                h.dut().linear(x.dut, wGpu, nullptr, 1.0f, out.dut);
                check(QString("prepareWeight %1 [300, 1536] row slice, then linear T=%2")
                          .arg(lv::dtypeName(dt).data())
                          .arg(rows),
                      h.compare(out),
                      rows == 1 ? kTolF32 * 10 : (dt == DType::F32 ? kTolTf32 : kTolBf16));
            }
            h.dut().releaseWeight(wGpu);
        }
        Tensor v = h.dut().prepareWeight(Tensor::contiguous(halves.data(), DType::BF16, {K}));
        QCOMPARE(int(v.dtype), int(DType::F32));
        std::vector<float> back(static_cast<std::size_t>(K));
        h.dut().download(back.data(), v.data, std::size_t(K) * 4);
        for (std::int64_t i = 0; i < K; ++i)
            QCOMPARE(back[std::size_t(i)], lv::bf16ToFloat(halves[std::size_t(i)]));
        h.dut().releaseWeight(v);
        finish();
    }

    void rmsNorm() {
        struct Case {
            std::int64_t T, D;
            DType wt;
            bool inPlace;
        };
        for (const Case& k :
             {Case{300, 1536, DType::F32, false}, Case{1, 1536, DType::BF16, true},
              Case{5, 37, DType::F32, false}, Case{4, 12 * 128, DType::F32, true}}) {
            OpHarness h = harness();
            auto x = h.output({k.T, k.D});
            h.set(x, h.randn(std::size_t(k.T * k.D), 2.0f, 0.3f));
            auto w = h.input(h.randn(std::size_t(k.D), 0.2f, 1.0f), {k.D}, k.wt);
            auto out = k.inPlace ? x : h.output({k.T, k.D});
            h.ref().rmsNorm(x.ref, w.ref, 1e-5f, out.ref);
            h.dut().rmsNorm(x.dut, w.dut, 1e-5f, out.dut);
            check(QString("rmsNorm T=%1 D=%2 w=%3 inPlace=%4")
                      .arg(k.T)
                      .arg(k.D)
                      .arg(lv::dtypeName(k.wt).data())
                      .arg(k.inPlace),
                  h.compare(out), kTolF32);
        }
        finish();
    }

    // The residual add fused with the next block's norm: both the updated stream and the
    // normed rows against the CPU's two ops (5000 columns: the unfused fallback).
    void addRmsNorm() {
        struct Case {
            std::int64_t T, D;
            DType wt;
            float scale;
        };
        for (const Case& k : {Case{2048, 1536, DType::BF16, 1.0f}, Case{1, 1536, DType::F32, 0.22f},
                              Case{5, 37, DType::F32, 1.0f}, Case{3, 4096, DType::BF16, 0.5f},
                              Case{2, 1024, DType::F32, 1.0f}, Case{2, 5000, DType::F32, 2.0f}}) {
            OpHarness h = harness();
            auto x = h.output({k.T, k.D});
            h.set(x, h.randn(std::size_t(k.T * k.D), 2.0f, 0.3f));
            auto delta = h.input(h.randn(std::size_t(k.T * k.D)), {k.T, k.D});
            auto w = h.input(h.randn(std::size_t(k.D), 0.2f, 1.0f), {k.D}, k.wt);
            auto out = h.output({k.T, k.D});
            h.ref().addRmsNorm(x.ref, delta.ref, k.scale, w.ref, 1e-5f, out.ref);
            if (!guarded("addRmsNorm", [&] {
                    h.dut().addRmsNorm(x.dut, delta.dut, k.scale, w.dut, 1e-5f, out.dut);
                }))
                continue;
            const QString name = QString("addRmsNorm T=%1 D=%2 w=%3 scale=%4")
                                     .arg(k.T)
                                     .arg(k.D)
                                     .arg(lv::dtypeName(k.wt).data())
                                     .arg(k.scale);
            check(name + " x", h.compare(x), kTolF32);
            check(name + " normed", h.compare(out), kTolF32);
        }
        finish();
    }

    void gatedRmsNorm() {
        struct Case {
            std::int64_t T, D, group;
            bool before;
            std::int64_t gap = 5; // between z and x; 4 keeps rows 16-byte aligned (vector loads)
        };
        for (const Case& k :
             {Case{300, 3072, 3072, false}, Case{1, 3072, 3072, true}, Case{7, 96, 32, false},
              Case{7, 96, 48, true}, Case{3, 3072, 1536, false}, Case{300, 3072, 3072, false, 4},
              Case{64, 4096, 2048, true, 4}, Case{9, 2056, 1028, false, 4}}) {
            OpHarness h = harness();
            auto zx = h.wide(k.T, 2 * k.D + k.gap); // z and x as slices of one projection
            auto z = OpHarness::slice(zx, 0, {k.T, k.D});
            auto x = OpHarness::slice(zx, k.D + k.gap, {k.T, k.D});
            auto w = h.input(h.randn(std::size_t(k.D), 0.2f, 1.0f), {k.D});
            auto out = h.output({k.T, k.D});
            h.ref().gatedRmsNorm(x.ref, z.ref, w.ref, k.group, 1e-5f, k.before, out.ref);
            h.dut().gatedRmsNorm(x.dut, z.dut, w.dut, k.group, 1e-5f, k.before, out.dut);
            check(QString("gatedRmsNorm T=%1 D=%2 group=%3 normBeforeGate=%4 gap=%5")
                      .arg(k.T)
                      .arg(k.D)
                      .arg(k.group)
                      .arg(k.before)
                      .arg(k.gap),
                  h.compare(out), kTolF32);
        }
        finish();
    }

    void elementwise() {
        for (auto [T, F] : {std::pair<std::int64_t, std::int64_t>{300, 4096}, {3, 33}, {1, 1536}}) {
            OpHarness h = harness();
            // swiglu over the two halves of one [T, 2F] projection (strided rows)
            auto gu = h.wide(T, 2 * F);
            auto g = OpHarness::slice(gu, 0, {T, F});
            auto u = OpHarness::slice(gu, F, {T, F});
            auto out = h.output({T, F});
            h.ref().swiglu(g.ref, u.ref, out.ref);
            h.dut().swiglu(g.dut, u.dut, out.dut);
            check(QString("swiglu T=%1 F=%2 (halves of [T, 2F])").arg(T).arg(F), h.compare(out),
                  kTolF32);

            auto a = h.input(h.randn(std::size_t(T * F)), {T, F});
            auto b = h.input(h.randn(std::size_t(T * F)), {T, F});
            auto sum = h.output({T, F}, F + 3);
            h.ref().addScaled(a.ref, b.ref, 0.22f, sum.ref);
            h.dut().addScaled(a.dut, b.dut, 0.22f, sum.dut);
            check(QString("addScaled T=%1 F=%2 scale=0.22 out ld=%3").arg(T).arg(F).arg(F + 3),
                  h.compare(sum), kTolF32);

            for (int which = 0; which < 3; ++which) {
                auto x = h.output({T, F});
                h.set(x, h.randn(std::size_t(T * F), 3.0f));
                const char* name = which == 0 ? "scale" : which == 1 ? "silu" : "reluSquared";
                if (which == 0) {
                    h.ref().scale(x.ref, -1.5f);
                    h.dut().scale(x.dut, -1.5f);
                } else if (which == 1) {
                    h.ref().silu(x.ref);
                    h.dut().silu(x.dut);
                } else {
                    h.ref().reluSquared(x.ref);
                    h.dut().reluSquared(x.dut);
                }
                check(QString("%1 T=%2 F=%3 (in place)").arg(name).arg(T).arg(F), h.compare(x),
                      kTolF32);
            }
        }
        finish();
    }

    void causalConv1d() {
        // Granite: conv over x, B, C of the in_proj output (3072 + 2 * 128 channels).
        struct Case {
            std::int64_t T, C, K;
            bool bias, act, inPlace;
            std::int64_t ld;
        };
        for (const Case& k :
             {Case{300, 3328, 4, true, true, false, 6448},
              Case{1, 3328, 4, true, true, false, 6448}, Case{2, 3328, 4, false, true, false, 0},
              Case{37, 37, 3, true, false, false, 0}, Case{19, 64, 4, true, true, true, 0},
              Case{5, 10, 1, true, false, false, 0},
              // one token: the decode kernel (own window, rolls its own state)
              Case{1, 3328, 4, false, false, true, 0}, Case{1, 37, 3, true, false, false, 40},
              Case{1, 10, 1, true, true, false, 0}, Case{1, 16, 8, true, true, false, 0}}) {
            OpHarness h = harness();
            const std::int64_t ld = k.ld ? k.ld : k.C;
            auto xw = h.wide(k.T, ld);
            auto x = OpHarness::slice(xw, 0, {k.T, k.C});
            auto w = h.input(h.randn(std::size_t(k.C * k.K), 0.5f), {k.C, k.K});
            auto b = h.input(h.randn(std::size_t(k.C)), {k.C});
            auto state = h.output({k.C, k.K - 1});
            h.set(state, h.randn(std::size_t(k.C * (k.K - 1))));
            Mirrored out = k.inPlace ? x : h.output({k.T, k.C});
            const QString name =
                QString("causalConv1d T=%1 C=%2 K=%3 bias=%4 silu=%5 inPlace=%6 ldx=%7")
                    .arg(k.T)
                    .arg(k.C)
                    .arg(k.K)
                    .arg(k.bias)
                    .arg(k.act)
                    .arg(k.inPlace)
                    .arg(ld);
            h.ref().causalConv1d(x.ref, w.ref, k.bias ? &b.ref : nullptr, state.ref, k.act,
                                 out.ref);
            h.dut().causalConv1d(x.dut, w.dut, k.bias ? &b.dut : nullptr, state.dut, k.act,
                                 out.dut);
            check(name + " out", h.compare(out), kTolF32);
            if (k.K > 1) check(name + " state", h.compare(state), kTolF32);
        }
        finish();
    }

    // Mamba2's prefill activations in bf16 (a GPU's prefill): in_proj's output
    // (Backend::mamba2ProjectionDType) read by the conv (x-B-C), the gated norm (z) and the
    // SSD (dt), and the SSD's y (ssdOutputDType) written so and read by the gated norm; each
    // against the CPU's f32 op on the same (rounded) values.
    void bf16MambaActivations() {
        // Granite's in_proj rows: z 3072 | x-B-C 3328 | dt 48 (6448 columns).
        const std::int64_t Z = 3072, C = 3328, H = 48, P = 64, ld = Z + C + H;
        for (std::int64_t T : {300, 7, 1}) {
            OpHarness h = harness();
            auto proj = h.inputAs(h.randn(std::size_t(T * ld)), {T, ld}, DType::F32, DType::BF16);
            const QString tag = QString(" T=%1 (bf16 in_proj output").arg(T);

            auto xbc = bf16Columns(proj, Z, {T, C});
            auto cw = h.input(h.randn(std::size_t(C * 4), 0.5f), {C, 4}, DType::BF16);
            auto cb = h.input(h.randn(std::size_t(C)), {C});
            // The output f32, or bf16 for the SSD (ssdInputDType): rounded as it is written;
            // the staged form (the tile in shared memory, the default) and the register one,
            // with and without bias and SiLU.
            struct ConvForm {
                bool outBf16, registers, biasSilu;
            };
            for (const ConvForm f : {ConvForm{false, false, true}, ConvForm{true, false, true},
                                     ConvForm{false, false, false}, ConvForm{true, true, true},
                                     ConvForm{false, true, true}}) {
                const bool outBf16 = f.outBf16;
                const QString name = "causalConv1d" + tag + (outBf16 ? ", bf16 out" : "") +
                                     (f.registers ? ", LONGVIEW_CUDA_CONV_STAGED=0" : "") +
                                     (f.biasSilu ? ")" : ", no bias, no SiLU)");
                auto state = h.output({C, 3});
                h.set(state, h.randn(std::size_t(C * 3)));
                auto convOut = outBf16 ? h.inputAs(std::vector<float>(std::size_t(T * C), 7.0f),
                                                   {T, C}, DType::F32, DType::BF16)
                                       : h.output({T, C});
                const lv::Tensor* bias = f.biasSilu ? &cb.ref : nullptr;
                h.ref().causalConv1d(xbc.ref, cw.ref, bias, state.ref, f.biasSilu, convOut.ref);
                if (f.registers) qputenv("LONGVIEW_CUDA_CONV_STAGED", "0");
                const bool ran = guarded(name, [&] {
                    h.dut().causalConv1d(xbc.dut, cw.dut, f.biasSilu ? &cb.dut : nullptr, state.dut,
                                         f.biasSilu, convOut.dut);
                    h.dut().synchronize();
                });
                if (f.registers) qunsetenv("LONGVIEW_CUDA_CONV_STAGED");
                if (ran) {
                    check(name + " out", h.compare(convOut), outBf16 ? kTolBf16 : kTolF32);
                    check(name + " state", h.compare(state), kTolF32);
                }
            }

            auto z = bf16Columns(proj, 0, {T, Z});
            auto nw = h.input(h.randn(std::size_t(Z), 0.2f, 1.0f), {Z});
            for (bool yBf16 : {false, true}) {
                const QString name = "gatedRmsNorm" + tag + (yBf16 ? ", bf16 y)" : ")");
                auto y =
                    yBf16 ? h.inputAs(h.randn(std::size_t(T * Z)), {T, Z}, DType::F32, DType::BF16)
                          : h.input(h.randn(std::size_t(T * Z)), {T, Z});
                auto normed = h.output({T, Z});
                h.ref().gatedRmsNorm(y.ref, z.ref, nw.ref, Z, 1e-5f, false, normed.ref);
                if (guarded(name, [&] {
                        h.dut().gatedRmsNorm(y.dut, z.dut, nw.dut, Z, 1e-5f, false, normed.dut);
                    }))
                    check(name, h.compare(normed), kTolF32);
            }

            // y f32 or bf16 (ssdOutputDType); x, B and C f32 or bf16 as the conv writes them
            // (ssdInputDType), columns of its rows: the chunked form's bf16 kernels read them
            // (with CB in bf16, or in f32); the recurrent form (T <= 32) and the older chunked
            // forms a switch asks for read f32 copies.
            auto convRows = h.inputAs(h.randn(std::size_t(T * C)), {T, C}, DType::F32, DType::BF16);
            struct Case {
                bool yBf16, xbcBf16;
                const char *variable, *value;
                const char *variable2 = "", *value2 = ""; // a second switch, with the first
            };
            for (const Case c :
                 {Case{false, false, "", ""}, Case{true, false, "", ""}, Case{true, true, "", ""},
                  Case{true, true, "LONGVIEW_CUDA_SSD_SCRATCH_BF16", "0"},
                  Case{true, true, "LONGVIEW_CUDA_SSD_CB", "64"},
                  Case{true, true, "LONGVIEW_CUDA_SSD_SCAN", "compact"},
                  Case{true, true, "LONGVIEW_CUDA_SSD_SCAN", "tf32"},
                  Case{true, true, "LONGVIEW_CUDA_SSD_SCAN", "registers"},
                  // the mma.sync whole-chunk scan (the default on sm_90a is the wgmma one)
                  Case{true, true, "LONGVIEW_CUDA_SSD_SCAN", "mma"},
                  // the mma.sync chunk states (the default on sm_90a is the wgmma one)
                  Case{true, true, "LONGVIEW_CUDA_SSD_STATES", "mma"},
                  // the forms a GPU with 99 KB of shared memory a block chooses
                  Case{true, true, "LONGVIEW_CUDA_SMEM_LIMIT", "101376"},
                  Case{true, true, "LONGVIEW_CUDA_SMEM_LIMIT", "101376",
                       "LONGVIEW_CUDA_SSD_SCRATCH_BF16", "0"}}) {
                if (*c.variable && T <= 32) continue; // the recurrent form has no others
                const QString name =
                    "ssdScan" + tag + (c.yBf16 ? ", bf16 y" : "") +
                    (c.xbcBf16 ? ", bf16 x-B-C" : "") +
                    (*c.variable ? QString(", %1=%2").arg(c.variable, c.value) : QString()) +
                    (*c.variable2 ? QString(", %1=%2").arg(c.variable2, c.value2) : QString()) +
                    ")";
                const SsdCase k{T, H, P, 1, 128, 0.0f, 1e30f};
                SsdTensors ssd = makeSsd(h, k, true);
                ssd.dt = bf16Columns(proj, Z + C, {T, H});
                if (c.xbcBf16) {
                    ssd.x = bf16Columns(convRows, 0, {T, H, P});
                    ssd.B = bf16Columns(convRows, H * P, {T, 1, 128});
                    ssd.C = bf16Columns(convRows, H * P + 128, {T, 1, 128});
                }
                if (c.yBf16) // f32 on the reference, bf16 written by the tested op
                    ssd.y = h.inputAs(std::vector<float>(std::size_t(T * H * P), 7.0f), {T, H, P},
                                      DType::F32, DType::BF16);
                lv::SsdParams p;
                p.chunkSize = 128;
                p.bf16Products = true;
                h.ref().ssdScan(ssd.x.ref, ssd.dt.ref, ssd.A.ref, ssd.B.ref, ssd.C.ref, ssd.D.ref,
                                ssd.dtBias.ref, p, ssd.state.ref, ssd.y.ref);
                if (*c.variable) qputenv(c.variable, c.value);
                if (*c.variable2) qputenv(c.variable2, c.value2);
                const bool ran = guarded(name, [&] {
                    h.dut().ssdScan(ssd.x.dut, ssd.dt.dut, ssd.A.dut, ssd.B.dut, ssd.C.dut,
                                    ssd.D.dut, ssd.dtBias.dut, p, ssd.state.dut, ssd.y.dut);
                    h.dut().synchronize();
                });
                if (*c.variable) qunsetenv(c.variable);
                if (*c.variable2) qunsetenv(c.variable2);
                if (ran) {
                    check(name + " y", h.compare(ssd.y), T <= 32 && !c.yBf16 ? kTolF32 : kTolBf16);
                    check(name + " state", h.compare(ssd.state), T <= 32 ? kTolF32 : kTolBf16);
                }
            }
        }
        {
            // bf16 x, B and C over more than one window of 64 chunks (the bf16 previous
            // states and CB reused across windows), four heads.
            OpHarness h = harness();
            const SsdCase k{64 * 256 + 100, 4, 64, 1, 128, 0.0f, 1e30f};
            const std::int64_t cols = k.H * k.P + 2 * k.N;
            auto rows =
                h.inputAs(h.randn(std::size_t(k.T * cols)), {k.T, cols}, DType::F32, DType::BF16);
            SsdTensors ssd = makeSsd(h, k, true);
            ssd.x = bf16Columns(rows, 0, {k.T, k.H, k.P});
            ssd.B = bf16Columns(rows, k.H * k.P, {k.T, 1, k.N});
            ssd.C = bf16Columns(rows, k.H * k.P + k.N, {k.T, 1, k.N});
            lv::SsdParams p;
            p.bf16Products = true;
            h.ref().ssdScan(ssd.x.ref, ssd.dt.ref, ssd.A.ref, ssd.B.ref, ssd.C.ref, ssd.D.ref,
                            ssd.dtBias.ref, p, ssd.state.ref, ssd.y.ref);
            const QString name = QString("ssdScan T=%1 H=4 (bf16 x-B-C, two windows)").arg(k.T);
            if (guarded(name, [&] {
                    h.dut().ssdScan(ssd.x.dut, ssd.dt.dut, ssd.A.dut, ssd.B.dut, ssd.C.dut,
                                    ssd.D.dut, ssd.dtBias.dut, p, ssd.state.dut, ssd.y.dut);
                })) {
                check(name + " y", h.compare(ssd.y), kTolBf16);
                check(name + " state", h.compare(ssd.state), kTolBf16);
            }
        }
        finish();
    }

    void ssdScan() {
        // The chunked form on the model's 16-byte aligned rows (chunk states and the
        // whole-chunk scan through cp.async stages), and on rows the cp.async forms cannot
        // take (the register-staged kernels serve them); and a bf16 checkpoint's, on bf16
        // operands.
        ssdScanCases(QString(), true, false);
        ssdScanCases(" (unaligned rows: register-staged)", false, false);
        ssdScanCases(" (bf16 operands)", true, true);
        finish();
    }

    void ssdPrefillMatchesSteps() {
        // The whole-sequence call and T single-token calls must leave the same state and y.
        const SsdCase k{40, 8, 64, 1, 128, 0.0f, 1e30f};
        OpHarness h = harness();
        SsdTensors s = makeSsd(h, k);
        lv::SsdParams p;
        h.dut().ssdScan(s.x.dut, s.dt.dut, s.A.dut, s.B.dut, s.C.dut, s.D.dut, s.dtBias.dut, p,
                        s.state.dut, s.y.dut);
        // reference side: the same op on the GPU, one token at a time (ref tensors unused)
        auto stateSteps = h.output({k.H, k.P, k.N});
        h.set(stateSteps, h.readRef(s.state));
        auto ySteps = h.output({k.T, k.H, k.P});
        for (std::int64_t t = 0; t < k.T; ++t) {
            auto row = [&](const Tensor& v, std::initializer_list<std::int64_t> dims) {
                Tensor r = v;
                r.data = static_cast<float*>(v.data) + t * v.stride[0];
                r.shape[0] = 1;
                (void)dims;
                return r;
            };
            Tensor yt = row(ySteps.dut, {});
            h.dut().ssdScan(row(s.x.dut, {}), row(s.dt.dut, {}), s.A.dut, row(s.B.dut, {}),
                            row(s.C.dut, {}), s.D.dut, s.dtBias.dut, p, stateSteps.dut, yt);
        }
        h.dut().synchronize();
        auto diff = [](const std::vector<float>& a, const std::vector<float>& b) {
            double num = 0, den = 0;
            for (std::size_t i = 0; i < a.size(); ++i) {
                num += double(a[i] - b[i]) * double(a[i] - b[i]);
                den += double(b[i]) * double(b[i]);
            }
            return std::sqrt(num / den);
        };
        const double ey = diff(h.readDut(ySteps), h.readDut(s.y));
        const double es = diff(h.readDut(stateSteps), h.readDut(s.state));
        const bool ok = ey <= kTolTf32 && es <= kTolTf32;
        if (!ok) ++failures_;
        qInfo().noquote() << (ok ? "  ok   " : "  FAIL ")
                          << QString("ssdScan T=40 whole vs 40 single steps (GPU): y rel err %1, "
                                     "state rel err %2 (tol %3)")
                                 .arg(ey, 0, 'e', 2)
                                 .arg(es, 0, 'e', 2)
                                 .arg(kTolTf32, 0, 'e', 1);
        finish();
    }

    void rope() {
        struct Case {
            std::int64_t T, heads, d, pos0, rot;
            float theta;
            std::int64_t ld;
        };
        for (const Case& k :
             {Case{300, 12, 128, 0, 128, 10000.0f, 0}, Case{1, 12, 128, 1023, 128, 10000.0f, 2048},
              Case{64, 4, 128, 131000, 128, 10000000.0f, 0}, Case{9, 3, 40, 17, 20, 500.0f, 0}}) {
            OpHarness h = harness();
            const std::int64_t ld = k.ld ? k.ld : k.heads * k.d;
            auto xw = h.wide(k.T, ld);
            auto x = OpHarness::slice(xw, 0, {k.T, k.heads, k.d});
            h.ref().rope(x.ref, k.pos0, k.theta, k.rot);
            h.dut().rope(x.dut, k.pos0, k.theta, k.rot);
            // Large positions: float32 angles differ by an ulp of pos * invFreq between libms.
            const double tol =
                k.pos0 > 100000 ? 2e-3 : 1e-5 * std::max<double>(1.0, double(k.pos0 + k.T) / 10.0);
            check(QString("rope T=%1 heads=%2 d=%3 pos0=%4 rotaryDim=%5 theta=%6 ld=%7")
                      .arg(k.T)
                      .arg(k.heads)
                      .arg(k.d)
                      .arg(k.pos0)
                      .arg(k.rot)
                      .arg(k.theta)
                      .arg(ld),
                  h.compare(x), tol);
        }
        finish();
    }

    // The wgmma attention's layouts, one product at a time: Q K^T through the Q and K
    // descriptors, then P V through the A fragments and the transposed V descriptor (from the
    // GPU's own scores, so that each part is judged alone). A wrong descriptor fails here by
    // name instead of as a wrong attention.
    void wgmmaLayouts() {
        if (!lv::cuda::flashWgmmaAvailable())
            QSKIP("wgmma kernels run on compute capability 9.0 only (built for sm_90a)");
        for (const int d : {128, 64}) {
            std::mt19937 rng(7 + d);
            std::normal_distribution<float> normal(0.0f, 0.5f);
            auto halves = [&](std::size_t n, std::vector<float>& values) {
                std::vector<std::uint16_t> bits(n);
                values.resize(n);
                for (std::size_t i = 0; i < n; ++i) {
                    bits[i] = lv::floatToF16(normal(rng));
                    values[i] = lv::f16ToFloat(bits[i]);
                }
                return bits;
            };
            std::vector<float> q, k, v;
            const auto qb = halves(std::size_t(64 * d), q), kb = halves(std::size_t(128 * d), k),
                       vb = halves(std::size_t(128 * d), v);
            std::vector<float> s(64 * 128), o(std::size_t(64 * d));
            if (!guarded(QString("wgmma probe d=%1").arg(d), [&] {
                    lv::cuda::probeWgmmaLayouts(d, qb.data(), kb.data(), vb.data(), s.data(),
                                                o.data());
                }))
                continue;
            auto relError = [](const std::vector<double>& ref, const std::vector<float>& got) {
                double num = 0, den = 0;
                for (std::size_t i = 0; i < ref.size(); ++i) {
                    num += (got[i] - ref[i]) * (got[i] - ref[i]);
                    den += ref[i] * ref[i];
                }
                return std::sqrt(num / den);
            };
            std::vector<double> sRef(64 * 128), oRef(std::size_t(64 * d), 0.0);
            for (int r = 0; r < 64; ++r)
                for (int c = 0; c < 128; ++c) {
                    double acc = 0;
                    for (int e = 0; e < d; ++e)
                        acc += double(q[std::size_t(r * d + e)]) * k[std::size_t(c * d + e)];
                    sRef[std::size_t(r * 128 + c)] = acc;
                }
            for (int r = 0; r < 64; ++r)
                for (int c = 0; c < 128; ++c) {
                    const double pv =
                        lv::f16ToFloat(lv::floatToF16Saturated(s[std::size_t(r * 128 + c)]));
                    for (int n = 0; n < d; ++n)
                        oRef[std::size_t(r * d + n)] += pv * v[std::size_t(c * d + n)];
                }
            const double es = relError(sRef, s), eo = relError(oRef, o);
            for (const auto& [what, err] :
                 {std::pair{QString("Q.K^T (the Q and K descriptors)"), es},
                  std::pair{QString("P.V (the A fragments, the transposed V descriptor)"), eo}}) {
                const bool ok = std::isfinite(err) && err <= 1e-4;
                if (!ok) ++failures_;
                qInfo().noquote() << (ok ? "  ok   " : "  FAIL ")
                                  << QString("wgmma d=%1 %2: rel err %3 (tol 1e-4)")
                                         .arg(d)
                                         .arg(what)
                                         .arg(err, 0, 'e', 2);
            }
        }
        finish();
    }

    void attention() {
        struct Case {
            std::int64_t T, pos0, cap, Hq, Hkv, d;
            DType kv;
        };
        for (const Case& k :
             {Case{300, 0, 300, 12, 4, 128, DType::F32},
              Case{1, 1023, 1024, 12, 4, 128, DType::F32},
              Case{64, 700, 1024, 12, 4, 128, DType::F32},
              Case{1, 4095, 4096, 12, 4, 128, DType::BF16}, Case{33, 5, 40, 6, 2, 40, DType::F32},
              Case{130, 0, 130, 4, 4, 64, DType::BF16}, Case{2, 0, 2, 3, 1, 16, DType::F32},
              Case{2, 2000, 2048, 12, 4, 128, DType::F32},
              Case{100, 1000, 1200, 12, 4, 128, DType::F16},
              Case{512, 3000, 4096, 12, 4, 128, DType::F32},
              Case{1, 300, 512, 8, 8, 64, DType::F32}, Case{3, 5000, 5003, 2, 1, 64, DType::BF16},
              Case{1, 2047, 2048, 12, 4, 128, DType::F16},
              Case{2048, 6144, 8192, 12, 4, 128, DType::F16},
              Case{130, 0, 130, 4, 4, 64, DType::F16},
              // enough query tiles for the 8-warp flash blocks (>= 3 per SM)
              Case{4608, 100, 4708, 12, 4, 128, DType::F16},
              // fewer queries than one warpgroup's 64 (wgmma: the second one idle), and a
              // block of rows that ends inside a 128-key step
              Case{33, 0, 33, 6, 2, 128, DType::F16}, Case{200, 77, 300, 3, 1, 64, DType::F16},
              // eight query heads a kv head (16 queries a block of 128 rows)
              Case{150, 10, 160, 8, 1, 64, DType::F16},
              // split-K decode on f16 caches: keys that end inside a tile of 16 and inside a
              // split, two tokens (causal within the block's rows), eight heads a kv head,
              // head dim 64, a long context
              Case{1, 1000, 1001, 12, 4, 128, DType::F16},
              Case{2, 777, 800, 12, 4, 128, DType::F16}, Case{1, 300, 512, 8, 8, 64, DType::F16},
              Case{1, 4500, 4501, 8, 1, 128, DType::F16}, Case{2, 3000, 3002, 4, 1, 64, DType::F16},
              Case{1, 70000, 70001, 12, 4, 128, DType::F16}}) {
            OpHarness h = harness();
            const float scale = 1.0f / std::sqrt(float(k.d));
            auto qw = h.wide(k.T, k.Hq * k.d + 2 * k.Hkv * k.d); // q as a slice of qkv
            auto q = OpHarness::slice(qw, 0, {k.T, k.Hq, k.d});
            auto kc = h.inputAs(h.randn(std::size_t(k.cap * k.Hkv * k.d)), {k.cap, k.Hkv, k.d},
                                DType::F32, k.kv);
            auto vc = h.inputAs(h.randn(std::size_t(k.cap * k.Hkv * k.d)), {k.cap, k.Hkv, k.d},
                                DType::F32, k.kv);
            auto expected = h.output({k.T, k.Hq, k.d});
            h.ref().attention(q.ref, kc.ref, vc.ref, k.pos0, scale, expected.ref);
            // f16 caches: every flash form (the default: on compute capability 9.0 the
            // warp-specialized warpgroup products, else two query tiles per warp; the
            // warpgroup products with cp.async copies; the mma.sync forms with two tiles and
            // one), each into a freshly poisoned output. A form that does not apply falls
            // back to the next, compared again. A few query rows go to the split-K decode
            // kernel whatever the flash switches: on f16 caches its tensor-core form (the
            // default) and its CUDA-core one.
            struct Variant {
                const char *name, *variable, *value;
                bool decode; // a form of the decode kernel, else of flash attention
            };
            const bool flash = k.T * (k.Hq / k.Hkv) > 8;
            for (const Variant& v :
                 {Variant{"default", "", "", false},
                  Variant{"wgmma", "LONGVIEW_CUDA_FA", "wgmma", false},
                  Variant{"mma, tiles=2", "LONGVIEW_CUDA_FA", "mma", false},
                  Variant{"mma, tiles=1", "LONGVIEW_CUDA_FA", "mma1", false},
                  Variant{"split-K on the CUDA cores", "LONGVIEW_CUDA_DECODE", "simt", true}}) {
                if (*v.value && (k.kv != DType::F16 || flash == v.decode)) continue;
                auto out = h.output({k.T, k.Hq, k.d});
                h.ref().copy(out.ref.data, expected.ref.data, out.ref.bytes());
                if (*v.variable) qputenv(v.variable, v.value);
                const bool ran = guarded(
                    QString("attention T=%1 pos0=%2 d=%3").arg(k.T).arg(k.pos0).arg(k.d),
                    [&] { h.dut().attention(q.dut, kc.dut, vc.dut, k.pos0, scale, out.dut); });
                if (*v.variable) qunsetenv(v.variable);
                if (!ran) break;
                check(QString("attention T=%1 pos0=%2 Hq=%3 Hkv=%4 d=%5 kv=%6 %7")
                          .arg(k.T)
                          .arg(k.pos0)
                          .arg(k.Hq)
                          .arg(k.Hkv)
                          .arg(k.d)
                          .arg(lv::dtypeName(k.kv).data())
                          .arg(v.name),
                      h.compare(out), kTolBf16);
            }
        }
        finish();
    }

    void storeRows() {
        struct Case {
            std::int64_t T, row0, cap, rowLen;
            DType cache;
            std::int64_t skip = 0; // src rows are the last rowLen of rows of rowLen + skip
        };
        for (const Case& k :
             {Case{1, 1023, 1024, 512, DType::F32}, Case{300, 5, 512, 512, DType::F32},
              Case{7, 0, 9, 3, DType::F32}, Case{1, 0, 256, 128, DType::F32},
              Case{1, 1023, 1024, 512, DType::F16}, Case{300, 5, 512, 512, DType::F16},
              Case{7, 2, 9, 3, DType::F16}, Case{2, 100, 256, 128, DType::BF16},
              // k and v of a stacked q/k/v product: 12 q heads of 64, then k (then v).
              Case{300, 5, 512, 256, DType::F32, 768}, Case{300, 5, 512, 256, DType::F16, 1024},
              Case{7, 2, 9, 3, DType::F16, 5}, Case{1, 700, 1024, 256, DType::F16, 1024}}) {
            OpHarness h = harness();
            const std::int64_t width = k.rowLen + k.skip;
            // Keys beyond f16's range saturate on both sides instead of becoming infinite.
            auto values = h.randn(std::size_t(k.T * width), 3.0f);
            values[std::size_t(k.skip)] = 1e6f;
            values[std::size_t((k.T / 2) * width + k.skip + k.rowLen / 2)] = -7e4f;
            auto src = h.input(values, {k.T, width});
            for (Tensor* t : {&src.ref, &src.dut}) { // the last rowLen columns, rows apart
                t->data = t->as<float>() + k.skip;
                t->shape[1] = k.rowLen;
            }
            auto dst = h.input(h.randn(std::size_t(k.cap * k.rowLen)), {k.cap, k.rowLen}, k.cache);
            h.ref().storeRows(src.ref, dst.ref, k.row0);
            if (!guarded("storeRows", [&] { h.dut().storeRows(src.dut, dst.dut, k.row0); }))
                continue;
            check(QString("storeRows T=%1 row0=%2 capacity=%3 row=%4 cache=%5 src rows %6 apart")
                      .arg(k.T)
                      .arg(k.row0)
                      .arg(k.cap)
                      .arg(k.rowLen)
                      .arg(lv::dtypeName(k.cache).data())
                      .arg(width),
                  h.compare(dst), 0.0);
        }
        finish();
    }

    // The attention layer of a decode step (rope, KV append, split-K attention) recorded
    // once at one position and replayed at others, against the CPU running the same ops
    // at the replay's position.
    void recordedStep() {
        for (bool fused : {false, true})
            recordedStepWith(fused, DType::F32);
        recordedStepWith(true, DType::F16); // the caches the GPU keeps: tensor-core decode
    }
    // fused: rope and the KV append as one ropeAndAppend call. cache: the tested backend's KV
    // cache type (the CPU's are f32, holding the same numbers).
    void recordedStepWith(bool fused, DType cache) {
        const std::int64_t Hq = 12, Hkv = 4, d = 128, cap = 2048, recordAt = 700;
        OpHarness h = harness();
        const float scale = 1.0f / std::sqrt(float(d));
        const double tol = cache == DType::F32 ? kTolF32 : kTolBf16;
        auto q = h.output({1, Hq, d});
        auto kRow = h.output({1, Hkv, d});
        auto vRow = h.output({1, Hkv, d});
        auto kc = h.inputAs(h.randn(std::size_t(cap * Hkv * d)), {cap, Hkv, d}, DType::F32, cache);
        auto vc = h.inputAs(h.randn(std::size_t(cap * Hkv * d)), {cap, Hkv, d}, DType::F32, cache);
        auto out = h.output({1, Hq, d});
        auto ops = [&](lv::Backend& be, bool dut, std::int64_t pos) {
            Tensor& qt = dut ? q.dut : q.ref;
            Tensor& kt = dut ? kRow.dut : kRow.ref;
            if (fused) {
                be.ropeAndAppend(qt, kt, dut ? vRow.dut : vRow.ref, dut ? kc.dut : kc.ref,
                                 dut ? vc.dut : vc.ref, pos, 10000.0f, d);
            } else {
                be.rope(qt, pos, 10000.0f, d);
                be.rope(kt, pos, 10000.0f, d);
                be.storeRows(kt, dut ? kc.dut : kc.ref, pos);
                be.storeRows(dut ? vRow.dut : vRow.ref, dut ? vc.dut : vc.ref, pos);
            }
            be.attention(qt, dut ? kc.dut : kc.ref, dut ? vc.dut : vc.ref, pos, scale,
                         dut ? out.dut : out.ref);
        };
        std::string whyNot;
        auto step = gpu_->recordStep(
            recordAt, [&] { ops(*gpu_, true, recordAt); }, whyNot);
        QVERIFY2(step, whyNot.c_str());
        h.set(kc, h.randn(std::size_t(cap * Hkv * d)));
        h.set(vc, h.randn(std::size_t(cap * Hkv * d)));
        for (std::int64_t pos : {std::int64_t(0), std::int64_t(5), std::int64_t(255),
                                 std::int64_t(256), recordAt, std::int64_t(1500), cap - 1}) {
            h.set(q, h.randn(std::size_t(Hq * d)));
            h.set(kRow, h.randn(std::size_t(Hkv * d)));
            h.set(vRow, h.randn(std::size_t(Hkv * d)));
            ops(*cpu_, false, pos);
            if (!guarded("replay", [&] { gpu_->replayStep(*step, pos); })) continue;
            const QString at = QString("recorded step%1 (%2 caches) at %3 replayed at %4")
                                   .arg(fused ? " (ropeAndAppend)" : "")
                                   .arg(lv::dtypeName(cache).data())
                                   .arg(recordAt)
                                   .arg(pos);
            check(at + ": attention", h.compare(out), tol);
            check(at + ": k cache", h.compare(kc), tol);
            check(at + ": v cache", h.compare(vc), cache == DType::F32 ? 0.0 : tol);
        }
        // An op that needs the host cannot be recorded, and says so.
        std::vector<float> host(16);
        auto refused = gpu_->recordStep(
            0, [&] { gpu_->download(host.data(), kc.dut.data, 64); }, whyNot);
        QVERIFY(!refused);
        QVERIFY2(whyNot.find("download") != std::string::npos, whyNot.c_str());
        finish();
    }

    // q and k rotated and k, v appended in one call, against the CPU's separate ops: one
    // stacked q/k/v product (rows apart), partial rotation, no rotation, each cache type.
    void ropeAndAppend() {
        struct Case {
            std::int64_t T, Hq, Hkv, d, rotary, pos0, cap;
            DType cache;
        };
        for (const Case& k : {Case{300, 12, 4, 64, 64, 5, 512, DType::F16},
                              Case{1, 12, 4, 64, 64, 1023, 1024, DType::F16},
                              Case{37, 8, 2, 128, 32, 100, 256, DType::F32},
                              Case{9, 4, 4, 64, 0, 0, 64, DType::BF16},
                              // a few tokens (a head a block) at the 1B's heads
                              Case{5, 12, 4, 128, 128, 2000, 2048, DType::F16},
                              // angles past sincosf's fast range (|x| > 105615)
                              Case{70, 4, 1, 128, 128, 130000, 130070, DType::F16}}) {
            OpHarness h = harness();
            const std::int64_t width = (k.Hq + 2 * k.Hkv) * k.d;
            auto qkv = h.wide(k.T, width, 2.0f);
            auto q = OpHarness::slice(qkv, 0, {k.T, k.Hq, k.d});
            auto kk = OpHarness::slice(qkv, k.Hq * k.d, {k.T, k.Hkv, k.d});
            auto v = OpHarness::slice(qkv, (k.Hq + k.Hkv) * k.d, {k.T, k.Hkv, k.d});
            const auto n = std::size_t(k.cap * k.Hkv * k.d);
            auto kc = h.input(h.randn(n), {k.cap, k.Hkv, k.d}, k.cache);
            auto vc = h.input(h.randn(n), {k.cap, k.Hkv, k.d}, k.cache);
            h.ref().ropeAndAppend(q.ref, kk.ref, v.ref, kc.ref, vc.ref, k.pos0, 10000.0f, k.rotary);
            const QString what = QString("ropeAndAppend T=%1 heads %2/%3 d=%4 rotary=%5 cache=%6")
                                     .arg(k.T)
                                     .arg(k.Hq)
                                     .arg(k.Hkv)
                                     .arg(k.d)
                                     .arg(k.rotary)
                                     .arg(lv::dtypeName(k.cache).data());
            if (!guarded(what, [&] {
                    h.dut().ropeAndAppend(q.dut, kk.dut, v.dut, kc.dut, vc.dut, k.pos0, 10000.0f,
                                          k.rotary);
                }))
                continue;
            check(what + ": q and k", h.compare(qkv), kTolF32);
            check(what + ": k cache", h.compare(kc), k.cache == DType::F32 ? kTolF32 : 1e-3);
            check(what + ": v cache", h.compare(vc), 0.0);
        }
        finish();
    }

    void topkRouting() {
        struct Case {
            std::int64_t T, E, k;
            bool softmaxFirst, renorm;
        };
        for (const Case& k : {Case{300, 64, 8, true, false}, Case{300, 64, 8, true, true},
                              Case{37, 5, 2, false, false}, Case{1, 72, 10, true, true},
                              Case{1, 64, 6, false, false}}) { // Granite 4.0-H Tiny, decode
            OpHarness h = harness();
            auto logits = h.input(h.randn(std::size_t(k.T * k.E), 2.0f), {k.T, k.E});
            auto idx = h.output({k.T, k.k}, 0, DType::I32);
            auto w = h.output({k.T, k.k});
            h.ref().topkRouting(logits.ref, k.k, k.softmaxFirst, k.renorm, idx.ref, w.ref);
            h.dut().topkRouting(logits.dut, k.k, k.softmaxFirst, k.renorm, idx.dut, w.dut);
            const QString name =
                QString("topkRouting T=%1 E=%2 k=%3 softmaxFirst=%4 renormalize=%5")
                    .arg(k.T)
                    .arg(k.E)
                    .arg(k.k)
                    .arg(k.softmaxFirst)
                    .arg(k.renorm);
            check(name + " indices", h.compare(idx), 0.0);
            check(name + " weights", h.compare(w), kTolF32);
        }
        finish();
    }

    void moeSwiglu() {
        struct Case {
            std::int64_t T, H, F, E, k, Fs; // Fs: the shared expert's width (0: none)
            DType wt;
        };
        for (const Case& k :
             {Case{37, 128, 96, 8, 2, 0, DType::BF16}, Case{1, 1536, 512, 32, 8, 0, DType::BF16},
              // Granite 4.0-H Tiny (a shared expert of 1024): a decode step, then a prefill chunk
              Case{1, 1536, 512, 64, 6, 1024, DType::BF16},
              Case{300, 1536, 512, 64, 6, 1024, DType::BF16},
              // experts with several tiles of rows; F and H not multiples of a tile
              Case{300, 256, 128, 4, 2, 0, DType::BF16}, Case{70, 72, 40, 5, 3, 24, DType::BF16},
              // ~5 tiles an expert, 25 or so in all (3000 slots: the grouping over several blocks)
              Case{1000, 128, 64, 5, 3, 0, DType::BF16},
              // the rows form's sum: F over three passes of 512, 8 experts and a shared one
              // wider than them (its own batch of rows); 3 tokens; Granite 4.0-H Small's 10 of
              // 72 experts of 768 (two batches of rows)
              Case{3, 64, 1032, 16, 8, 1544, DType::BF16},
              Case{1, 512, 768, 72, 10, 0, DType::BF16},
              Case{2, 512, 768, 72, 10, 256, DType::BF16}, Case{5, 40, 24, 4, 1, 16, DType::F32},
              // no routed experts at all: the shared one alone
              Case{2, 64, 32, 4, 0, 24, DType::BF16},
              // many experts, few slots each: the grouping scans 63 batches of 32 experts
              Case{300, 16, 8, 2000, 2, 0, DType::BF16}}) {
            OpHarness h = harness();
            const std::vector<float> xValues = h.randn(std::size_t(k.T * k.H));
            auto x = h.input(xValues, {k.T, k.H});
            auto gu = h.input(h.randn(std::size_t(k.E * 2 * k.F * k.H), 0.05f), {k.E, 2 * k.F, k.H},
                              k.wt);
            auto dn = h.input(h.randn(std::size_t(k.E * k.H * k.F), 0.05f), {k.E, k.H, k.F}, k.wt);
            const std::int64_t Fs = std::max<std::int64_t>(k.Fs, 1);
            auto sgu = h.input(h.randn(std::size_t(2 * Fs * k.H), 0.05f), {2 * Fs, k.H}, k.wt);
            auto sdn = h.input(h.randn(std::size_t(k.H * Fs), 0.05f), {k.H, Fs}, k.wt);
            const lv::MoeWeights ref{&gu.ref, &dn.ref, k.Fs ? &sgu.ref : nullptr,
                                     k.Fs ? &sdn.ref : nullptr};
            const lv::MoeWeights dut{&gu.dut, &dn.dut, k.Fs ? &sgu.dut : nullptr,
                                     k.Fs ? &sdn.dut : nullptr};
            // routing from the reference, the same on both sides
            std::vector<std::int32_t> idx;
            std::vector<float> wts;
            for (std::int64_t t = 0; t < k.T; ++t) {
                std::vector<std::int32_t> all(std::size_t(k.E));
                for (std::int64_t e = 0; e < k.E; ++e)
                    all[std::size_t(e)] = std::int32_t(e);
                for (std::int64_t j = 0; j < k.k; ++j) {
                    std::swap(all[std::size_t(j)], all[std::size_t(h.randint(j, k.E - 1))]);
                    idx.push_back(all[std::size_t(j)]);
                }
                for (float v : h.uniform(std::size_t(k.k), 0.0f, 1.0f))
                    wts.push_back(v);
            }
            auto indices = h.inputI32(idx, {k.T, k.k});
            auto weights = h.input(wts, {k.T, k.k});
            auto expected = h.output({k.T, k.H});
            h.ref().moeSwiglu(x.ref, ref, indices.ref, weights.ref, expected.ref);
            const QString name = QString("moeSwiglu T=%1 H=%2 F=%3 E=%4 k=%5 Fs=%6")
                                     .arg(k.T)
                                     .arg(k.H)
                                     .arg(k.F)
                                     .arg(k.E)
                                     .arg(k.k)
                                     .arg(k.Fs);
            // f32 weights: the experts' own products are f32, but the shared expert of more
            // than a few tokens goes through the backend's products (TF32 on f32 weights).
            const double tol = k.wt != DType::F32 ? kTolBf16 : k.Fs && k.T > 4 ? kTolTf32 : kTolF32;
            // The router's logits for the routed op: both sides pick from the same values.
            auto logits = h.input(h.randn(std::size_t(k.T * k.E), 2.0f), {k.T, k.E});
            // 16-bit weights: the default form (rows for up to 4 tokens, else grouped: wgmma
            // tiles on an H100), the direct one, the grouped one for a few tokens, the
            // mma.sync tiles and the wgmma tiles before the warp-specialized ones for more;
            // "group-block": the default tiles after the one-block grouping (the default groups
            // more than 512 slots over several blocks); "pairs": the default tiles with the
            // slots' rows written as bf16 pairs (LONGVIEW_CUDA_MOE_STORE=pairs); "cp.async": the
            // expert's rows gathered by cp.async (LONGVIEW_CUDA_MOE_LOAD=cp.async, as before
            // v116; also the form where F or H is not a multiple of 32), and with pairs
            // ("cp.async-pairs").
            for (const char* form : {"", "direct", "grouped", "mma", "wgmma", "group-block",
                                     "pairs", "cp.async", "cp.async-pairs"}) {
                if (k.wt == DType::F32 && *form) break;
                const bool few = k.T <= 4;
                if (std::strcmp(form, "grouped") == 0 && !few) continue; // the default then
                const bool groupBlock = std::strcmp(form, "group-block") == 0;
                const bool pairs =
                    std::strcmp(form, "pairs") == 0 || std::strcmp(form, "cp.async-pairs") == 0;
                const bool copies = std::strncmp(form, "cp.async", 8) == 0;
                const bool tiles = std::strcmp(form, "mma") == 0 ||
                                   std::strcmp(form, "wgmma") == 0 || groupBlock || pairs || copies;
                if (tiles && few) continue; // the rows form then
                const QString formName = QString(" w=%1 %2")
                                             .arg(lv::dtypeName(k.wt).data())
                                             .arg(*form ? form : "default");
                qputenv("LONGVIEW_CUDA_MOE", groupBlock || pairs || copies ? "" : form);
                if (groupBlock) qputenv("LONGVIEW_CUDA_MOE_GROUP", "block");
                if (pairs) qputenv("LONGVIEW_CUDA_MOE_STORE", "pairs");
                if (copies) qputenv("LONGVIEW_CUDA_MOE_LOAD", "cp.async");
                auto out = h.output({k.T, k.H});
                h.ref().copy(out.ref.data, expected.ref.data, out.ref.bytes());
                h.dut().moeSwiglu(x.dut, dut, indices.dut, weights.dut, out.dut);
                check(name + formName, h.compare(out), tol);
                // Routed from the logits (the rows form picks the experts in its gate-up;
                // routing picks at least one).
                if (k.k > 0) {
                    auto rIdx = h.output({k.T, k.k}, 0, DType::I32);
                    auto rW = h.output({k.T, k.k});
                    auto rOut = h.output({k.T, k.H});
                    const lv::MoeRouting routing{k.k, false, false};
                    h.ref().routedMoeSwiglu(x.ref, logits.ref, routing, ref, rIdx.ref, rW.ref,
                                            rOut.ref);
                    h.dut().routedMoeSwiglu(x.dut, logits.dut, routing, dut, rIdx.dut, rW.dut,
                                            rOut.dut);
                    check(name + formName + " routed indices", h.compare(rIdx), 0.0);
                    check(name + formName + " routed weights", h.compare(rW), kTolF32);
                    check(name + formName + " routed", h.compare(rOut), tol);
                }
                qunsetenv("LONGVIEW_CUDA_MOE");
                qunsetenv("LONGVIEW_CUDA_MOE_GROUP");
                qunsetenv("LONGVIEW_CUDA_MOE_STORE");
                qunsetenv("LONGVIEW_CUDA_MOE_LOAD");
            }
            // x in bf16 where the backend asks for it (moeInputDType: the grouped form)
            if (h.dut().moeInputDType(gu.dut, k.T) == DType::BF16) {
                auto xh = h.inputAs(xValues, {k.T, k.H}, DType::F32, DType::BF16);
                auto out = h.output({k.T, k.H});
                h.ref().moeSwiglu(xh.ref, ref, indices.ref, weights.ref, out.ref);
                h.dut().moeSwiglu(xh.dut, dut, indices.dut, weights.dut, out.dut);
                check(name + " w=bf16 x=bf16", h.compare(out), kTolBf16);
            } else {
                QVERIFY(h.dut().moeInputDType(gu.dut, k.T) == DType::F32);
            }
        }
        finish();
    }

    // Rows of odd lengths start unaligned (the GPU's scalar loads) or aligned with a tail;
    // ties go to the lowest index wherever they fall, NaN never wins, an all -inf row is 0.
    void argmax() {
        for (auto [T, V] : {std::pair<std::int64_t, std::int64_t>{3, 100352},
                            {1, 7},
                            {5, 513},
                            {4, 100351},
                            {2, 40000},
                            {6, 4099}}) {
            OpHarness h = harness();
            std::vector<float> values = h.randn(std::size_t(T * V), 3.0f);
            auto at = [&](std::int64_t t, std::int64_t c) -> float& {
                return values[std::size_t(t * V + c)];
            };
            if (V > 4000) {
                at(0, V - 1) = at(0, 5) = at(0, V / 2 + 3) = 50.0f; // three tied maxima
                at(1, 2) = std::nanf("");
                at(1, 9) = 60.0f;
                at(1, 10) = std::nanf("");
            }
            if (T > 2)
                for (std::int64_t c = 0; c < V; ++c)
                    at(2, c) = -std::numeric_limits<float>::infinity();
            auto logits = h.input(values, {T, V});
            auto idx = h.output({T}, 0, DType::I32);
            h.ref().argmax(logits.ref, idx.ref);
            h.dut().argmax(logits.dut, idx.dut);
            check(QString("argmax T=%1 V=%2").arg(T).arg(V), h.compare(idx), 0.0);
            const std::vector<float> got = h.readDut(idx);
            if (V > 4000) {
                QCOMPARE(got[0], 5.0f);
                QCOMPARE(got[1], 9.0f);
            }
            if (T > 2) QCOMPARE(got[2], 0.0f);
        }
        finish();
    }

    // Copies that do not wait (greedy generation's token ids): each lands in its own place
    // once collected, in any order; one never collected is dropped when its slot comes round
    // again, without touching its destination.
    void queuedDownloads() {
        constexpr int n = 20;
        std::vector<std::int32_t> values(n);
        for (int i = 0; i < n; ++i)
            values[std::size_t(i)] = 1000 + 7 * i;
        void* dev = gpu_->allocate(sizeof(std::int32_t) * n);
        gpu_->upload(dev, values.data(), sizeof(std::int32_t) * n);
        const auto at = [&](int i) { return static_cast<const std::int32_t*>(dev) + i; };
        std::int32_t got[n];
        std::fill(std::begin(got), std::end(got), -1);
        const std::uint64_t first = gpu_->queueDownload(&got[0], at(0), 4);
        const std::uint64_t second = gpu_->queueDownload(&got[1], at(1), 4);
        gpu_->collectDownload(second); // out of order
        gpu_->collectDownload(first);
        QCOMPARE(got[0], values[0]);
        QCOMPARE(got[1], values[1]);
        (void)gpu_->queueDownload(&got[2], at(2), 4); // abandoned
        for (int i = 3; i < n; ++i)
            gpu_->collectDownload(gpu_->queueDownload(&got[i], at(i), 4));
        QCOMPARE(got[2], -1);
        for (int i = 3; i < n; ++i)
            QCOMPARE(got[i], values[std::size_t(i)]);
        gpu_->release(dev);
    }

    void memoryStats() {
        const auto before = gpu_->memoryStats();
        void* p = gpu_->allocate(64u << 20);
        const auto during = gpu_->memoryStats();
        gpu_->release(p);
        gpu_->synchronize();
        qInfo().noquote() << QString("memory: in use %1 MiB, peak %2 MiB, device %3 / %4 MiB free")
                                 .arg(during.inUseBytes >> 20)
                                 .arg(during.peakBytes >> 20)
                                 .arg(during.deviceFreeBytes >> 20)
                                 .arg(during.deviceTotalBytes >> 20);
        QVERIFY(during.inUseBytes >= before.inUseBytes + (64u << 20));
        QVERIFY(during.peakBytes >= during.inUseBytes);
        QVERIFY(during.deviceTotalBytes > 0);
    }
};

QTEST_GUILESS_MAIN(CudaOpsTest)
#include "tst_cuda_ops.moc"
