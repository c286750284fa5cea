// Sessions on the GPU: one-token steps replayed from a recorded CUDA graph give the same
// logits as running every op directly, across KV-cache growth (which re-records), snapshot
// restore and fork; a model whose ops cannot be recorded falls back and says why.

#include "backend/Backend.h"
#include "backend/BackendFactory.h"
#include "engine/EngineTestSupport.h"
#include "model/Model.h"
#include "runtime/Session.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
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
        const auto golden = goldenIds(qPrintable(fixture));
        std::vector<std::int32_t> prompt;
        while (prompt.size() < 200)
            prompt.insert(prompt.end(), golden.begin(), golden.end());
        prompt.resize(200);

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
        std::string bytes;
        recorded.snapshot(
            [&](const void* d, std::size_t n) { bytes.append(static_cast<const char*>(d), n); });
        Session restored(*model, recordedOptions);
        std::size_t at = 0;
        restored.restore([&](void* dst, std::size_t n) {
            const std::size_t k = std::min(n, bytes.size() - at);
            std::memcpy(dst, bytes.data() + at, k);
            at += k;
            return k;
        });
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
};

QTEST_GUILESS_MAIN(CudaSessionTest)
#include "tst_cuda_session.moc"
