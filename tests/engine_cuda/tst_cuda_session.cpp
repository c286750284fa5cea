// Sessions on the GPU: one-token steps replayed from a recorded CUDA graph give the same
// logits as running every op directly, across KV-cache growth (which re-records), snapshot
// restore and fork; a model whose ops cannot be recorded falls back and says why; states
// move between the GPU and the CPU through snapshots; a bf16 mixture of experts agrees with
// the CPU.

#include "backend/Backend.h"
#include "backend/BackendFactory.h"
#include "engine/EngineTestSupport.h"
#include "model/Model.h"
#include "runtime/Session.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

using namespace lv;
using namespace lv::test;

namespace {

std::int32_t argmaxOf(const std::vector<float>& v) {
    return std::int32_t(std::max_element(v.begin(), v.end()) - v.begin());
}

// Both sessions take the same token; their logits must agree.
void stepBoth(Session& recorded, Session& direct, std::int32_t token, int step) {
    recorded.decode(token);
    direct.decode(token);
    const double diff = maxRelDiff(recorded.lastLogits(), direct.lastLogits());
    QVERIFY2(diff < 1e-4, qPrintable(QString("step %1 (position %2): logits differ by %3")
                                         .arg(step)
                                         .arg(direct.position())
                                         .arg(diff)));
    QCOMPARE(argmaxOf(recorded.lastLogits()), argmaxOf(direct.lastLogits()));
}

std::string snapshotBytes(const Session& s) {
    std::string bytes;
    s.snapshot([&](const void* d, std::size_t n) { bytes.append(static_cast<const char*>(d), n); });
    return bytes;
}

void restoreFrom(Session& s, const std::string& bytes) {
    std::size_t at = 0;
    s.restore([&](void* dst, std::size_t n) {
        const std::size_t k = std::min(n, bytes.size() - at);
        std::memcpy(dst, bytes.data() + at, k);
        at += k;
        return k;
    });
}

} // namespace

class CudaSessionTest : public QObject {
    Q_OBJECT
    std::unique_ptr<Backend> gpu_;

private slots:
    void initTestCase() {
#ifndef LONGVIEW_HAVE_CUDA
        QSKIP("built without CUDA");
#else
        const GpuInfo gpu = probeGpu(0);
        if (!gpu.usable)
            QSKIP(qPrintable("no CUDA device: run on the GPU machine (" +
                             QString::fromStdString(gpu.reason) + ")"));
        LV_REQUIRE_FIXTURES();
        gpu_ = makeCudaBackend(0);
#endif
    }

    void recordedDecodeMatchesDirect_data() {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<bool>("recordable");
        // Head dim 64: attention runs the split-K decode kernel, which reads its position
        // on the device. The tiny fixtures' head dim 16 takes another kernel: direct.
        QTest::newRow("granite_hybrid_real_shapes") << "granite_hybrid_real_shapes" << true;
        QTest::newRow("granite_hybrid_moe_rope_tiny") << "granite_hybrid_moe_rope_tiny" << false;
    }
    void recordedDecodeMatchesDirect() {
        QFETCH(QString, fixture);
        QFETCH(bool, recordable);
        const auto model = Model::load(modelFixture(qPrintable(fixture)), *gpu_);
        const auto prompt = repeatedIds(goldenIds(qPrintable(fixture)), 200);

        SessionOptions recordedOptions, directOptions;
        recordedOptions.prefillChunk = directOptions.prefillChunk = 64;
        recordedOptions.recordDecode = true;
        directOptions.recordDecode = false;
        Session recorded(*model, recordedOptions), direct(*model, directOptions);
        recorded.prefill(prompt);
        direct.prefill(prompt);
        // 120 steps cross position 256, where the KV caches double and move.
        for (int i = 0; i < 120; ++i) {
            stepBoth(recorded, direct, argmaxOf(direct.lastLogits()), i);
            if (QTest::currentTestFailed()) return;
        }
        const QString mode = QString::fromStdString(recorded.decodeMode());
        qInfo().noquote() << fixture << "decode:" << mode;
        if (recordable) {
            QVERIFY2(mode.startsWith("recorded (2 recordings"), qPrintable(mode));
        } else {
            QVERIFY2(mode.startsWith("direct (") && mode.size() > 10, qPrintable(mode));
            return;
        }

        // A restored state and a fork live in other buffers: their steps record anew.
        Session restored(*model, recordedOptions);
        restoreFrom(restored, snapshotBytes(recorded));
        Session forked = recorded.fork();
        Session directFork = direct.fork();
        for (int i = 0; i < 20; ++i) {
            const std::int32_t token = argmaxOf(direct.lastLogits());
            stepBoth(restored, direct, token, 120 + i);
            stepBoth(forked, directFork, token, 120 + i);
            if (QTest::currentTestFailed()) return;
        }
        QVERIFY(QString::fromStdString(restored.decodeMode()).startsWith("recorded (1 "));
    }

    // Greedy generation with recorded steps runs the device a step ahead of the host (each
    // token chosen by the GPU's argmax, the step feeding it queued before the host reads it):
    // the same tokens, state and logits as choosing and feeding one token at a time, across
    // the KV caches' move at position 256 (a recording anew in the middle), and the same
    // stops.
    void greedyGenerationAheadMatchesStepByStep() {
        const auto model = Model::load(modelFixture("granite_hybrid_real_shapes"), *gpu_);
        const auto prompt = repeatedIds(goldenIds("granite_hybrid_real_shapes"), 200);
        SessionOptions ahead, stepwise;
        ahead.prefillChunk = stepwise.prefillChunk = 64;
        stepwise.recordDecode = false;
        Session a(*model, ahead), b(*model, stepwise);
        GenerateOptions g;
        g.maxTokens = 100;
        g.stopAtEos = false;
        const auto ta = a.generate(prompt, g).tokens, tb = b.generate(prompt, g).tokens;
        QCOMPARE(ta, tb);
        QCOMPARE(a.position(), b.position());
        // (a recorded step's split-K attention sums its keys in another order than a direct one)
        QVERIFY(maxRelDiff(a.lastLogits(), b.lastLogits()) < 1e-4);
        QVERIFY(QString::fromStdString(a.decodeMode()).startsWith("recorded ("));
        // A stop token and a callback that stops: the token that stops is fed either way.
        // The stop token: the first that had not come before (a repeated token stops at its
        // first occurrence), so that generation stops a few tokens in where it can.
        std::size_t k = 0;
        for (std::size_t i = 1; i < tb.size() && i < 20 && k == 0; ++i)
            if (std::find(tb.begin(), tb.begin() + std::ptrdiff_t(i), tb[i]) ==
                tb.begin() + std::ptrdiff_t(i))
                k = i;
        g.maxTokens = 20;
        g.stopTokens = {tb[k]};
        Session c(*model, ahead);
        const auto rc = c.generate(prompt, g);
        QCOMPARE(rc.stop, GenerateResult::Stop::StopToken);
        QCOMPARE(rc.tokens,
                 std::vector<std::int32_t>(tb.begin(), tb.begin() + std::ptrdiff_t(k) + 1));
        QCOMPARE(c.position(), std::int64_t(prompt.size() + k) + 1);
        g.stopTokens.clear();
        Session d(*model, ahead);
        int calls = 0;
        const auto rd = d.generate(prompt, g, [&](std::int32_t) { return ++calls < 2; });
        QCOMPARE(rd.stop, GenerateResult::Stop::Callback);
        QCOMPARE(d.position(), std::int64_t(prompt.size()) + 2);
        const double diff = maxRelDiff(d.lastLogits(), [&] {
            Session e(*model, stepwise);
            e.prefill(prompt);
            e.decode(tb[0]);
            return e.decode(tb[1]);
        }());
        QVERIFY2(diff < 1e-4, qPrintable(QString("logits differ by %1").arg(diff)));
    }

    // Snapshots hold the KV caches in the type the backend keeps (the GPU's are f16) and
    // restores convert: a state read on the GPU continues on the CPU and the other way
    // round, and agrees with a session that read the same tokens there, at the GPU's
    // precision.
    // A bf16 mixture-of-experts hybrid (the Granite 4.0-H Tiny layout, small): prefill in
    // chunks of 128 runs the grouped expert products, decode the rows form, recorded and
    // direct; both agree with the CPU at bf16 precision.
    void moeModelMatchesCpu() {
        nlohmann::json c;
        c["model_type"] = "granitemoehybrid";
        c["hidden_size"] = 256;
        c["num_hidden_layers"] = 4;
        c["layer_types"] = {"mamba", "attention", "mamba", "mamba"};
        c["mamba_n_heads"] = 8;
        c["mamba_d_head"] = 64;
        c["mamba_d_state"] = 64;
        c["mamba_chunk_size"] = 64;
        c["num_attention_heads"] = 4; // head dim 64: the recordable decode attention
        c["num_key_value_heads"] = 2;
        c["intermediate_size"] = 128;
        c["shared_intermediate_size"] = 256;
        c["num_local_experts"] = 8;
        c["num_experts_per_tok"] = 2;
        c["vocab_size"] = 512;
        c["embedding_multiplier"] = 12.0;
        c["attention_multiplier"] = 0.015625;
        c["logits_scaling"] = 2.0;
        c["residual_multiplier"] = 0.5;
        c["tie_word_embeddings"] = true;
        const auto cpu = makeCpuBackend(2);
        const auto onGpu = Model::synthetic(c, *gpu_, DType::BF16, 7);
        const auto onCpu = Model::synthetic(c, *cpu, DType::BF16, 7);
        std::vector<std::int32_t> prompt(300);
        for (std::size_t i = 0; i < prompt.size(); ++i)
            prompt[i] = std::int32_t((i * 7919 + 13) % 512);

        SessionOptions recordedOptions, directOptions;
        recordedOptions.prefillChunk = directOptions.prefillChunk = 128;
        directOptions.recordDecode = false;
        Session recorded(*onGpu, recordedOptions), direct(*onGpu, directOptions),
            reference(*onCpu, directOptions);
        for (Session* s : {&recorded, &direct, &reference})
            s->prefill(prompt);
        int agree = 0;
        const int steps = 24;
        for (int i = 0; i < steps; ++i) {
            const double d = maxRelDiff(direct.lastLogits(), reference.lastLogits());
            QVERIFY2(d < 2e-2,
                     qPrintable(QString("step %1: GPU and CPU logits differ by %2").arg(i).arg(d)));
            agree += argmaxOf(direct.lastLogits()) == argmaxOf(reference.lastLogits());
            const std::int32_t token = argmaxOf(reference.lastLogits());
            reference.decode(token);
            stepBoth(recorded, direct, token, i);
            if (QTest::currentTestFailed()) return;
        }
        QVERIFY2(agree >= steps - 1,
                 qPrintable(QString("argmax agrees at %1 of %2 steps").arg(agree).arg(steps)));
        QVERIFY2(QString::fromStdString(recorded.decodeMode()).startsWith("recorded ("),
                 recorded.decodeMode().c_str());
    }

    void snapshotMovesBetweenBackends() {
        const char* fixture = "granite_hybrid_real_shapes";
        const auto cpu = makeCpuBackend(2);
        const auto onGpu = Model::load(modelFixture(fixture), *gpu_);
        const auto onCpu = Model::load(modelFixture(fixture), *cpu);
        QCOMPARE(gpu_->kvCacheDType(), DType::F16);
        const auto prompt = repeatedIds(goldenIds(fixture), 300);

        SessionOptions options;
        options.prefillChunk = 128;
        Session gpuRead(*onGpu, options), cpuRead(*onCpu, options);
        gpuRead.prefill(prompt);
        cpuRead.prefill(prompt);
        const std::string fromGpu = snapshotBytes(gpuRead), fromCpu = snapshotBytes(cpuRead);
        QVERIFY(fromGpu.size() < fromCpu.size()); // f16 keys and values

        Session cpuResumed(*onCpu, options), gpuResumed(*onGpu, options);
        restoreFrom(cpuResumed, fromGpu);
        restoreFrom(gpuResumed, fromCpu);
        QCOMPARE(cpuResumed.position(), std::int64_t(prompt.size()));
        int agree = 0;
        const int steps = 16;
        for (int i = 0; i < steps; ++i) {
            const std::int32_t token = argmaxOf(cpuRead.lastLogits());
            for (Session* s : {&cpuRead, &gpuRead, &cpuResumed, &gpuResumed})
                s->decode(token);
            const double dCpu = maxRelDiff(cpuResumed.lastLogits(), cpuRead.lastLogits());
            const double dGpu = maxRelDiff(gpuResumed.lastLogits(), gpuRead.lastLogits());
            QVERIFY2(dCpu < 2e-2 && dGpu < 2e-2,
                     qPrintable(QString("step %1: GPU state on the CPU differs by %2, CPU state "
                                        "on the GPU by %3")
                                    .arg(i)
                                    .arg(dCpu)
                                    .arg(dGpu)));
            agree += argmaxOf(cpuResumed.lastLogits()) == argmaxOf(cpuRead.lastLogits());
        }
        QVERIFY2(agree >= steps - 1,
                 qPrintable(QString("argmax agrees at %1 of %2 steps").arg(agree).arg(steps)));
    }
};

QTEST_GUILESS_MAIN(CudaSessionTest)
#include "tst_cuda_session.moc"
