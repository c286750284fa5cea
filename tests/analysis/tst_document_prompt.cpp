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

    // A page label two pages carry (parts of a manual each numbered from 1) is cited with
    // the page's place in the file; a label of one page alone stays as it is.
    void repeatedPageLabelsNameThePdfPage() {
        lv::storage::DocumentRecord doc;
        doc.kind = "pdf";
        std::vector<lv::storage::SegmentRecord> segments(3);
        const std::int64_t pages[] = {2, 47, 265};
        const char* labels[] = {"iii", "48", "48"};
        for (int i = 0; i < 3; ++i) {
            segments[i].id = 10 + i;
            segments[i].text = "Text of the page.";
            segments[i].pageIndex = pages[i];
            segments[i].pageLabel = labels[i];
        }
        const auto units = unitsFromSegments(doc, segments);
        QCOMPARE(QString::fromStdString(units[0].citation.label), QString("p. iii"));
        QCOMPARE(QString::fromStdString(units[1].citation.label), QString("p. 48 (PDF page 48)"));
        QCOMPARE(QString::fromStdString(units[2].citation.label), QString("p. 48 (PDF page 266)"));
        QCOMPARE(units[2].citation.pageLabel, std::string("48")); // what the model reads
    }

    // Ingest cuts a line too long for one segment into several segments of that line; the
    // text as a reader sees it has the line whole again, and the file's blank lines where
    // they were, in a codebase and in a text file.
    void continuedLinesAreWholeInThePlainText() {
        for (const char* kind : {"codebase", "text"}) {
            lv::storage::DocumentRecord doc;
            doc.kind = kind;
            std::vector<lv::storage::SegmentRecord> segments(4);
            const char* texts[] = {"first line", "a long li", "ne goes on", "last"};
            const int lines[][2] = {{1, 1}, {2, 2}, {2, 2}, {4, 4}};
            for (int i = 0; i < 4; ++i) {
                segments[i].text = texts[i];
                segments[i].filePath = "a.txt";
                segments[i].lineStart = lines[i][0];
                segments[i].lineEnd = lines[i][1];
            }
            // (line 3 was blank; lines 1 and 2 were one paragraph)
            const std::string expected =
                std::string(kind) == "codebase"
                    ? "=== a.txt ===\nfirst line\na long line goes on\n\nlast\n"
                    : "first line\na long line goes on\n\nlast\n";
            QCOMPARE(plainText(doc, segments), expected);
        }
    }

    // A unit longer than the budget (a file of 300 lines, a page of one long line) becomes
    // slices that each fit, cut at line breaks where there are any, whose text put together
    // is the unit's and whose line numbers are those of the file; units that fit are kept.
    void oversizedUnitsBecomeSlicesThatFit() {
        // one token a 4 bytes, as a rough tokenizer would count
        const auto tokens = [](const std::string& t) { return std::int64_t(t.size() / 4 + 1); };
        SourceUnit code = file("src/big.cpp", 10, 309);
        for (int i = 10; i <= 309; ++i)
            code.text += "int value" + std::to_string(i) + " = " + std::to_string(i) + ";\n";
        code.text.pop_back();
        SourceUnit small = file("src/small.cpp", 1, 2);
        small.text = "int a;\nint b;";
        const std::vector<SourceUnit> units{small, code};
        const std::int64_t budget = 200;
        const auto within = unitsWithin(units, DocumentKind::Codebase, budget, tokens);
        QVERIFY2(within.size() > 3, qPrintable(QString::number(within.size())));
        QCOMPARE(within[0].text, small.text);
        std::string joined;
        int nextLine = 10;
        for (std::size_t i = 1; i < within.size(); ++i) {
            const SourceUnit& u = within[i];
            QVERIFY(tokens(promptText(within, i, i + 1, DocumentKind::Codebase)) <= budget);
            QCOMPARE(u.citation.lineStart, nextLine);
            // the slice's first numbered line is the file's line of that number
            const std::string first = u.text.substr(0, u.text.find('\n'));
            QCOMPARE(first, "int value" + std::to_string(nextLine) + " = " +
                                std::to_string(nextLine) + ";");
            QCOMPARE(QString::fromStdString(u.citation.label),
                     QString::fromStdString(
                         lineRangeLabel("src/big.cpp", u.citation.lineStart, u.citation.lineEnd)));
            nextLine = u.citation.lineEnd + 1;
            joined += u.text;
        }
        QCOMPARE(nextLine, 310);
        QCOMPARE(joined, code.text);

        // A PDF page of one line with no break at all: slices at spaces, or anywhere when
        // there are none, never inside a UTF-8 character.
        SourceUnit page;
        page.citation.pageIndex = 4;
        page.citation.pageLabel = "v";
        page.citation.label = "p. v";
        for (int i = 0; i < 400; ++i)
            page.text += "überlänge ";
        SourceUnit solid = page;
        solid.text.clear();
        for (int i = 0; i < 900; ++i)
            solid.text += "é";
        for (const SourceUnit& u : {page, solid}) {
            const auto slices = unitsWithin({u}, DocumentKind::Pdf, 100, tokens);
            QVERIFY(slices.size() > 2);
            std::string all;
            for (std::size_t i = 0; i < slices.size(); ++i) {
                QVERIFY(tokens(promptText(slices, i, i + 1, DocumentKind::Pdf)) <= 100);
                QCOMPARE(QString::fromStdString(slices[i].citation.label), QString("p. v"));
                QVERIFY(QString::fromUtf8(slices[i].text.c_str()).toUtf8().toStdString() ==
                        slices[i].text); // whole characters only
                all += slices[i].text;
            }
            QCOMPARE(all, u.text);
        }
    }
};

QTEST_GUILESS_MAIN(DocumentPromptTest)
#include "tst_document_prompt.moc"
