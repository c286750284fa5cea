// The text a model reads for a document: its citation markers, and the files a question names.

#include "analysis/CitationResolver.h"
#include "analysis/DocumentPrompt.h"

#include <QtTest>

using namespace lv::analysis;

namespace {
SourceUnit file(const std::string& path, int a, int b) {
    SourceUnit u;
    u.citation.filePath = path;
    u.citation.lineStart = a;
    u.citation.lineEnd = b;
    u.citation.label = lineRangeLabel(path, a, b);
    return u;
}
} // namespace

class DocumentPromptTest : public QObject {
    Q_OBJECT
private slots:
    // A text file whose name has hyphens: the prompt's paragraph markers name it whole, and a
    // marker the model copies back resolves to its paragraph.
    void textMarkersRoundTripWithHyphenatedNames() {
        lv::storage::DocumentRecord doc;
        doc.id = 3;
        doc.kind = "text";
        doc.sourcePath = "/home/ana/terms-of-service.txt";
        std::vector<lv::storage::SegmentRecord> segments(2);
        segments[0].id = 11;
        segments[0].text = "Fees are due monthly.";
        segments[0].lineStart = 1;
        segments[0].lineEnd = 3;
        segments[1].id = 12;
        segments[1].text = "Either party may end the agreement.";
        segments[1].lineStart = 5;
        segments[1].lineEnd = 9;
        const auto units = unitsFromSegments(doc, segments);
        QCOMPARE(QString::fromStdString(units[1].citation.label),
                 QString("terms-of-service.txt:5-9"));
        const std::string prompt = promptText(units, 0, units.size(), DocumentKind::Text);
        QVERIFY2(prompt.find("[terms-of-service.txt:5] Either party") != std::string::npos,
                 prompt.c_str());
        const auto c = resolveCitations("It can be ended [terms-of-service.txt:5].", units);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].segmentId, std::int64_t(12));
        QCOMPARE(QString::fromStdString(c[0].label), QString("terms-of-service.txt:5"));
    }

    void questionsNameFiles() {
        const std::vector<SourceUnit> units = {
            file("src/io/read.c", 1, 40), file("src/über/blick.cpp", 1, 9),
            file("src/überblick.cpp", 1, 9), file("tools/make-release.sh", 1, 20)};
        const auto named = [&](const char* question) {
            std::vector<std::string> paths;
            for (std::size_t i : unitsOfNamedFiles(question, units))
                paths.push_back(units[i].citation.filePath);
            return paths;
        };
        QCOMPARE(named("What does read.c do?"), std::vector<std::string>{"src/io/read.c"});
        QCOMPARE(named("Explain überblick.cpp."), std::vector<std::string>{"src/überblick.cpp"});
        QCOMPARE(named("And make-release.sh, io/read.c?"),
                 (std::vector<std::string>{"src/io/read.c", "tools/make-release.sh"}));
        QVERIFY(named("Where is the parser?").empty());
    }
};

QTEST_GUILESS_MAIN(DocumentPromptTest)
#include "tst_document_prompt.moc"
