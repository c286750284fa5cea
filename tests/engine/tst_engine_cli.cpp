// The engine's command-line faces: verify-reference, generate and bench, run as a user
// would run them (a separate longview-cli process).

#include "EngineTestSupport.h"
#include "support/ProcessRun.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QtTest>

using namespace lv::test;

namespace {

QString fixtureArg(const char* name) {
    return QString::fromStdString(modelFixture(name).string());
}

QString lastLine(const QString& s) {
    return s.trimmed().split('\n').last();
}

} // namespace

class EngineCliTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { LV_REQUIRE_FIXTURES(); }

    void verifyReferencePasses() {
        const auto r = runCli({"verify-reference", "--device", "cpu",
                               fixtureArg("granite_hybrid_tiny"), fixtureArg("nemotron_h_tiny")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(lastLine(r.out), QString("2 passed, 0 failed"));
        QVERIFY(r.out.contains("granite_hybrid_tiny"));
        QVERIFY(r.out.contains("nemotron_h"));
    }

    void verifyReferenceFailsOnABadFixture() {
        QTemporaryDir tmp;
        copyFixture("llama_tiny", tempPath(tmp)); // no golden files
        const auto r = runCli({"verify-reference", fixtureArg("llama_tiny"), tmp.path()});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(lastLine(r.out), QString("1 passed, 1 failed"));
        QVERIFY(r.out.contains("golden.safetensors"));
    }

    void verifyReferenceJson() {
        const auto r = runCli({"verify-reference", "--json", fixtureArg("mamba2_tiny")});
        QCOMPARE(r.exitCode, 0);
        const auto j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["passed"].toInt(), 1);
        const auto first = j["results"].toArray()[0].toObject();
        QCOMPARE(first["architecture"].toString(), QString("mamba2"));
        QVERIFY(first["logits_rel_error"].toDouble() < 1e-4);
    }

    void generateGreedyMatchesTransformers() {
        const auto ids = goldenIds("bamba_tiny");
        const auto meta = readJson(modelFixture("bamba_tiny") / "golden.json");
        QStringList prompt;
        for (int i = 0; i < meta["greedy_prompt_len"].get<int>(); ++i)
            prompt << QString::number(ids[i]);
        QStringList want;
        for (auto t : meta["greedy_continuation"])
            want << QString::number(t.get<int>());
        const auto r = runCli({"generate", "--model", fixtureArg("bamba_tiny"), "--prompt-ids",
                               prompt.join(','), "--max-tokens", "12", "--ignore-eos"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed(), want.join(','));
    }

    void generateSampledIsSeeded() {
        const QStringList args{"generate",
                               "--model",
                               fixtureArg("granite_hybrid_moe_rope_tiny"),
                               "--prompt-ids",
                               "5,6,7,8",
                               "--max-tokens",
                               "10",
                               "--temperature",
                               "0.8",
                               "--top-k",
                               "40",
                               "--top-p",
                               "0.9",
                               "--seed",
                               "11",
                               "--ignore-eos",
                               "--json"};
        const auto a = runCli(args);
        const auto b = runCli(args);
        QCOMPARE(a.exitCode, 0);
        QCOMPARE(a.out, b.out);
        const auto j = QJsonDocument::fromJson(a.out.toUtf8()).object();
        QCOMPARE(j["tokens"].toArray().size(), 10);
        QCOMPARE(j["stop"].toString(), QString("max_tokens"));
    }

    void generateRejectsBadInput() {
        auto r = runCli({"generate", "--model", fixtureArg("llama_tiny"), "--prompt-ids", "1,x,3"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("--prompt-ids"));
        r = runCli({"generate", "--model", fixtureArg("llama_tiny"), "--prompt-ids", "1,9999"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("9999"));
        QCOMPARE(r.err.count('\n'), 1);
    }

    void benchReportsThroughput() {
        const auto r =
            runCli({"bench", "--model", fixtureArg("granite_hybrid_real_shapes"), "--device", "cpu",
                    "--contexts", "64,128", "--decode-tokens", "4", "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const auto results = j["results"].toArray();
        QCOMPARE(results.size(), 2);
        for (const auto& row : results) {
            QVERIFY(row.toObject()["prefill_tokens_per_second"].toDouble() > 0);
            QVERIFY(row.toObject()["decode_tokens_per_second"].toDouble() > 0);
            // The CPU does not track device memory; the GPU's pool peak goes here.
            QCOMPARE(row.toObject()["peak_device_bytes"].toInteger(-1), 0);
            // The roofline reading: the least work at the measured rate.
            const auto o = row.toObject();
            QVERIFY(o["prefill_flops"].toDouble() > 0 && o["decode_bytes"].toDouble() > 0);
            QCOMPARE(o["decode_bytes_per_second"].toDouble(),
                     o["decode_bytes"].toDouble() * o["decode_tokens_per_second"].toDouble());
        }
        QVERIFY(j["peak_rss_mib"].toDouble() > 0);
        QCOMPARE(j["prefill_chunk"].toInt(), 512); // what the app uses on the CPU
        const auto text = runCli({"bench", "--model", fixtureArg("llama_tiny"), "--contexts", "32",
                                  "--decode-tokens", "2", "--device", "cpu"});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("prefill tok/s"));
        QVERIFY(text.out.contains("prefill TFLOP/s"));
        QVERIFY(text.out.contains("decode GB/s"));
        QVERIFY(text.out.contains("peak memory"));
        QCOMPARE(runCli({"bench", "--synthetic", "gpt-5", "--device", "cpu"}).exitCode, 1);

        // --profile: where the time goes, per phase and op, in text and JSON.
        const auto prof = runCli({"bench", "--model", fixtureArg("llama_tiny"), "--contexts", "32",
                                  "--decode-tokens", "2", "--device", "cpu", "--profile"});
        QCOMPARE(prof.exitCode, 0);
        QVERIFY(prof.out.contains("profile ("));
        QVERIFY(prof.out.contains("prefill   attention"));
        const auto pj =
            QJsonDocument::fromJson(
                runCli({"bench", "--model", fixtureArg("llama_tiny"), "--contexts", "32",
                        "--decode-tokens", "2", "--device", "cpu", "--profile", "--json"})
                    .out.toUtf8())
                .object();
        QSet<QString> phases;
        for (const auto& e : pj["profile"].toArray()) {
            phases.insert(e.toObject()["phase"].toString());
            QVERIFY(e.toObject()["calls"].toInteger() > 0);
        }
        QCOMPARE(phases, (QSet<QString>{"prefill", "decode"}));
        // Profiling times ops one by one: decode steps run directly, and the bench says so.
        QVERIFY(prof.out.contains("direct (profiling"));
    }

    // The engine switches set in the environment are part of what a bench measured.
    void benchNamesTheEngineSwitchesItRanWith() {
        const QStringList args{"bench",      "--model",  fixtureArg("llama_tiny"),
                               "--contexts", "32",       "--decode-tokens",
                               "2",          "--device", "cpu"};
        // Switches of the shell that runs the test are set aside for it.
        QList<QPair<QByteArray, QByteArray>> saved;
        for (const QString& k : QProcessEnvironment::systemEnvironment().keys())
            if (k.startsWith("LONGVIEW_CUDA_")) {
                saved.append({k.toUtf8(), qgetenv(k.toUtf8().constData())});
                qunsetenv(k.toUtf8().constData());
            }
        const auto restore = qScopeGuard([&] {
            for (const auto& [k, v] : saved)
                qputenv(k.constData(), v);
        });
        QVERIFY(!runCli(args).out.contains("switches"));
        qputenv("LONGVIEW_CUDA_PDL", "0");
        const auto text = runCli(args);
        auto jsonArgs = args;
        jsonArgs << "--json";
        const auto j = QJsonDocument::fromJson(runCli(jsonArgs).out.toUtf8()).object();
        qunsetenv("LONGVIEW_CUDA_PDL");
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("switches LONGVIEW_CUDA_PDL=0\n"), qPrintable(text.out));
        QCOMPARE(j["environment"].toObject()["LONGVIEW_CUDA_PDL"].toString(), QString("0"));
    }
};

QTEST_GUILESS_MAIN(EngineCliTest)
#include "tst_engine_cli.moc"
