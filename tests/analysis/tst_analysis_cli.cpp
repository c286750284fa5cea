// The analysis service end to end through longview-cli, as users run it:
// extractive summaries and passage search without a model, and with a fixture
// model the cached document state that makes a second question cheap.

#include "support/Fixtures.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QPdfWriter>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QString err;
    QJsonValue json() const {
        return QJsonDocument::fromJson(out).isArray()
                   ? QJsonValue(QJsonDocument::fromJson(out).array())
                   : QJsonValue(QJsonDocument::fromJson(out).object());
    }
};

const char* const kContract =
    "SERVICE AGREEMENT\n\n"
    "1. Parties. This agreement is made between Northwind Traders and Contoso Limited.\n\n"
    "2. Term. The agreement starts on 1 March and runs for twenty-four months.\n\n"
    "3. Notice. Either party may terminate the agreement with ninety days written notice.\n\n"
    "4. Fees. The customer pays a monthly fee of four thousand euros within thirty days.\n\n"
    "5. Liability. Liability of either party is limited to the fees paid in the last year.\n";

} // namespace

class AnalysisCliTest : public QObject {
    Q_OBJECT

    QTemporaryDir tmp;
    QString db;

    Run cli(const QStringList& args, const QString& database = {}) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("LONGVIEW_DB", database.isEmpty() ? db : database);
        env.insert("XDG_DATA_HOME", tmp.filePath("xdg"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(LONGVIEW_CLI_PATH), args);
        Run r;
        if (!p.waitForFinished(300000)) {
            p.kill();
            r.err = "timeout";
            return r;
        }
        r.exitCode = p.exitCode();
        r.out = p.readAllStandardOutput();
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    QString writeFile(const QString& name, const QByteArray& content) {
        const QString path = tmp.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(content);
        return path;
    }

    // Pages about different subjects, so that each summary sentence has one right page.
    QString writePdf() {
        const QString path = tmp.filePath("report.pdf");
        QPdfWriter writer(path);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setResolution(72);
        QPainter painter(&writer);
        painter.setFont(QFont("DejaVu Sans", 11));
        const QStringList pages = {
            "Water quality. The river basin authority measured nitrate levels in every "
            "tributary. Nitrate levels in the northern tributaries exceeded the limit in "
            "spring. The authority will publish nitrate figures every month.",
            "Air quality. Fine particulate matter in the city centre fell by a fifth. "
            "Particulate matter from road traffic remains the largest source in winter. "
            "New low emission zones will reduce particulate matter further.",
            "Soil health. Farmers on the eastern plain reported erosion after heavy rain. "
            "Erosion control grants will fund hedgerows and cover crops for farmers. "
            "Soil organic carbon will be sampled on two hundred farms."};
        for (int i = 0; i < pages.size(); ++i) {
            if (i) writer.newPage();
            painter.drawText(QRect(60, 60, 470, 700), Qt::TextWordWrap, pages[i]);
        }
        painter.end();
        return path;
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp.isValid());
        db = tmp.filePath("library.db");
    }

    void extractiveSummaryOfGpl3CitesTheRightLines() {
        const QString gpl = "/usr/share/common-licenses/GPL-3";
        if (!QFile::exists(gpl)) QSKIP("GPL-3 text not installed");
        const Run r = cli({"summarize", gpl, "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = r.json().toObject();
        QVERIFY(j["extractive"].toBool());
        QCOMPARE(j["document"].toObject()["kind"].toString(), QString("text"));
        // Kept in the library: when, and no error.
        QVERIFY(QDateTime::fromString(j["stored_at"].toString(), Qt::ISODate).isValid());
        QCOMPARE(j["store_error"].toString(), QString());
        const QJsonArray citations = j["citations"].toArray();
        QVERIFY(citations.size() >= 3);
        QFile f(gpl);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n');
        for (const auto& v : citations) {
            const QJsonObject c = v.toObject();
            const int a = c["line_start"].toInt(), b = c["line_end"].toInt();
            QVERIFY(a >= 1 && b >= a && b <= lines.size());
            const QString cited = lines.mid(a - 1, b - a + 1).join(' ').simplified();
            const QString quote = c["quote"].toString().left(40);
            QVERIFY2(cited.contains(quote),
                     qPrintable(quote + " not in lines " + QString::number(a) + "-" +
                                QString::number(b)));
        }
        // Human output: text, then numbered citations.
        const Run human = cli({"summarize", gpl});
        QCOMPARE(human.exitCode, 0);
        QVERIFY(human.out.contains("Citations:\n  [1] GPL-3:"));
    }

    void extractiveSummaryOfPdfCitesTheRightPages() {
        const QString pdf = writePdf();
        const Run r = cli({"summarize", pdf, "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = r.json().toObject();
        QCOMPARE(j["document"].toObject()["pages"].toInt(), 3);
        const QJsonArray citations = j["citations"].toArray();
        QVERIFY(citations.size() >= 2);
        const QStringList topics = {"nitrate", "particulate", "erosion|soil|farmers"};
        for (const auto& v : citations) {
            const QJsonObject c = v.toObject();
            const int page = c["page_index"].toInt();
            QVERIFY(page >= 0 && page < 3);
            QCOMPARE(c["label"].toString(), QString("p. %1").arg(page + 1));
            const QRegularExpression topic(topics[page], QRegularExpression::CaseInsensitiveOption);
            QVERIFY2(topic.match(c["quote"].toString()).hasMatch(),
                     qPrintable(c["quote"].toString()));
        }
    }

    void extractiveAskFindsThePassage() {
        const QString pdf = writePdf();
        const Run r = cli({"ask", pdf, "Which source of particulate matter is largest?", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = r.json().toObject();
        QVERIFY(j["extractive"].toBool());
        const QJsonArray citations = j["citations"].toArray();
        QVERIFY(!citations.isEmpty());
        QCOMPARE(citations[0].toObject()["page_index"].toInt(), 1);
        QVERIFY(j["session_id"].toInt() > 0);
        // The question is stored in a session.
        const Run s = cli({"sessions", "--json"});
        QCOMPARE(s.exitCode, 0);
        QVERIFY(s.out.contains("particulate"));
    }

    // Human output prints long paths, titles and questions whole or cut at a character, and
    // every line ends.
    void listingsKeepWholeLines() {
        QString dir = tmp.filePath("long");
        for (int i = 0; i < 5; ++i)
            dir += "/" + QString(200, QChar('a' + i));
        QVERIFY(QDir().mkpath(dir));
        const QString file = dir + "/Vertr\u00E4ge \u00FCber Lieferungen.txt";
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("Die K\xC3\xBCndigungsfrist betr\xC3\xA4gt drei Monate.\n");
        f.close();
        const QString db2 = tmp.filePath("listings.db");
        QCOMPARE(cli({"ingest", file}, db2).exitCode, 0);
        const Run list = cli({"list"}, db2);
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(QString::fromUtf8(list.out).contains(file + ")\n"), list.out.constData());
        const QString question = QString("Wie lang ist die K\u00FCndigungsfrist? ").repeated(40);
        QCOMPARE(cli({"ask", "1", question}, db2).exitCode, 0);
        const Run sessions = cli({"sessions"}, db2);
        QCOMPARE(sessions.exitCode, 0);
        const QString out = QString::fromUtf8(sessions.out);
        QVERIFY2(!out.contains(QChar::ReplacementCharacter), sessions.out.constData());
        QVERIFY2(out.endsWith("\u2026\n"), sessions.out.constData());
        QVERIFY(out.contains("1 message "));
    }

    // A codebase's ingest says what it left out and why, with the first paths of each
    // reason; it said "7 skipped" and nothing else.
    void ingestNamesWhatItSkipped() {
        const QString repo = tmp.filePath("skips");
        QVERIFY(QDir().mkpath(repo + "/src"));
        QVERIFY(QDir().mkpath(repo + "/node_modules/left-pad"));
        writeFile("skips/src/main.c", "int main(void) { return 0; }\n");
        writeFile("skips/node_modules/left-pad/index.js", "module.exports = 1;\n");
        for (const char* name : {"a.png", "b.png", "c.png", "d.png", "e.png"})
            writeFile(QString("skips/") + name, QByteArray("\x89PNG\r\n\x1a\n", 8));
        QVERIFY(QFile::link(repo + "/src/main.c", repo + "/src/alias.c"));
        const QString db2 = tmp.filePath("skips.db");
        const Run human = cli({"ingest", repo}, db2);
        QCOMPARE(human.exitCode, 0);
        QVERIFY2(human.out.contains("          1 file, 28 characters\n"), human.out.constData());
        QVERIFY2(human.out.contains("          skipped: binary 5 (a.png, b.png, c.png, ...); "
                                    "symbolic link 1 (src/alias.c); vendored directory 1 "
                                    "(node_modules/)\n"),
                 human.out.constData());
        const Run list = cli({"list"}, db2);
        QVERIFY2(list.out.contains("  1 file  -"), list.out.constData());
        // Unchanged: nothing was read, so nothing is said about skipping.
        const Run again = cli({"ingest", repo}, db2);
        QVERIFY2(again.out.contains("unchanged") && !again.out.contains("skipped"),
                 again.out.constData());
        const Run json = cli({"ingest", repo, "--json"}, tmp.filePath("skips2.db"));
        QCOMPARE(json.exitCode, 0);
        const QJsonObject report = json.json().toArray().at(0).toObject();
        QCOMPARE(report["skipped_files"].toInt(), 7);
        const QJsonArray skipped = report["skipped"].toArray();
        QCOMPARE(skipped.size(), 3);
        QCOMPARE(skipped[0].toObject()["reason"].toString(), QString("binary"));
        QCOMPARE(skipped[0].toObject()["count"].toInt(), 5);
        QCOMPARE(skipped[0].toObject()["examples"].toArray().size(), 5);
        QCOMPARE(skipped[1].toObject()["examples"].toArray().at(0).toString(),
                 QString("src/alias.c"));
    }

    // Quotes, snippets and session titles are cut at whole characters: a cut inside "ü"
    // made the JSON writer fail ("incomplete UTF-8 string").
    void cutsKeepTextValidUtf8() {
        const QString path = writeFile(
            "cut.txt", QByteArray(159, 'a') + "\xC3\xBC Ende des Satzes. Noch ein Satz hier.\n");
        const QString db3 = tmp.filePath("cuts.db");
        const Run s = cli({"summarize", path, "--json"}, db3);
        QCOMPARE(s.exitCode, 0);
        const QJsonArray citations = s.json().toObject()["citations"].toArray();
        QVERIFY(!citations.isEmpty());
        QVERIFY(!citations[0].toObject()["quote"].toString().contains(QChar::ReplacementCharacter));
        const Run a = cli({"ask", "1", QString(79, 'x') + "\u00FC and more?", "--json"}, db3);
        QCOMPARE(a.exitCode, 0);
        const Run sessions = cli({"sessions", "--json"}, db3);
        QCOMPARE(sessions.exitCode, 0);
        QVERIFY(!QString::fromUtf8(sessions.out).contains(QChar::ReplacementCharacter));
    }

    void fileNamesThatAreNotUtf8AreNamedAsSuch() {
        // "caf\xE9.txt" (Latin-1), made and passed by the shell, which keeps its bytes as they
        // are (QProcess would pass arguments as UTF-8).
        const QString script = QString("cd '%1' && f=$(printf 'caf\\351.txt') && "
                                       "echo 'Un texte. Deux phrases.' > \"$f\" && "
                                       "LONGVIEW_DB=latin.db XDG_DATA_HOME=xdg '%2' ingest \"$f\"")
                                   .arg(tmp.path(), QStringLiteral(LONGVIEW_CLI_PATH));
        QProcess p;
        p.start("/bin/sh", {"-c", script});
        QVERIFY(p.waitForFinished(60000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(err.contains("caf\uFFFD.txt: the file name is not UTF-8"), qPrintable(err));
        QCOMPARE(err.count('\n'), 1);
    }

    void unknownDocumentIsAOneLineUserError() {
        const Run r = cli({"summarize", tmp.filePath("missing.pdf")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("missing.pdf"));
        QCOMPARE(r.err.count('\n'), 1);
        const Run id = cli({"summarize", "987654"});
        QCOMPARE(id.exitCode, 1);
        QVERIFY(id.err.contains("#987654"));
    }

    // --device cuda where no GPU can be used runs on the CPU and says so (the reason was
    // computed and never shown); where a GPU is there, nothing is said.
    void cudaAskedForAndNotUsedIsSaid() {
        LV_REQUIRE_FIXTURES();
        const QString model = lv::test::fixturesDir() + "/models/granite_hybrid_tiny";
        const QString doc = writeFile("contract-cuda.txt", kContract);
        const Run r = cli({"ask", doc, "What is the notice period?", "--model", model, "--device",
                           "cuda", "--max-tokens", "4", "--json"},
                          tmp.filePath("cuda.db"));
        QCOMPARE(r.exitCode, 0);
        const QJsonObject m = r.json().toObject()["metrics"].toObject();
        const QString note = m["device_note"].toString();
        if (m["device"].toString().startsWith("cuda")) {
            QVERIFY2(note.isEmpty(), qPrintable(note));
            QVERIFY2(!r.err.contains("warning"), qPrintable(r.err));
        } else {
            QVERIFY2(note.startsWith("CUDA not used (") && note.endsWith("running on the CPU"),
                     qPrintable(note));
            QVERIFY2(r.err.contains("longview-cli: warning: " + note + "\n"), qPrintable(r.err));
        }
        // --device cpu asks for no GPU: no note either way.
        const Run cpu = cli({"ask", doc, "Who are the parties?", "--model", model, "--device",
                             "cpu", "--max-tokens", "4", "--json"},
                            tmp.filePath("cuda.db"));
        QCOMPARE(cpu.exitCode, 0);
        QVERIFY(cpu.json().toObject()["metrics"].toObject()["device_note"].toString().isEmpty());
        QVERIFY2(!cpu.err.contains("warning"), qPrintable(cpu.err));
    }

    // A model that cannot load leaves its one-line error and nothing else on stdout: the
    // summary's heading was printed first, over nothing.
    void failedModelLeavesNoHeading() {
        LV_REQUIRE_FIXTURES();
        // A checkpoint without a tokenizer (its own fixture's shape test needs none).
        const QString model = lv::test::fixturesDir() + "/models/granite_hybrid_real_shapes";
        QVERIFY(!QFile::exists(model + "/tokenizer.json") &&
                !QFile::exists(model + "/tokenizer.model"));
        const QString doc = writeFile("contract-heading.txt", kContract);
        const Run r = cli({"summarize", doc, "--model", model, "--device", "cpu"},
                          tmp.filePath("heading.db"));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.isEmpty(), r.out.constData());
        QVERIFY2(r.err.contains("granite_hybrid_real_shapes: no tokenizer"), qPrintable(r.err));
        QCOMPARE(r.err.count('\n'), 1);
    }

    // A model's answer either lists its citations or says it has none: four tokens of the
    // fixture model cite nothing.
    void answersWithoutCitationsSaySo() {
        LV_REQUIRE_FIXTURES();
        const QString model = lv::test::fixturesDir() + "/models/granite_hybrid_tiny";
        const QString doc = writeFile("contract-plain.txt", kContract);
        const Run r = cli({"ask", doc, "What is the notice period?", "--model", model, "--device",
                           "cpu", "--max-tokens", "4"},
                          tmp.filePath("plain.db"));
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("\nCitations:\n") !=
                     r.out.contains("\n(No citations: the answer names no page or line of the "
                                    "document.)\n"),
                 qPrintable(r.out));
    }

    void cachedStateMakesTheSecondQuestionCheap() {
        LV_REQUIRE_FIXTURES();
        const QString model = lv::test::fixturesDir() + "/models/granite_hybrid_tiny";
        const QString doc = writeFile("contract.txt", kContract);
        const QStringList gen = {"--model",      model, "--device", "cpu",
                                 "--max-tokens", "12",  "--json"};

        const Run first = cli(QStringList{"ask", doc, "What is the notice period?"} + gen);
        QCOMPARE(first.exitCode, 0);
        const QJsonObject m1 = first.json().toObject()["metrics"].toObject();
        QVERIFY(!first.json().toObject()["extractive"].toBool());
        const int docTokens = m1["document_tokens"].toInt();
        QVERIFY(docTokens > 100);
        QVERIFY(m1["tokens_read"].toInt() > docTokens);
        QCOMPARE(m1["tokens_from_cache"].toInt(), 0);
        QVERIFY(m1["state_stored"].toBool());

        // A new process: the state comes from the library, only the question is read.
        const Run second = cli(QStringList{"ask", doc, "Who are the parties?"} + gen);
        QCOMPARE(second.exitCode, 0);
        const QJsonObject m2 = second.json().toObject()["metrics"].toObject();
        QVERIFY(m2["state_resumed"].toBool());
        QCOMPARE(m2["tokens_from_cache"].toInt(), docTokens);
        QVERIFY2(m2["tokens_read"].toInt() < docTokens / 2,
                 qPrintable(QString::number(m2["tokens_read"].toInt())));

        // Exactly what a full re-read gives: the same question in a fresh library.
        const Run fresh =
            cli(QStringList{"ask", doc, "Who are the parties?"} + gen, tmp.filePath("fresh.db"));
        QCOMPARE(fresh.exitCode, 0);
        QVERIFY(!fresh.json().toObject()["metrics"].toObject()["state_resumed"].toBool());
        QCOMPARE(second.json().toObject()["text"].toString(),
                 fresh.json().toObject()["text"].toString());

        // Another model never reuses the state.
        const QString other = lv::test::fixturesDir() + "/models/granite_hybrid_moe_rope_tiny";
        QStringList genOther = gen;
        genOther[1] = other;
        const Run switched = cli(QStringList{"ask", doc, "Who are the parties?"} + genOther);
        QCOMPARE(switched.exitCode, 0);
        QVERIFY(!switched.json().toObject()["metrics"].toObject()["state_resumed"].toBool());

        // An edited document is read again.
        writeFile("contract.txt", QByteArray(kContract) + "6. Law. Dutch law applies.\n");
        const Run edited = cli(QStringList{"ask", doc, "Who are the parties?"} + gen);
        QCOMPARE(edited.exitCode, 0);
        const QJsonObject m3 = edited.json().toObject()["metrics"].toObject();
        QVERIFY(!m3["state_resumed"].toBool());
        QVERIFY(m3["document_tokens"].toInt() > docTokens);
    }

    void smallContextTakesTheHierarchicalPath() {
        LV_REQUIRE_FIXTURES();
        const QString model = lv::test::fixturesDir() + "/models/granite_hybrid_tiny";
        QByteArray longText;
        for (int i = 0; i < 12; ++i)
            longText += kContract;
        const QString doc = writeFile("long.txt", longText);
        const Run r = cli({"summarize", doc, "--model", model, "--device", "cpu", "--context",
                           "700", "--max-tokens", "8", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject j = r.json().toObject();
        QVERIFY(!j["extractive"].toBool());
        const QJsonObject m = j["metrics"].toObject();
        // Several parts were read: more tokens than one window holds.
        QVERIFY(m["tokens_read"].toInt() > 700);
        const QJsonObject coverage = m["coverage"].toObject();
        QCOMPARE(coverage["context_tokens"].toInt(), 700);
        QVERIFY(coverage["whole_document_tokens"].toInt() > 700);
        QVERIFY(coverage["summary_parts"].toInt() > 1);

        // A question reads the passages that best match it, and says so.
        const Run ask = cli({"ask", doc, "What is the notice period?", "--model", model, "--device",
                             "cpu", "--context", "700", "--max-tokens", "4"});
        QVERIFY2(ask.exitCode == 0, qPrintable(ask.err));
        const QRegularExpression note("\\[the document is [0-9]+ tokens, more than fit the context "
                                      "of 700 beside the prompt and "
                                      "answer: read the [0-9]+ "
                                      "of its [0-9]+ passages that best match\\]");
        QVERIFY2(note.match(ask.out).hasMatch(), qPrintable(ask.out));
    }
};

QTEST_MAIN(AnalysisCliTest)
#include "tst_analysis_cli.moc"
