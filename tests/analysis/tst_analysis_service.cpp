// The analysis service called directly, as the GUI's worker does: cancelling a
// read stores nothing half-made, sessions continue, models are listed and remembered.

#include "analysis/AnalysisService.h"

#include "core/Error.h"
#include "support/Fixtures.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace lv::analysis;

class AnalysisServiceTest : public QObject {
    Q_OBJECT

    QTemporaryDir tmp;
    QString db;

    ServiceConfig config(const QString& model = {}) {
        ServiceConfig c;
        c.databasePath = db.toStdString();
        c.modelPath = model.toStdString();
        c.device = "cpu";
        c.maxNewTokens = 6;
        return c;
    }

    QString document() {
        const QString path = tmp.filePath("terms.txt");
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        for (int i = 1; i <= 8; ++i)
            f.write(QString("Clause %1. The supplier delivers batch %1 within %2 days of the "
                            "order, and the buyer pays within thirty days.\n\n")
                        .arg(i)
                        .arg(i * 3)
                        .toUtf8());
        return path;
    }

    // A text file of the test's folder, written and added to the service's library.
    std::int64_t addText(AnalysisService& service, const QString& name, const QByteArray& bytes) {
        QFile f(tmp.filePath(name));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
            return 0;
        f.close();
        JobControl job;
        return service.resolveDocument(f.fileName().toStdString(), job);
    }

    QString fixtureModel() { return lv::test::fixturesDir() + "/models/granite_hybrid_tiny"; }

private slots:
    void init() { // a library of its own for every test function
        static int n = 0;
        db = tmp.filePath(QString("library-%1.db").arg(++n));
    }

    void cancelledReadStoresNoState() {
        LV_REQUIRE_FIXTURES();
        qputenv("XDG_DATA_HOME", tmp.filePath("xdg").toUtf8());
        AnalysisService service(config(fixtureModel()));
        JobControl job;
        bool sawRead = false;
        job.progress = [&](const std::string& stage, std::int64_t, std::int64_t) {
            if (stage == "read") {
                sawRead = true;
                job.cancelRequested = true; // Ctrl-C while the document is read
            }
        };
        const std::int64_t id = service.resolveDocument(document().toStdString(), job);
        QVERIFY_THROWS_EXCEPTION(lv::Cancelled, service.ask(id, "When is batch 3 due?", {}, job));
        QVERIFY(sawRead);
        QVERIFY(!service.document(id)->stateCached);
        QVERIFY(service.sessions().empty()); // no half-made answer either

        // The next, uncancelled question reads the document and caches its state.
        JobControl again;
        const Answer a = service.ask(id, "When is batch 3 due?", {}, again);
        QVERIFY(!a.extractive);
        QVERIFY(a.metrics.stateStored);
        QVERIFY(service.document(id)->stateCached);
    }

    // A document without text (an empty file, a PDF of scanned pages) is not handed to the
    // model: the summary and the answer say so.
    void documentsWithoutTextAreNotRead() {
        LV_REQUIRE_FIXTURES();
        AnalysisService service(config(fixtureModel()));
        const std::int64_t id = addText(service, "blank.txt", "\n  \n\t\n");
        QVERIFY(id > 0);
        JobControl job;
        const Summary s = service.summarize(id, job);
        QVERIFY(s.extractive);
        QCOMPARE(QString::fromStdString(s.text),
                 QString("(The document has no text to summarize.)"));
        const Answer a = service.ask(id, "Who pays?", {}, job);
        QVERIFY(a.extractive);
        QVERIFY(!a.metrics.stateStored);
        QVERIFY(a.citations.empty());
    }

    // Text with nothing that reads as a sentence (one run of letters, no word breaks): the
    // extractive summary says so and quotes how it opens, cited, rather than calling the
    // document empty.
    void textWithoutSentencesShowsItsOpening() {
        AnalysisService service(config());
        QByteArray dump;
        for (int i = 0; i < 3000; ++i)
            dump += QByteArray::number(i * 7919 % 104729, 36);
        const std::int64_t id = addText(service, "dump.txt", dump);
        QVERIFY(id > 0);
        JobControl job;
        const Summary s = service.summarize(id, job);
        QVERIFY(s.extractive);
        QVERIFY2(QString::fromStdString(s.text).startsWith("(No sentences to rank"),
                 s.text.c_str());
        QVERIFY2(s.text.find("063zc7y") != std::string::npos,
                 s.text.c_str()); // 0, 7919, 15838 in base 36
        QCOMPARE(s.citations.size(), std::size_t(1));
        QCOMPARE(s.citations[0].lineStart, 1);
    }

    // In a codebase, the passage that defines what a question names comes first, cited at
    // the defining line, above the files that use it more often.
    void questionsAboutCodeFindTheDefinition() {
        AnalysisService service(config());
        QDir(tmp.path()).mkpath("repo/src");
        const auto write = [&](const QString& name, const QByteArray& text) {
            QFile f(tmp.filePath("repo/" + name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        QByteArray uses = "from parsing import parse_header\n\n";
        for (int i = 0; i < 30; ++i)
            uses += "value" + QByteArray::number(i) + " = parse_header(line" +
                    QByteArray::number(i) + ")  # parse_header again\n";
        write("src/app.py", uses);
        write("src/parsing.py", "import re\n\n\ndef helper():\n    pass\n\n\n"
                                "def parse_header(line):\n    return line.split(':', 1)\n");
        JobControl job;
        const std::int64_t id = service.resolveDocument(tmp.filePath("repo").toStdString(), job);
        const Answer a = service.ask(id, "Where is parse_header defined?", {}, job);
        QVERIFY(a.extractive);
        QVERIFY(!a.citations.empty());
        QCOMPARE(QString::fromStdString(a.citations[0].filePath), QString("src/parsing.py"));
        QCOMPARE(a.citations[0].lineStart, 8);
        // "defined" asks for a definition; it is no word to find: a "#define" elsewhere is no
        // answer to "where is the port defined".
        write("src/limits.h", "#define MAX_TOKENS 64\n#define MAX_LINES 80\n");
        write("src/server.py", "PORT = 8080\n\ndef serve():\n    listen(PORT)\n");
        const std::int64_t again = service.resolveDocument(tmp.filePath("repo").toStdString(), job);
        const Answer port = service.ask(again, "where is the port defined?", {}, job);
        for (const auto& c : port.citations)
            QVERIFY2(c.filePath != "src/limits.h", port.text.c_str());
    }

    // A heading that matches a question stands for its section: the passage shows the text
    // under it and cites where that text is.
    void matchingHeadingsBringTheirSection() {
        AnalysisService service(config());
        const std::int64_t id =
            addText(service, "guide.md",
                    "# Guide\n\nThe tool keeps several versions side by side.\n\n"
                    "## Uninstalling\n\nRemove its folder and the two lines it added to your "
                    "shell profile.\n\n## Upgrading\n\nThree steps.\n\nStop the service, "
                    "replace the binary and start it again.\n\n## Support\n\nAsk on the list.\n");
        QVERIFY(id > 0);
        JobControl job;
        const Answer a = service.ask(id, "uninstalling", {}, job);
        QVERIFY(!a.citations.empty());
        QCOMPARE(a.citations[0].lineStart, 7);
        QVERIFY2(a.text.find("Remove its folder") != std::string::npos, a.text.c_str());
        // A first paragraph that says little brings the rest of the section, cited with it.
        const Answer up = service.ask(id, "upgrading", {}, job);
        QVERIFY(!up.citations.empty());
        QCOMPARE(up.citations[0].lineStart, 11);
        QCOMPARE(up.citations[0].lineEnd, 13);
        QVERIFY2(up.text.find("replace the binary") != std::string::npos, up.text.c_str());
        QVERIFY2(up.text.find("Ask on the list") == std::string::npos, up.text.c_str());
    }

    // A match deep in a long line (a text without line breaks, cut into segments) is quoted
    // where it is: the citation's quote is what the viewer marks.
    void citationsQuoteWhereTheMatchIs() {
        AnalysisService service(config());
        QByteArray line;
        for (int i = 0; i < 400; ++i)
            line += "Each party shall give written notice of the term within thirty days. ";
        line += "The indemnification cap equals twelve months of fees. ";
        for (int i = 0; i < 100; ++i)
            line += "Each party shall give written notice of the term within thirty days. ";
        const std::int64_t id = addText(service, "unwrapped.txt", line + "\n");
        QVERIFY(id > 0);
        JobControl job;
        const Answer a = service.ask(id, "indemnification cap", {}, job);
        QVERIFY(!a.citations.empty());
        QCOMPARE(a.citations[0].lineStart, 1);
        QVERIFY2(a.citations[0].quote.find("The indemnification cap equals") == 0,
                 a.citations[0].quote.c_str());
    }

    // An identifier asked about is searched as written: the places that say only "allow" or
    // only "nan" are not passages for "allow_nan".
    void identifiersAreSearchedWhole() {
        AnalysisService service(config());
        const std::int64_t id =
            addText(service, "options.txt",
                    "We allow guests in the lobby.\n\nThe naan and nan bread are baked daily.\n\n"
                    "Set allow_nan to accept NaN values.\n\nStaff allow deliveries before nine.\n");
        QVERIFY(id > 0);
        JobControl job;
        const Answer a = service.ask(id, "what does allow_nan do?", {}, job);
        QCOMPARE(a.citations.size(), std::size_t{1});
        QCOMPARE(a.citations[0].lineStart, 5);
    }

    // A contents entry that matches names the section; the text that matches is the answer.
    void contentsEntriesGiveWayToTheText() {
        AnalysisService service(config());
        const std::int64_t id =
            addText(service, "manual.txt",
                    "Contents\n\nWriting suppression files .................. 73\n"
                    "Running the checker ....................... 75\n\n"
                    "Suppression files are plain text: each entry names an error kind and the "
                    "stack that should not be reported.\n");
        QVERIFY(id > 0);
        JobControl job;
        const Answer a = service.ask(id, "writing suppression files", {}, job);
        QCOMPARE(a.citations.size(), std::size_t{1});
        QCOMPARE(a.citations[0].lineStart, 6);
        // Where only the contents match, they are what there is.
        const Answer only = service.ask(id, "running the checker", {}, job);
        QCOMPARE(only.citations.size(), std::size_t{1});
        QCOMPARE(only.citations[0].lineStart, 3);
    }

    void sessionsContinueAndKeepHistory() {
        LV_REQUIRE_FIXTURES();
        AnalysisService service(config(fixtureModel()));
        JobControl job;
        std::string streamed;
        job.token = [&](const std::string& piece) { streamed += piece; };
        const std::int64_t id = service.resolveDocument(document().toStdString(), job);
        const Answer first = service.ask(id, "Who pays?", {}, job);
        QCOMPARE(streamed, first.text); // streamed pieces add up to the answer
        const Answer second = service.ask(id, "And when?", first.sessionId, job);
        QCOMPARE(second.sessionId, first.sessionId);
        // The earlier turn is part of the prompt, the document still comes from the cache.
        QVERIFY(second.metrics.stateResumed);
        QVERIFY(second.metrics.tokensRead >
                first.metrics.tokensRead - first.metrics.documentTokens);
        const auto messages = service.messages(first.sessionId);
        QCOMPARE(messages.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(messages[1].question), QString("And when?"));
        const auto sessions = service.sessions(id);
        QCOMPARE(sessions.size(), std::size_t(1));
        QCOMPARE(sessions[0].lastActiveAt, messages[1].createdAt);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, service.ask(id, "x", 999999, job));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, service.ask(id, " \n", {}, job));
        QCOMPARE(service.messages(first.sessionId).size(), std::size_t(2)); // nothing stored
    }

    // A summary is kept in the library: found again by a new service (a restart), for
    // the document's current content only, replaced per model, gone with the document.
    void summariesAreKeptForTheDocumentVersion() {
        const QString path = document();
        std::int64_t id = 0;
        Summary first;
        {
            AnalysisService service(config());
            JobControl job;
            std::vector<std::string> stages;
            job.progress = [&](const std::string& stage, std::int64_t, std::int64_t) {
                stages.push_back(stage);
            };
            id = service.resolveDocument(path.toStdString(), job);
            QVERIFY(!service.storedSummary(id));
            first = service.summarize(id, job);
            QVERIFY(first.extractive);
            QVERIFY(!first.storedAt.empty());
            QVERIFY(first.storeError.empty());
            QCOMPARE(stages.back(), std::string("store"));
        }
        AnalysisService service(config());
        const auto kept = service.storedSummary(id);
        QVERIFY(kept);
        QCOMPARE(kept->text, first.text);
        QCOMPARE(kept->citations.size(), first.citations.size());
        QCOMPARE(kept->citations.front().segmentId, first.citations.front().segmentId);
        QCOMPARE(kept->citations.front().quote, first.citations.front().quote);
        QVERIFY(kept->extractive);
        QCOMPARE(kept->storedAt, first.storedAt);

        // The file changes and is read again: the summary described the old text.
        QFile f(path);
        QVERIFY(f.open(QIODevice::Append));
        f.write("Clause 9. The buyer may inspect the goods before paying.\n");
        f.close();
        JobControl job;
        QCOMPARE(service.resolveDocument(path.toStdString(), job), id);
        service.ingest(path.toStdString(), job);
        QVERIFY(!service.storedSummary(id));
        const Summary second = service.summarize(id, job);
        QVERIFY(QString::fromStdString(service.storedSummary(id)->text) ==
                QString::fromStdString(second.text));
        service.removeDocument(id);
        QVERIFY_THROWS_EXCEPTION(std::exception, service.storedSummary(id));
    }

    // A document longer than the model's context: the answer reads the passages that best
    // match, the summary is made from summaries of parts, and both say so in their metrics,
    // kept with them in the library.
    void documentsLongerThanTheContextSayWhatWasRead() {
        LV_REQUIRE_FIXTURES();
        AnalysisService service(config(fixtureModel())); // a context of 2048 tokens
        JobControl job;
        const std::int64_t shortId = service.resolveDocument(document().toStdString(), job);
        const Answer whole = service.ask(shortId, "Who pays?", {}, job);
        QVERIFY(!whole.metrics.coverage.partial());

        const QString path = tmp.filePath("long-terms.txt");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 1; i <= 60; ++i)
            f.write(QString("Clause %1. Shipment %1 leaves the warehouse in week %2 and is "
                            "insured by the carrier until it is signed for.\n\n")
                        .arg(i)
                        .arg(i + 2)
                        .toUtf8());
        f.close();
        const std::int64_t id = service.resolveDocument(path.toStdString(), job);
        const Answer a = service.ask(id, "When does shipment 42 leave?", {}, job);
        const Coverage& cov = a.metrics.coverage;
        QVERIFY(cov.partial());
        QCOMPARE(cov.contextTokens, std::int64_t(2048));
        QVERIFY2(cov.wholeDocumentTokens > 2048,
                 qPrintable(QString::number(cov.wholeDocumentTokens)));
        QVERIFY(cov.passagesRead > 0 && cov.passagesRead < cov.passagesTotal);
        QCOMPARE(cov.passagesTotal, std::int64_t(60));
        QVERIFY(a.metrics.documentTokens < cov.wholeDocumentTokens);
        const auto kept = service.messages(a.sessionId);
        QCOMPARE(kept.size(), std::size_t(1));
        QCOMPARE(kept[0].metrics.coverage.passagesRead, cov.passagesRead);
        QCOMPARE(kept[0].metrics.coverage.wholeDocumentTokens, cov.wholeDocumentTokens);

        const Summary s = service.summarize(id, job);
        QVERIFY(!s.extractive);
        QVERIFY(s.metrics.coverage.partial());
        QVERIFY(s.metrics.coverage.summaryParts > 1);
        QCOMPARE(s.metrics.coverage.passagesTotal, std::int64_t(0));
        QCOMPARE(service.storedSummary(id)->metrics.coverage.summaryParts,
                 s.metrics.coverage.summaryParts);
    }

    // What the context leaves the document: an answer asked longer than the context still
    // leaves it half, a context asked longer than the model's is the model's, a paragraph
    // longer than a summary's part is read in slices, and a context too small for the
    // prompt itself is refused with the numbers.
    void theDocumentAlwaysGetsPartOfTheContext() {
        LV_REQUIRE_FIXTURES();
        JobControl job;
        {
            ServiceConfig c = config(fixtureModel());
            c.maxNewTokens = 4000; // the model's context is 2048
            AnalysisService service(c);
            const std::int64_t id = service.resolveDocument(document().toStdString(), job);
            const Answer a = service.ask(id, "Who pays?", {}, job);
            QVERIFY(!a.metrics.coverage.partial());
            QVERIFY2(a.metrics.documentTokens > 200,
                     qPrintable(QString::number(a.metrics.documentTokens)));
        }
        // One paragraph of some 4000 tokens, no blank line in it.
        const QString path = tmp.filePath("one-paragraph.txt");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 1; i <= 80; ++i)
            f.write(QString("Item %1 is shipped in week %2 and insured until signed for.\n")
                        .arg(i)
                        .arg(i + 2)
                        .toUtf8());
        f.close();
        {
            ServiceConfig c = config(fixtureModel());
            c.contextLength = 100000;
            AnalysisService service(c);
            const std::int64_t id = service.resolveDocument(path.toStdString(), job);
            const Answer a = service.ask(id, "When is item 42 shipped?", {}, job);
            QCOMPARE(a.metrics.coverage.contextTokens, std::int64_t(2048));
            QCOMPARE(a.metrics.coverage.passagesTotal, std::int64_t(1));
            QCOMPARE(a.metrics.coverage.passagesRead, std::int64_t(1)); // slices of it
            QVERIFY(a.metrics.documentTokens > 0 && a.metrics.documentTokens < 2048);
        }
        {
            ServiceConfig c = config(fixtureModel());
            c.contextLength = 1024;
            AnalysisService service(c);
            const std::int64_t id = service.resolveDocument(path.toStdString(), job);
            const Summary s = service.summarize(id, job);
            QVERIFY(s.metrics.coverage.summaryParts > 2);
            QCOMPARE(s.metrics.coverage.contextTokens, std::int64_t(1024));
        }
        {
            ServiceConfig c = config(fixtureModel());
            c.contextLength = 300;
            AnalysisService service(c);
            const std::int64_t id = service.resolveDocument(path.toStdString(), job);
            try {
                service.summarize(id, job);
                QFAIL("a context of 300 tokens was accepted");
            } catch (const std::runtime_error& e) {
                QVERIFY2(QString(e.what()).contains("the context of 300 tokens is too small"),
                         e.what());
            }
        }
    }

    void modelsAreListedAndRemembered() {
        LV_REQUIRE_FIXTURES();
        {
            AnalysisService service(config());
            QVERIFY(!service.hasModel());
            service.setModelsFolder((lv::test::fixturesDir() + "/models").toStdString());
            const auto models = service.models();
            QVERIFY(models.size() >= 9);
            bool sawGranite = false;
            for (const auto& m : models) {
                QVERIFY(m.parameters > 0);
                QVERIFY(m.weightBytes > 0);
                QVERIFY(!m.gpuNote.empty());
                sawGranite |= m.architecture == "granitemoehybrid";
            }
            QVERIFY(sawGranite);
            QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                     service.setDefaultModel(tmp.path().toStdString()));
            service.setDefaultModel(fixtureModel().toStdString());
        }
        AnalysisService later(config());
        QVERIFY(later.hasModel()); // remembered in the library's settings
        int defaults = 0;
        for (const auto& m : later.models())
            defaults += m.isDefault;
        QCOMPARE(defaults, 1);
        // And forgotten: back to extractive answers, now and in the next session.
        JobControl job;
        const std::int64_t id = later.resolveDocument(document().toStdString(), job);
        QVERIFY(!later.ask(id, "when does the buyer pay", {}, job).extractive);
        later.setDefaultModel("");
        QVERIFY(!later.hasModel());
        QVERIFY(later.ask(id, "when does the buyer pay", {}, job).extractive);
        QVERIFY(!AnalysisService(config()).hasModel());
    }
};

QTEST_GUILESS_MAIN(AnalysisServiceTest)
#include "tst_analysis_service.moc"
