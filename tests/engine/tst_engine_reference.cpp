// Every supported reference fixture against transformers' golden outputs: logits at all
// positions, prefill of the first half then decode of the second, greedy continuation.

#include "EngineTestSupport.h"

#include "runtime/ReferenceCheck.h"

#include <QtTest>

using namespace lv;
using namespace lv::test;

class EngineReferenceTest : public QObject {
    Q_OBJECT
    std::unique_ptr<Backend> cpu_ = makeCpuBackend(2);

private slots:
    void initTestCase() { LV_REQUIRE_FIXTURES(); }

    void fixture_data() {
        QTest::addColumn<QString>("name");
        for (const auto& f : supportedModelFixtures())
            QTest::newRow(f.c_str()) << QString::fromStdString(f);
    }
    void fixture() {
        QFETCH(QString, name);
        const auto r = checkReference(modelFixture(qPrintable(name)), *cpu_, ReferenceTolerance{});
        QVERIFY2(r.error.empty(), r.error.c_str());
        QVERIFY2(r.logitsOk,
                 qPrintable(QString("all-position logits: relative error %1").arg(r.logitsError)));
        QVERIFY2(
            r.decodeOk,
            qPrintable(QString("decode from the midpoint: relative error %1").arg(r.decodeError)));
        QCOMPARE(r.logitsArgmax, 1.0);
        QCOMPARE(r.decodeArgmax, 1.0);
        QCOMPARE(r.greedy, r.expectedGreedy);
        QVERIFY(r.passed());
    }

    // A fixture whose goldens disagree with its weights must fail, not pass quietly.
    void mismatchIsReported() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("llama_tiny", dir, [](auto& t) {
            auto& w = t["model.norm.weight"];
            float f;
            std::memcpy(&f, w.bytes.data(), 4);
            f += 0.5f;
            std::memcpy(w.bytes.data(), &f, 4);
        });
        for (const char* f : {"golden.safetensors", "golden.json"})
            std::filesystem::copy_file(modelFixture("llama_tiny") / f, dir / f);
        const auto r = checkReference(dir, *cpu_, ReferenceTolerance{});
        QVERIFY(r.error.empty());
        QVERIFY(!r.logitsOk);
        QVERIFY(!r.passed());
        QVERIFY(r.logitsError > 1e-4);
    }

    void missingGoldenIsAnError() {
        QTemporaryDir tmp;
        copyFixture("llama_tiny", tempPath(tmp));
        const auto r = checkReference(tempPath(tmp), *cpu_, ReferenceTolerance{});
        QVERIFY(!r.passed());
        QVERIFY(QString::fromStdString(r.error).contains("golden.safetensors"));
    }
};

QTEST_GUILESS_MAIN(EngineReferenceTest)
#include "tst_engine_reference.moc"
