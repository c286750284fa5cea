// Sessions: chunked prefill, cancellation, sampling determinism, stop tokens, context
// limits, fork independence, and snapshots: streamed, restored in another process,
// refused when foreign, corrupt, truncated or of another format version.

#include "EngineTestSupport.h"

#include "backend/ForwardingBackend.h"
#include "backend/ProfiledBackend.h"
#include "core/Checksum.h"
#include "core/Error.h"
#include "model/Model.h"
#include "runtime/Session.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <set>

using namespace lv;
using namespace lv::test;

namespace {

std::string snapshotOf(const Session& s, std::size_t* pieces = nullptr,
                       std::size_t* largest = nullptr) {
    std::string bytes;
    s.snapshot([&](const void* d, std::size_t n) {
        bytes.append(static_cast<const char*>(d), n);
        if (pieces) ++*pieces;
        if (largest) *largest = std::max(*largest, n);
    });
    return bytes;
}

// A source over `bytes` that hands out at most `piece` bytes per call.
SnapshotSource sourceOf(const std::string& bytes, std::size_t piece = 1 << 20) {
    auto pos = std::make_shared<std::size_t>(0);
    return [&bytes, pos, piece](void* dst, std::size_t n) {
        const std::size_t k = std::min({n, piece, bytes.size() - *pos});
        std::memcpy(dst, bytes.data() + *pos, k);
        *pos += k;
        return k;
    };
}

QString restoreError(Session& s, const std::string& bytes) {
    try {
        s.restore(sourceOf(bytes));
    } catch (const EngineError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

GenerateOptions sampled(std::int64_t n, float temperature = 0.9f) {
    GenerateOptions g;
    g.maxTokens = n;
    g.stopAtEos = false;
    g.sampling.temperature = temperature;
    g.sampling.topK = 50;
    g.sampling.topP = 0.95f;
    return g;
}

std::span<const std::int32_t> head(const std::vector<std::int32_t>& v, std::size_t n) {
    return {v.data(), n};
}

// The CPU backend altered the way a test needs: a fault injected into the Nth matrix
// product, like a GPU that runs out of memory in the middle of a forward pass; or KV
// caches kept in 16 bits and products' inputs asked for in bf16, as the GPU does.
class AlteredCpuBackend final : public ForwardingBackend {
public:
    explicit AlteredCpuBackend(std::unique_ptr<Backend> inner)
        : ForwardingBackend(std::move(inner)) {}
    int failAt = -1; // linear() call number that throws; -1: never
    int calls = 0;
    DType kvCache = DType::F32;
    bool halfLinearInputs = false; // ask for 16-bit linear inputs, as the GPU does
    bool foldResidualNorm = false; // fold decode's residual norm into products, as the GPU can
    bool stacks = false;           // gate and up as one product, as on the GPU
    bool halfGateUp = false;       // gate and up written and read in bf16 (GPU prefill, opt-in)
    bool addInProducts = false;    // the residual add in the mixers' last products (GPU prefill)
    bool halfProjection = false;   // Mamba2's in_proj output in bf16 (GPU prefill)
    bool halfSsdOutput = false;    // ... and the SSD's y
    bool halfSsdInput = false;     // ... and the conv's output, the SSD's x, B and C
    int halfProjectionReads = 0;   // ops that read a bf16 activation
    int halfSsdOutputs = 0;        // SSD calls that wrote y in bf16
    int halfConvOutputs = 0;       // convs that wrote x-B-C in bf16
    int halfProducts = 0;
    int addedProducts = 0;
    int foldedProducts = 0;
    // A device with little memory: larger allocations fail as a GPU's would.
    std::size_t maxAllocation = std::size_t(-1);
    std::size_t largestAllocation = 0;

    void* allocate(std::size_t bytes) override {
        if (bytes > maxAllocation)
            throw DeviceError("out of memory: asked for " + std::to_string(bytes) + " bytes");
        largestAllocation = std::max(largestAllocation, bytes);
        return inner().allocate(bytes);
    }

    std::size_t downloaded = 0; // bytes that went to the host through download()
    std::size_t queued = 0;     // ... and through queueDownload()
    void download(void* dst, const void* src, std::size_t bytes) override {
        downloaded += bytes;
        inner().download(dst, src, bytes);
    }
    std::uint64_t queueDownload(void* dst, const void* src, std::size_t bytes) override {
        queued += bytes;
        return inner().queueDownload(dst, src, bytes);
    }
    void collectDownload(std::uint64_t ticket) override { inner().collectDownload(ticket); }

    std::string name() const override { return "altered " + inner().name(); }
    DType kvCacheDType() const override { return kvCache; }
    DType linearInputDType(const Tensor& w, std::int64_t rows) const override {
        return halfLinearInputs && rows > 4 && w.dtype != DType::F32 ? w.dtype : DType::F32;
    }
    void linear(const Tensor& x, const Tensor& w, const Tensor* b, float s, Tensor& o,
                ProductOut mode = ProductOut::Write) override {
        if (calls++ == failAt) throw DeviceError("injected device failure");
        if (mode == ProductOut::Add) ++addedProducts;
        if (o.dtype == DType::F32) return inner().linear(x, w, b, s, o, mode);
        // A 16-bit product, as the GPU writes it: f32, then rounded.
        QVERIFY2(o.isContiguous() && o.rank == 2, "16-bit out must be a packed matrix");
        ++halfProducts;
        std::vector<float> f32(std::size_t(o.numel()));
        Tensor t = Tensor::contiguous(f32.data(), DType::F32, {o.shape[0], o.shape[1]});
        inner().linear(x, w, b, s, t);
        floatsTo(o.dtype, f32.data(), o.data, f32.size());
    }
    DType swigluInputDType(const Tensor&, std::int64_t rows) const override {
        return halfGateUp && rows > 4 ? DType::BF16 : DType::F32;
    }
    DType mamba2ProjectionDType(const Tensor& w, std::int64_t rows) const override {
        return halfProjection && rows > 4 && w.dtype == DType::BF16 ? DType::BF16 : DType::F32;
    }
    DType ssdOutputDType(const Tensor& w, std::int64_t rows) const override {
        return halfSsdOutput && rows > 4 && w.dtype == DType::BF16 ? DType::BF16 : DType::F32;
    }
    DType ssdInputDType(const Tensor& w, std::int64_t rows) const override {
        return halfSsdInput && rows > 4 && w.dtype == DType::BF16 ? DType::BF16 : DType::F32;
    }
    // The ops that read or write the bf16 activations, as the CPU's f32 ops on widened
    // values (and y and the conv's output rounded as they are written).
    void causalConv1d(const Tensor& x, const Tensor& w, const Tensor* b, Tensor& state, bool silu,
                      Tensor& out) override {
        std::vector<float> x32;
        if (out.dtype == DType::F32)
            return inner().causalConv1d(widened(x, x32), w, b, state, silu, out);
        ++halfConvOutputs;
        QVERIFY2(out.isContiguous() && out.rank == 2, "a bf16 conv output must be packed");
        std::vector<float> o32(std::size_t(out.numel()));
        Tensor of = Tensor::contiguous(o32.data(), DType::F32, {out.shape[0], out.shape[1]});
        inner().causalConv1d(widened(x, x32), w, b, state, silu, of);
        floatsTo(out.dtype, o32.data(), out.data, o32.size());
    }
    void gatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& w, std::int64_t group,
                      float eps, bool before, Tensor& out) override {
        std::vector<float> x32, z32;
        inner().gatedRmsNorm(widened(x, x32), widened(z, z32), w, group, eps, before, out);
    }
    void ssdScan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                 const Tensor& C, const Tensor& D, const Tensor& dtBias, const SsdParams& p,
                 Tensor& state, Tensor& y) override {
        std::vector<float> dt32, x32, b32, c32;
        const Tensor xf = widened(x, x32), bf = widened(B, b32), cf = widened(C, c32);
        if (y.dtype == DType::F32)
            return inner().ssdScan(xf, widened(dt, dt32), A, bf, cf, D, dtBias, p, state, y);
        ++halfSsdOutputs;
        QVERIFY2(y.isContiguous(), "a bf16 y must be packed");
        std::vector<float> y32(std::size_t(y.numel()));
        Tensor yf =
            Tensor::contiguous(y32.data(), DType::F32, {y.shape[0], y.shape[1], y.shape[2]});
        inner().ssdScan(xf, widened(dt, dt32), A, bf, cf, D, dtBias, p, state, yf);
        floatsTo(y.dtype, y32.data(), y.data, y32.size());
    }
    // A view [T, ...] with everything after the token dimension packed (a column range of
    // rows) as f32: itself, or its 16-bit rows widened into `buffer`.
    Tensor widened(const Tensor& t, std::vector<float>& buffer) {
        if (t.dtype == DType::F32) return t;
        ++halfProjectionReads;
        const std::int64_t T = t.shape[0], C = t.numel() / std::max<std::int64_t>(T, 1);
        buffer.resize(std::size_t(T * C));
        for (std::int64_t r = 0; r < T; ++r)
            floatsFrom(t.dtype, t.as<std::uint16_t>() + r * t.stride[0], buffer.data() + r * C,
                       std::size_t(C));
        Tensor w = t;
        w.dtype = DType::F32;
        w.data = buffer.data();
        w.stride[t.rank - 1] = 1;
        for (int k = t.rank - 2; k >= 0; --k)
            w.stride[k] = w.stride[k + 1] * t.shape[k + 1];
        return w;
    }
    void swiglu(const Tensor& g, const Tensor& u, Tensor& o) override {
        if (g.dtype == DType::F32) return inner().swiglu(g, u, o);
        // 16-bit gate and up (column halves of one product): widened row by row.
        const std::int64_t T = g.shape[0], F = g.shape[1];
        std::vector<float> g32(std::size_t(T * F)), u32(g32.size());
        for (std::int64_t r = 0; r < T; ++r) {
            floatsFrom(g.dtype, g.as<std::uint16_t>() + r * g.stride[0], g32.data() + r * F,
                       std::size_t(F));
            floatsFrom(u.dtype, u.as<std::uint16_t>() + r * u.stride[0], u32.data() + r * F,
                       std::size_t(F));
        }
        inner().swiglu(Tensor::contiguous(g32.data(), DType::F32, {T, F}),
                       Tensor::contiguous(u32.data(), DType::F32, {T, F}), o);
    }
    // The fused products as their two ops through this backend, so that the alterations
    // above apply to them too.
    void linearOfSwiglu(const Tensor& g, const Tensor& u, const Tensor& w, const Tensor* b, float s,
                        Tensor& o, Tensor& scratch, ProductOut mode = ProductOut::Write) override {
        Backend::linearOfSwiglu(g, u, w, b, s, o, scratch, mode);
    }
    void linearOfGatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& nw,
                              std::int64_t group, float eps, bool before, const Tensor& w,
                              const Tensor* b, float s, Tensor& o, Tensor& scratch,
                              ProductOut mode = ProductOut::Write) override {
        Backend::linearOfGatedRmsNorm(x, z, nw, group, eps, before, w, b, s, o, scratch, mode);
    }
    bool foldsResidualNorm(std::int64_t T) const override { return foldResidualNorm && T <= 4; }
    bool addsInProducts(std::int64_t T) const override { return addInProducts && T > 4; }
    bool stacksProducts() const override { return stacks; }
    void fusedLinear(const Tensor& x, const ResidualNorm* fold, const Tensor& w, const Tensor* b,
                     float s, Tensor& o, const ConvOfColumns* conv) override {
        Backend::fusedLinear(x, fold, w, b, s, o, conv);
    }
    void linearOfAddRmsNorm(Tensor& x, const Tensor& d, float s, const Tensor& nw, float eps,
                            Tensor& xOut, const Tensor& w, const Tensor* b, float ls,
                            Tensor& o) override {
        ++foldedProducts;
        Backend::linearOfAddRmsNorm(x, d, s, nw, eps, xOut, w, b, ls, o);
    }
    void attention(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t p, float s,
                   Tensor& o) override {
        if (k.dtype == DType::F32) return inner().attention(q, k, v, p, s, o);
        // The CPU attends over f32: widen the caches (only the rows in use are read).
        std::vector<float> k32(std::size_t(k.numel())), v32(k32.size());
        floatsFrom(k.dtype, k.data, k32.data(), k32.size());
        floatsFrom(v.dtype, v.data, v32.data(), v32.size());
        const auto dims = {k.shape[0], k.shape[1], k.shape[2]};
        inner().attention(q, Tensor::contiguous(k32.data(), DType::F32, dims),
                          Tensor::contiguous(v32.data(), DType::F32, dims), p, s, o);
    }
};

// Logits of `ids` from two models, as one prefill and then as decode-sized passes of the
// first six tokens: an altered backend's model against a reference.
struct PairedLogits {
    std::vector<float> prefill, prefillRef, steps, stepsRef;
};
PairedLogits pairedLogits(const Model& altered, const Model& reference,
                          const std::vector<std::int32_t>& ids) {
    PairedLogits p;
    Session(altered).prefillAllLogits(ids, p.prefill);
    Session(reference).prefillAllLogits(ids, p.prefillRef);
    SessionOptions one;
    one.prefillChunk = 1; // every forward pass a decode-sized one
    Session(altered, one).prefillAllLogits(std::span(ids).first(6), p.steps);
    Session(reference, one).prefillAllLogits(std::span(ids).first(6), p.stepsRef);
    return p;
}

// The altered backend's 16-bit activations (`what`) moved the prefill logits, by bf16
// rounding only, and left the decode-sized passes (f32 throughout) as they were.
void expectBf16Rounding(const PairedLogits& l, const QString& what) {
    const double diff = maxRelDiff(l.prefill, l.prefillRef);
    QVERIFY2(diff > 0, qPrintable(QString("the %1 were not used").arg(what)));
    QVERIFY2(diff < 5e-2, qPrintable(QString("%1 moved the logits by %2").arg(what).arg(diff)));
    QCOMPARE(l.steps, l.stepsRef);
}

// n token ids spread over the vocabulary (a prime stride from `offset`).
std::vector<std::int32_t> spreadIds(std::size_t n, std::int64_t vocab, std::size_t offset) {
    std::vector<std::int32_t> ids(n);
    for (std::size_t i = 0; i < n; ++i)
        ids[i] = std::int32_t((i * 7919 + offset) % std::size_t(vocab));
    return ids;
}

} // namespace

class EngineSessionTest : public QObject {
    Q_OBJECT
    std::unique_ptr<Backend> cpu_ = makeCpuBackend(2);
    std::unique_ptr<Model> hybrid_; // granite MoE + RoPE: Mamba2 state and KV cache
    std::vector<std::int32_t> ids_;

private slots:
    void initTestCase() {
        LV_REQUIRE_FIXTURES();
        hybrid_ = Model::load(modelFixture("granite_hybrid_moe_rope_tiny"), *cpu_);
        ids_ = goldenIds("granite_hybrid_moe_rope_tiny");
    }

    // Chunk boundaries carry conv, SSM and KV state: any chunking gives the same logits.
    void chunkedPrefillMatchesOnePass_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* f : {"granite_hybrid_moe_rope_tiny", "granite_hybrid_real_shapes",
                              "falcon_h1_tiny", "jamba_tiny"})
            QTest::newRow(f) << f;
    }
    void chunkedPrefillMatchesOnePass() {
        QFETCH(QString, fixture);
        const auto model = Model::load(modelFixture(qPrintable(fixture)), *cpu_);
        const auto ids = goldenIds(qPrintable(fixture));
        std::vector<float> whole, chunked;
        Session(*model).prefillAllLogits(ids, whole);
        for (std::int64_t chunk : {1, 7, 33}) {
            SessionOptions o;
            o.prefillChunk = chunk;
            Session s(*model, o);
            s.prefillAllLogits(ids, chunked);
            QVERIFY2(maxRelDiff(chunked, whole) < 1e-5, qPrintable(QString("chunk %1").arg(chunk)));
        }
    }

    void cancellationKeepsAConsistentState() {
        SessionOptions o;
        o.prefillChunk = 16;
        Session s(*hybrid_, o);
        std::vector<std::int64_t> reports, totals;
        bool cancelled = false;
        try {
            s.prefill(ids_, [&](std::int64_t done, std::int64_t total) {
                reports.push_back(done);
                totals.push_back(total);
                return done < 32;
            });
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        QCOMPARE(reports, (std::vector<std::int64_t>{16, 32}));
        QCOMPARE(totals, (std::vector<std::int64_t>{100, 100}));
        QCOMPARE(s.position(), 32);
        // Feeding the rest gives exactly what an uninterrupted prefill gives.
        s.prefill(std::span<const std::int32_t>(ids_).subspan(32));
        Session whole(*hybrid_, o);
        whole.prefill(ids_);
        QCOMPARE(s.lastLogits(), whole.lastLogits());
        QCOMPARE(s.tokens(), whole.tokens());
        // A cancel request after the last chunk changes nothing.
        Session late(*hybrid_, o);
        late.prefill(head(ids_, 16), [](std::int64_t, std::int64_t) { return false; });
        QCOMPARE(late.position(), 16);
    }

    void samplingIsDeterministicForASeed() {
        auto run = [&](std::uint64_t seed) {
            SessionOptions o;
            o.seed = seed;
            Session s(*hybrid_, o);
            return s.generate(head(ids_, 50), sampled(16)).tokens;
        };
        QCOMPARE(run(7), run(7));
        QVERIFY(run(7) != run(8));
        // reset() reseeds: the same session samples the same again.
        SessionOptions o;
        o.seed = 7;
        Session s(*hybrid_, o);
        const auto first = s.generate(head(ids_, 50), sampled(16)).tokens;
        s.reset();
        QCOMPARE(s.position(), 0);
        QCOMPARE(s.generate(head(ids_, 50), sampled(16)).tokens, first);
    }

    void samplerRules() {
        std::vector<float> logits{1.0f, 3.0f, 2.0f, 3.0f, -1.0f};
        Rng rng(1);
        QCOMPARE(sampleToken(logits, {}, {}, rng), 1); // greedy: first of the ties
        SamplingParams p;
        p.temperature = 1.0f;
        p.topK = 1;
        for (int i = 0; i < 20; ++i)
            QCOMPARE(sampleToken(logits, p, {}, rng), 1);
        p.topK = 0;
        p.topP = 0.01f;
        for (int i = 0; i < 20; ++i)
            QCOMPARE(sampleToken(logits, p, {}, rng), 1);
        SamplingParams rep;
        rep.repetitionPenalty = 4.0f; // 3 / 4 < 2: the seen tokens lose to token 2
        const std::vector<std::int32_t> seen{1, 3};
        QCOMPARE(sampleToken(logits, rep, seen, rng), 2);
        p.topP = 1.0f;
        p.topK = 3;
        std::set<std::int32_t> drawn;
        for (int i = 0; i < 200; ++i)
            drawn.insert(sampleToken(logits, p, {}, rng));
        QCOMPARE(drawn, (std::set<std::int32_t>{1, 2, 3}));
        SamplingParams bad;
        bad.topK = -1;
        QVERIFY_THROWS_EXCEPTION(EngineError, sampleToken(logits, bad, {}, rng));
        bad.topK = 0;
        bad.topP = 0.0f;
        QVERIFY_THROWS_EXCEPTION(EngineError, sampleToken(logits, bad, {}, rng));
    }

    void stopTokensAndStreaming() {
        Session s(*hybrid_);
        GenerateOptions g;
        g.maxTokens = 12;
        g.stopAtEos = false;
        const auto greedy = s.generate(head(ids_, 50), g).tokens;
        QCOMPARE(greedy.size(), std::size_t(12));
        Session t(*hybrid_);
        g.stopTokens = {greedy[3]};
        std::vector<std::int32_t> streamed;
        const auto r = t.generate(head(ids_, 50), g, [&](std::int32_t tok) {
            streamed.push_back(tok);
            return true;
        });
        QCOMPARE(r.stop, GenerateResult::Stop::StopToken);
        QCOMPARE(r.tokens, std::vector<std::int32_t>(greedy.begin(), greedy.begin() + 4));
        QCOMPARE(streamed, r.tokens);
        QCOMPARE(t.position(), 54); // every emitted token was fed
        Session u(*hybrid_);
        g.stopTokens.clear();
        const auto c = u.generate(head(ids_, 50), g, [](std::int32_t) { return false; });
        QCOMPARE(c.stop, GenerateResult::Stop::Callback);
        QCOMPARE(c.tokens.size(), std::size_t(1));
        QCOMPARE(u.position(), 51); // the token the callback stopped at was fed
    }

    // Plain greedy generation picks each token where the logits are (the GPU's argmax) and
    // reads back its index alone, queued behind the step that feeds it; the logits still
    // come to the host whenever asked for.
    void greedyGenerationLeavesTheLogitsInPlace() {
        AlteredCpuBackend counting(makeCpuBackend(2));
        const auto model = Model::load(modelFixture("granite_hybrid_moe_rope_tiny"), counting);
        GenerateOptions g;
        g.maxTokens = 12;
        g.stopAtEos = false;
        Session s(*model);
        s.prefill(head(ids_, 50)); // returns the logits: on the host for the first token
        counting.downloaded = counting.queued = 0;
        const auto tokens = s.generate({}, g).tokens;
        QCOMPARE(counting.downloaded, std::size_t(0));
        QCOMPARE(counting.queued, std::size_t(11 * 4));
        // Direct steps (no recording asked for): one token at a time, each read back as it
        // is chosen, 4 bytes too.
        SessionOptions direct;
        direct.recordDecode = false;
        Session d(*model, direct);
        d.prefill(head(ids_, 50));
        counting.downloaded = counting.queued = 0;
        QCOMPARE(d.generate({}, g).tokens, tokens);
        QCOMPARE(counting.downloaded, std::size_t(0));
        QCOMPARE(counting.queued, std::size_t(11 * 4));

        // The tokens a host-side greedy choice over every step's logits makes.
        Session h(*model);
        h.prefill(head(ids_, 50));
        std::vector<std::int32_t> expected;
        for (int i = 0; i < 12; ++i) {
            const std::int32_t t = h.sample(g.sampling);
            expected.push_back(t);
            h.decode(t);
        }
        QCOMPARE(tokens, expected);
        // Read afterwards, the logits are the last step's; so are a snapshot's and a fork's.
        QCOMPARE(s.position(), h.position());
        const std::string bytes = snapshotOf(s);
        QCOMPARE(s.lastLogits(), h.lastLogits());
        Session r(*model);
        r.restore(sourceOf(bytes));
        QCOMPARE(r.lastLogits(), h.lastLogits());
        s.decode(tokens.back());
        h.decode(tokens.back());
        QCOMPARE(s.fork().lastLogits(), h.lastLogits());
        // Sampling that needs the logits (a temperature) takes them from the host copy.
        counting.downloaded = 0;
        Session t = s.fork();
        t.decode(3);
        (void)t.generate({}, sampled(2));
        QVERIFY(counting.downloaded >= 2 * std::size_t(model->spec().vocab) * 4);
    }

    void contextLimit() {
        SessionOptions o;
        o.maxContext = 60;
        Session s(*hybrid_, o);
        s.prefill(head(ids_, 50));
        GenerateOptions g;
        g.maxTokens = 20;
        g.stopAtEos = false;
        const auto r = s.generate({}, g);
        QCOMPARE(r.stop, GenerateResult::Stop::ContextFull);
        QCOMPARE(s.position(), 60);
        QCOMPARE(r.tokens.size(), std::size_t(11));
        QVERIFY_THROWS_EXCEPTION(EngineError, s.decode(5));
        QVERIFY_THROWS_EXCEPTION(EngineError, Session(*hybrid_).decode(512)); // outside vocab
    }

    // The CPU backend records nothing: asking for recorded steps runs them directly, with
    // the same logits, and the session says why. (Replays on a GPU: tst_cuda_session.)
    void recordedDecodeFallsBackOnTheCpu() {
        SessionOptions o, off;
        off.recordDecode = false;
        Session recorded(*hybrid_, o), direct(*hybrid_, off);
        recorded.prefill(head(ids_, 30));
        direct.prefill(head(ids_, 30));
        for (std::int32_t t : {3, 14, 15, 92}) {
            recorded.decode(t);
            direct.decode(t);
            QCOMPARE(recorded.lastLogits(), direct.lastLogits());
        }
        const QString mode = QString::fromStdString(recorded.decodeMode());
        QVERIFY2(mode.startsWith("direct (") && mode.contains("does not record"), qPrintable(mode));
        QCOMPARE(QString::fromStdString(direct.decodeMode()), QString("direct (recording off)"));
        QVERIFY_THROWS_EXCEPTION(EngineError, recorded.decode(512)); // outside the vocabulary
    }

    void forkIsIndependent() {
        Session a(*hybrid_);
        a.prefill(head(ids_, 40));
        Session b = a.fork();
        QCOMPARE(b.position(), 40);
        QCOMPARE(b.lastLogits(), a.lastLogits());
        // Diverge: a and b take different tokens; then each must match a session that
        // took the same path on its own.
        a.decode(10);
        a.decode(11);
        b.decode(20);
        Session ref(*hybrid_);
        ref.prefill(head(ids_, 40));
        ref.decode(20);
        QCOMPARE(b.lastLogits(), ref.lastLogits());
        b.decode(21);
        ref.decode(21);
        QCOMPARE(b.lastLogits(), ref.lastLogits());
        Session refA(*hybrid_);
        refA.prefill(head(ids_, 40));
        refA.decode(10);
        refA.decode(11);
        QCOMPARE(a.lastLogits(), refA.lastLogits());
    }

    void snapshotRoundTripInProcess() {
        SessionOptions o;
        o.seed = 99;
        Session a(*hybrid_, o);
        a.prefill(head(ids_, 50));
        a.generate({}, sampled(3)); // advance the RNG: it must travel with the state
        std::size_t pieces = 0, largest = 0;
        const std::string bytes = snapshotOf(a, &pieces, &largest);
        QCOMPARE(std::uint64_t(bytes.size()), a.snapshotBytes());
        QVERIFY(pieces > 3);
        Session b(*hybrid_);
        b.restore(sourceOf(bytes, 5)); // a source that trickles
        QCOMPARE(b.position(), a.position());
        QCOMPARE(b.tokens(), a.tokens());
        QCOMPARE(b.lastLogits(), a.lastLogits());
        QCOMPARE(b.generate({}, sampled(12)).tokens, a.generate({}, sampled(12)).tokens);

        Session empty(*hybrid_);
        Session e2(*hybrid_);
        e2.prefill(head(ids_, 5));
        e2.restore(sourceOf(snapshotOf(empty)));
        QCOMPARE(e2.position(), 0);
        QVERIFY(e2.lastLogits().empty());
    }

    // A backend whose KV caches are 16-bit (the GPU's) snapshots them as they are (half
    // the bytes); the state continues on a backend with f32 caches and the other way round,
    // with the rounding to f16 as the only difference; growth and forks keep the 16-bit
    // rows intact.
    void sixteenBitKvCachesMoveBetweenBackends() {
        AlteredCpuBackend half(makeCpuBackend(2));
        half.kvCache = DType::F16;
        const auto model16 = Model::load(modelFixture("granite_hybrid_moe_rope_tiny"), half);
        const auto prompt = repeatedIds(ids_, 300); // past 256: the caches grow and move
        SessionOptions o;
        o.prefillChunk = 64;
        Session s16(*model16, o), s32(*hybrid_, o);
        s16.prefill(prompt);
        s32.prefill(prompt);
        QVERIFY(s16.stateBytes() < s32.stateBytes());
        QVERIFY2(maxRelDiff(s16.lastLogits(), s32.lastLogits()) < 1e-2,
                 "f16 caches change the logits by more than their rounding");
        const std::string from16 = snapshotOf(s16), from32 = snapshotOf(s32);
        QCOMPARE(std::uint64_t(from16.size()), s16.snapshotBytes());
        QVERIFY(from16.size() < from32.size());

        Session on32(*hybrid_, o), on16(*model16, o);
        on32.restore(sourceOf(from16));
        on16.restore(sourceOf(from32));
        Session fork16 = s16.fork();
        for (std::int32_t token : {5, 17, 42}) {
            for (Session* x : {&s16, &s32, &on32, &on16, &fork16})
                x->decode(token);
            // Through f32 and back, a 16-bit state is what it was.
            QCOMPARE(on32.lastLogits().size(), s16.lastLogits().size());
            QVERIFY(maxRelDiff(on32.lastLogits(), s16.lastLogits()) < 1e-5);
            QVERIFY(maxRelDiff(on16.lastLogits(), s32.lastLogits()) < 1e-2);
            QCOMPARE(fork16.lastLogits(), s16.lastLogits());
        }
        // The f16 state, through an f32 backend and back, is unchanged.
        Session back16(*model16, o);
        back16.restore(sourceOf(snapshotOf(on32)));
        on32.decode(7);
        back16.decode(7);
        QVERIFY(maxRelDiff(back16.lastLogits(), on32.lastLogits()) < 1e-5);
    }

    // A backend that takes its products' inputs in bf16 (the GPU) gets them so from every
    // producer (norms, the fused residual norm, gated norm, swiglu) through the shared
    // blocks; the logits move only by that rounding, and decode steps (the GEMV's few rows)
    // stay f32.
    void sixteenBitLinearInputsThroughTheBlocks_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* f : {"granite_hybrid_real_shapes", "falcon_h1_tiny", "jamba_tiny",
                              "nemotron_h_tiny", "llama_tiny"})
            QTest::newRow(f) << f;
    }
    void sixteenBitLinearInputsThroughTheBlocks() {
        QFETCH(QString, fixture);
        const auto config = readJson(modelFixture(qPrintable(fixture)) / "config.json");
        AlteredCpuBackend half(makeCpuBackend(2));
        half.halfLinearInputs = true;
        const auto m16 = Model::synthetic(config, half, DType::BF16, 3);
        const auto m32 = Model::synthetic(config, *cpu_, DType::BF16, 3);
        const auto l = pairedLogits(*m16, *m32, spreadIds(40, m32->spec().vocab, 0));
        expectBf16Rounding(l, "bf16 linear inputs");
    }

    // Gate and up written and read in bf16 (the GPU's opt-in prefill): the logits move by
    // bf16 rounding only; decode-sized passes keep f32.
    void sixteenBitGateUpThroughTheBlocks_data() {
        QTest::addColumn<QString>("fixture");
        // (Granite's MoE fixture has no MLP of its own: its shared MLP is the experts' op's.)
        for (const char* f : {"granite_hybrid_real_shapes", "llama_tiny", "bamba_tiny"})
            QTest::newRow(f) << f;
    }
    void sixteenBitGateUpThroughTheBlocks() {
        QFETCH(QString, fixture);
        const auto config = readJson(modelFixture(qPrintable(fixture)) / "config.json");
        AlteredCpuBackend half(makeCpuBackend(2)), full(makeCpuBackend(2));
        half.halfGateUp = true;
        half.stacks = full.stacks = true;
        const auto m16 = Model::synthetic(config, half, DType::BF16, 4);
        const auto m32 = Model::synthetic(config, full, DType::BF16, 4);
        const auto l = pairedLogits(*m16, *m32, spreadIds(40, m32->spec().vocab, 1));
        QVERIFY2(half.halfProducts > 0, "no product was written in bf16");
        expectBf16Rounding(l, "bf16 gate-up products");
    }

    // Mamba2's in_proj output, conv output and SSD output in bf16 (the GPU's prefill): the
    // conv, the SSD and the gated norm read them so, and the logits move by bf16 rounding only;
    // decode-sized passes keep f32. Families whose Mamba2 mixers have the gated norm and a
    // single in_proj.
    void sixteenBitMambaActivationsThroughTheBlocks_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* f : {"granite_hybrid_real_shapes", "granite_hybrid_moe_rope_tiny",
                              "bamba_tiny", "nemotron_h_tiny", "mamba2_tiny"})
            QTest::newRow(f) << f;
    }
    void sixteenBitMambaActivationsThroughTheBlocks() {
        QFETCH(QString, fixture);
        const auto config = readJson(modelFixture(qPrintable(fixture)) / "config.json");
        AlteredCpuBackend half(makeCpuBackend(2)), full(makeCpuBackend(2));
        half.halfProjection = half.halfSsdOutput = half.halfSsdInput = true;
        const auto m16 = Model::synthetic(config, half, DType::BF16, 7);
        const auto m32 = Model::synthetic(config, full, DType::BF16, 7);
        const auto l = pairedLogits(*m16, *m32, spreadIds(40, m32->spec().vocab, 4));
        QVERIFY2(half.halfProducts > 0, "no in_proj was written in bf16");
        QVERIFY2(half.halfProjectionReads > 0, "no op read a bf16 activation");
        QVERIFY2(half.halfSsdOutputs > 0, "no SSD wrote its y in bf16");
        QVERIFY2(half.halfConvOutputs > 0, "no conv wrote x-B-C in bf16");
        expectBf16Rounding(l, "bf16 Mamba2 activations");
    }

    // Decode with the residual add and norm folded into the next block's first product
    // (the residual moving between two buffers) gives the very same logits, for every
    // family whose mixers start with one fused product (Bamba's and Llama's MLPs once gate
    // and up are stacked, as on the GPU).
    void foldedResidualNormThroughTheBlocks_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* f : {"granite_hybrid_real_shapes", "granite_hybrid_moe_rope_tiny",
                              "nemotron_h_tiny", "bamba_tiny", "llama_tiny"})
            QTest::newRow(f) << f;
    }
    void foldedResidualNormThroughTheBlocks() {
        QFETCH(QString, fixture);
        const auto config = readJson(modelFixture(qPrintable(fixture)) / "config.json");
        AlteredCpuBackend folding(makeCpuBackend(2)), stacking(makeCpuBackend(2));
        folding.foldResidualNorm = true;
        folding.stacks = stacking.stacks = true;
        const auto mFold = Model::synthetic(config, folding, DType::BF16, 5);
        const auto mPlain = Model::synthetic(config, stacking, DType::BF16, 5);
        const auto ids = spreadIds(12, mPlain->spec().vocab, 3);
        SessionOptions one;
        one.prefillChunk = 1; // every forward pass a decode step
        std::vector<float> folded, plain;
        Session(*mFold, one).prefillAllLogits(ids, folded);
        QVERIFY2(folding.foldedProducts > 0, "no product took the residual norm");
        Session(*mPlain, one).prefillAllLogits(ids, plain);
        QCOMPARE(folded, plain);
        // Longer passes keep the separate ops.
        folding.foldedProducts = 0;
        std::vector<float> chunked;
        Session(*mFold).prefillAllLogits(ids, chunked);
        QCOMPARE(folding.foldedProducts, 0);
    }

    // Prefill with each mixer's last product adding into the residual stream (the GPU's
    // GEMM epilogue) gives the logits of the separate add to rounding, for every family: one
    // mixer a block or two side by side (Falcon-H1), attention, Mamba2, Mamba1, MLPs, and
    // the experts' sum, which keeps its separate add; decode-sized passes are not touched.
    void productAddsTheResidualThroughTheBlocks_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* f : {"granite_hybrid_real_shapes", "granite_hybrid_moe_rope_tiny",
                              "nemotron_h_tiny", "bamba_tiny", "llama_tiny", "falcon_h1_tiny",
                              "mamba2_tiny", "mamba1_tiny", "jamba_tiny"})
            QTest::newRow(f) << f;
    }
    void productAddsTheResidualThroughTheBlocks() {
        QFETCH(QString, fixture);
        const auto config = readJson(modelFixture(qPrintable(fixture)) / "config.json");
        AlteredCpuBackend adding(makeCpuBackend(2)), plain(makeCpuBackend(2));
        adding.addInProducts = true;
        const auto mAdd = Model::synthetic(config, adding, DType::BF16, 6);
        const auto mPlain = Model::synthetic(config, plain, DType::BF16, 6);
        const auto l = pairedLogits(*mAdd, *mPlain, spreadIds(40, mPlain->spec().vocab, 2));
        int mixersThatAdd = 0; // all but the experts' sums, once a pass
        for (const Block& b : mPlain->spec().blocks)
            for (const Mixer& m : b.mixers)
                mixersThatAdd += !std::holds_alternative<MoeMixer>(m);
        QVERIFY(mixersThatAdd > 0);
        QCOMPARE(adding.addedProducts, mixersThatAdd); // the one prefill pass of 40 tokens
        const double diff = maxRelDiff(l.prefill, l.prefillRef);
        QVERIFY2(diff < 1e-4,
                 qPrintable(QString("the added products moved the logits by %1").arg(diff)));
        QCOMPARE(l.steps, l.stepsRef); // decode-sized passes keep the separate add
    }

    // An automatic prefill chunk whose activations do not fit shrinks until they do (the
    // session still reads correctly); a chunk the caller chose fails with the device's error.
    void automaticChunkShrinksToFitTheDevice() {
        AlteredCpuBackend small(makeCpuBackend(2));
        const auto model = Model::load(modelFixture("granite_hybrid_moe_rope_tiny"), small);
        small.largestAllocation = 0;
        { Session probe(*model); }
        const std::size_t largestAt512 = small.largestAllocation; // activations scale with it
        small.maxAllocation = largestAt512 - 1;
        Session s(*model);
        QCOMPARE(s.prefillChunk(), 256);
        s.prefill(head(ids_, 40));
        Session ref(*hybrid_);
        ref.prefill(head(ids_, 40));
        QVERIFY(maxRelDiff(s.lastLogits(), ref.lastLogits()) < 1e-5);
        SessionOptions fixed;
        fixed.prefillChunk = 512;
        QVERIFY_THROWS_EXCEPTION(DeviceError, Session{*model, fixed});
        small.maxAllocation = 64; // nothing fits: the device's error, not a loop
        QVERIFY_THROWS_EXCEPTION(DeviceError, Session{*model});
    }

    // The profiler sees every op of prefill and decode under the phase it was given,
    // products by shape, and changes nothing in the results; it refuses to record steps.
    void profiledBackendTimesEveryOp() {
        ProfiledBackend profiled(makeCpuBackend(2));
        const auto model = Model::load(modelFixture("granite_hybrid_moe_rope_tiny"), profiled);
        SessionOptions o;
        o.recordDecode = true; // the default; falls back: the profiler does not record
        Session s(*model, o);
        profiled.clear(); // loading uploads weights
        profiled.setPhase("prefill");
        s.prefill(head(ids_, 30));
        profiled.setPhase("decode");
        s.decode(5);
        QVERIFY(QString::fromStdString(s.decodeMode()).contains("profiling"));
        Session plain(*hybrid_);
        plain.prefill(head(ids_, 30));
        plain.decode(5);
        QCOMPARE(s.lastLogits(), plain.lastLogits());

        std::set<std::string> prefillOps, decodeOps;
        std::int64_t linears = 0;
        for (const auto& e : profiled.entries()) {
            QVERIFY(e.calls > 0 && e.seconds >= 0);
            (e.phase == "prefill" ? prefillOps : decodeOps).insert(e.op);
            if (e.phase == "decode" && e.op.rfind("linear ", 0) == 0) linears += e.calls;
        }
        for (const char* op : {"embedding", "ssdScan", "attention", "addRmsNorm", "upload"})
            QVERIFY2(prefillOps.count(op), op);
        QVERIFY(decodeOps.count("download")); // the logits of the step
        // Products by shape: the lm_head of the tiny model among them.
        const auto& spec = model->spec();
        QVERIFY(decodeOps.count("linear " + std::to_string(spec.hidden) + "->" +
                                std::to_string(spec.vocab)));
        QVERIFY(linears >= 2 * std::int64_t(spec.blocks.size()) / 2);
        QCOMPARE(profiled.entries().front().phase, std::string("prefill"));
    }

    void snapshotRestoredInAnotherProcess_data() {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<float>("temperature");
        QTest::newRow("granite moe rope, greedy") << "granite_hybrid_moe_rope_tiny" << 0.0f;
        QTest::newRow("granite moe rope, sampled") << "granite_hybrid_moe_rope_tiny" << 0.9f;
        QTest::newRow("falcon h1, sampled") << "falcon_h1_tiny" << 0.7f;
        QTest::newRow("jamba, greedy") << "jamba_tiny" << 0.0f;
    }
    void snapshotRestoredInAnotherProcess() {
        QFETCH(QString, fixture);
        QFETCH(float, temperature);
        const auto dir = modelFixture(qPrintable(fixture));
        const auto model = Model::load(dir, *cpu_);
        const auto ids = goldenIds(qPrintable(fixture));
        SessionOptions o;
        o.seed = 1234;
        Session s(*model, o);
        s.prefill(head(ids, ids.size() / 2));
        QTemporaryDir tmp;
        const auto file = tempPath(tmp) / "state.lvs";
        {
            std::ofstream out(file, std::ios::binary);
            s.snapshot([&](const void* d, std::size_t n) {
                out.write(static_cast<const char*>(d), std::streamsize(n));
            });
        }
        const auto& l = s.lastLogits();
        const QString logitsHash =
            QString::asprintf("%016llx", (unsigned long long)hash64(l.data(), l.size() * 4));
        const auto expected = s.generate({}, sampled(12, temperature)).tokens;

        QProcess p;
        p.start(QStringLiteral(LV_SESSION_PROBE),
                {QString::fromStdString(dir.string()), QString::fromStdString(file.string()), "12",
                 QString::number(double(temperature)), "50", "0.95"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QStringList lines =
            QString::fromUtf8(p.readAllStandardOutput()).trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0], "logits " + logitsHash);
        QStringList want;
        for (auto t : expected)
            want << QString::number(t);
        QCOMPARE(lines[1], "tokens " + want.join(','));
    }

    void corruptSnapshotsAreRefused() {
        Session a(*hybrid_);
        a.prefill(head(ids_, 30));
        const std::string good = snapshotOf(a);
        Session victim(*hybrid_);
        victim.prefill(head(ids_, 10));
        const auto before = victim.lastLogits();

        std::string payload = good;
        payload[payload.size() - 100] ^= 0x40;
        QVERIFY(restoreError(victim, payload).contains("checksum"));
        std::string header = good;
        header[60] ^= 0x01; // inside the token count
        QVERIFY(restoreError(victim, header).contains("corrupt header"));
        QVERIFY(restoreError(victim, good.substr(0, good.size() - 9)).contains("truncated"));
        QVERIFY(restoreError(victim, good.substr(0, 20)).contains("truncated"));
        QVERIFY(restoreError(victim, "not a snapshot at all, just some text").contains("magic"));
        std::string version = good;
        version[8] = 3; // format version field
        QVERIFY(restoreError(victim, version).contains("format version 3"));
        // A header edited consistently (checksum recomputed): an unknown KV dtype is refused.
        auto resealed = [&](std::size_t at, char value) {
            std::string b = good;
            b[at] = value;
            std::uint32_t headerBytes;
            std::memcpy(&headerBytes, b.data() + 12, 4);
            const std::uint64_t h = hash64(b.data(), headerBytes - 8);
            std::memcpy(b.data() + headerBytes - 8, &h, 8);
            return b;
        };
        QVERIFY(restoreError(victim, resealed(57, 7)).contains("KV dtype 7"));

        // Refused restores leave the session as it was.
        QCOMPARE(victim.position(), 10);
        QCOMPARE(victim.lastLogits(), before);
        victim.decode(7);
        Session ref(*hybrid_);
        ref.prefill(head(ids_, 10));
        ref.decode(7);
        QCOMPARE(victim.lastLogits(), ref.lastLogits());

        // Version 1 (before the KV dtype byte, which it kept zero: f32) is still read: the
        // states users cached before stay valid.
        Session old(*hybrid_);
        QVERIFY(restoreError(old, resealed(8, 1)).isEmpty());
        QCOMPARE(old.lastLogits(), a.lastLogits());
    }

    // A failure inside a forward pass poisons the state until reset() or restore().
    void deviceFailureMidForward() {
        AlteredCpuBackend faulty(makeCpuBackend(2));
        const auto model = Model::load(modelFixture("granite_hybrid_moe_rope_tiny"), faulty);
        Session clean(*model);
        clean.prefill(head(ids_, 20));
        const std::string good = snapshotOf(clean);

        Session s(*model);
        s.prefill(head(ids_, 10));
        faulty.calls = 0;
        faulty.failAt = 7; // inside the first layers of the next chunk
        QVERIFY_THROWS_EXCEPTION(DeviceError, s.prefill(std::span(ids_).subspan(10, 10)));
        faulty.failAt = -1;
        QVERIFY_THROWS_EXCEPTION(EngineError, s.decode(3));
        QVERIFY_THROWS_EXCEPTION(EngineError, snapshotOf(s));
        QVERIFY_THROWS_EXCEPTION(EngineError, s.fork());
        s.restore(sourceOf(good));
        QCOMPARE(s.lastLogits(), clean.lastLogits());
        s.reset();
        s.prefill(head(ids_, 20));
        QCOMPARE(s.lastLogits(), clean.lastLogits());
    }

    void foreignSnapshotsAreRefused() {
        const auto llama = Model::load(modelFixture("llama_tiny"), *cpu_);
        Session other(*llama);
        other.prefill(head(ids_, 20));
        Session s(*hybrid_);
        QVERIFY(restoreError(s, snapshotOf(other)).contains("another model"));

        // Same architecture and config, other weights: another fingerprint.
        QTemporaryDir tmp;
        copyFixture("granite_hybrid_moe_rope_tiny", tempPath(tmp),
                    [](auto& t) { t["model.norm.weight"].bytes[0] ^= 0x01; });
        const auto twin = Model::load(tempPath(tmp), *cpu_);
        QVERIFY(twin->fingerprint() != hybrid_->fingerprint());
        Session t(*twin);
        t.prefill(head(ids_, 20));
        QVERIFY(restoreError(s, snapshotOf(t)).contains("another model"));
        QCOMPARE(s.position(), 0);
    }
};

QTEST_GUILESS_MAIN(EngineSessionTest)
#include "tst_engine_session.moc"
