// Text and Markdown files: section paths from headings, line ranges, decoding
// (UTF-8, BOMs, UTF-16, Latin-1, Windows-1252), CRLF, typed errors, kinds.

#include "ingest/Ingest.h"
#include "ingest/ModelText.h"
#include "ingest/text/NumberedHeading.h"
#include "ingest/text/TextDecoding.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <tuple>

using namespace lv::ingest;

namespace {

QString write(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes) {
    const QString path = dir.filePath(name);
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(bytes);
    return path;
}

const Segment* findSegment(const Document& doc, const QString& needle) {
    for (const Segment& s : doc.segments)
        if (s.text.contains(needle)) return &s;
    return nullptr;
}

template <typename E, typename F> QString messageOf(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

const char* kMarkdown = R"(# Longview Guide

Intro paragraph
over two lines.

## Install

Run the installer.

```sh
# not a heading: inside a fence
make install
```

Setext Heading
--------------

| Option | Meaning |
| ------ | ------- |
| --json | machine output |

### Deep ###

Deep text.

# Appendix

The end.
)";

} // namespace

class IngestTextTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private slots:
    void numberedHeadings() {
        auto rank = [](const char* line) {
            const auto h = parseNumberedHeading(QString::fromUtf8(line));
            return h ? h->rank : -1;
        };
        QCOMPARE(rank("§ 12 Penalties"), 40);
        QCOMPARE(rank("§12"), 40);
        QCOMPARE(rank("Article 5"), 40);
        QCOMPARE(rank("ARTICLE 5 - Obligations of providers"), 40);
        QCOMPARE(rank("Section 4"), 30);
        QCOMPARE(rank("Chapter II General provisions"), 20);
        QCOMPARE(rank("Part 3"), 10);
        QCOMPARE(rank("Appendix B Tables"), 20);
        QCOMPARE(rank("3.2.1 Scope"), 53);
        QCOMPARE(rank("3.2.1. Scope of application"), 53);
        QCOMPARE(rank("1 Introduction"), 51);
        QCOMPARE(rank("A.1 Tables"), 52);
        QCOMPARE(rank("0. Definitions."), 51);
        QCOMPARE(parseNumberedHeading(u"3.2.1 Scope")->number, QStringLiteral("3.2.1"));
        // Sentences and list items are not headings.
        QCOMPARE(rank("2023 was a good year"), -1);
        QCOMPARE(rank("3 apples fell from the tree"), -1);
        QCOMPARE(rank("1. The provider shall keep records of every transaction for five years."),
                 -1);
        QCOMPARE(rank("Sectional view"), -1);
        // A clause that introduces a list, and one whose full stop a footnote's marker
        // follows, are sentences; a short title with a colon or a marker is a heading.
        QCOMPARE(rank("1.1 In this Agreement the following definitions apply:"), -1);
        QCOMPARE(rank("2.1 The Supplier shall:"), -1);
        QCOMPARE(rank("6.2 The exit plan should be tested at least every two years.⁶"), -1);
        QCOMPARE(rank("6.2 The exit plan should be tested every two years.(¹²)"), -1);
        QCOMPARE(rank("Annex II Tables:"), 20);
        QCOMPARE(rank("3 Results¹"), 51);
    }

    void markdownHeadingsBecomeSectionPaths() {
        const QString path = write(dir_, "guide.md", kMarkdown);
        const Document d = ingestPath(path);
        QCOMPARE(d.kind, DocumentKind::Text);
        QCOMPARE(d.title, QStringLiteral("Longview Guide"));
        QCOMPARE(d.files.size(), std::size_t(1));
        QCOMPARE(d.files[0].language, QStringLiteral("Markdown"));

        const Segment* intro = findSegment(d, "Intro paragraph");
        QVERIFY(intro);
        QCOMPARE(intro->text, QStringLiteral("Intro paragraph\nover two lines."));
        QCOMPARE(intro->lineStart, 3);
        QCOMPARE(intro->lineEnd, 4);
        QCOMPARE(intro->sectionPath, QStringList{"Longview Guide"});
        QCOMPARE(intro->filePath, QStringLiteral("guide.md"));

        const Segment* fence = findSegment(d, "make install");
        QVERIFY(fence);
        QCOMPARE(fence->role, SegmentRole::Code);
        QCOMPARE(fence->sectionPath, (QStringList{"Longview Guide", "Install"}));
        QCOMPARE(fence->lineStart, 10);
        QCOMPARE(fence->lineEnd, 13);

        const Segment* table = findSegment(d, "| --json");
        QVERIFY(table);
        QCOMPARE(table->role, SegmentRole::Table);
        QCOMPARE(table->sectionPath, (QStringList{"Longview Guide", "Setext Heading"}));

        QCOMPARE(findSegment(d, "Deep text.")->sectionPath,
                 (QStringList{"Longview Guide", "Setext Heading", "Deep"}));
        QCOMPARE(findSegment(d, "The end.")->sectionPath, QStringList{"Appendix"});
        const Segment* heading = findSegment(d, "## Install");
        QVERIFY(heading);
        QCOMPARE(heading->role, SegmentRole::Heading);
    }

    void modelTextOfATextFileIsTheFile() {
        const QString path = write(dir_, "roundtrip.md", kMarkdown);
        QCOMPARE(modelText(ingestPath(path)), QString::fromUtf8(kMarkdown));
    }

    void plainTextHeadings() {
        const QByteArray text = "                    GNU GENERAL PUBLIC LICENSE\n"
                                "\n"
                                "                       TERMS AND CONDITIONS\n"
                                "\n"
                                "  0. Definitions.\n"
                                "\n"
                                "  \"This License\" refers to version 3 of the License.\n"
                                "\n"
                                "  1. Source Code.\n"
                                "\n"
                                "  The \"source code\" for a work means the preferred form.\n"
                                "\n"
                                "Article 5\n"
                                "Obligations of providers\n"
                                "\n"
                                "Providers shall keep records.\n"
                                "\n"
                                "Overview\n"
                                "========\n"
                                "\n"
                                "Underlined headings too.\n";
        const Document d = ingestPath(write(dir_, "LICENSE", text));
        QCOMPARE(d.files[0].language, QStringLiteral("Text"));
        QCOMPARE(d.title, QStringLiteral("GNU GENERAL PUBLIC LICENSE"));
        QCOMPARE(findSegment(d, "refers to version 3")->sectionPath,
                 (QStringList{"TERMS AND CONDITIONS", "0. Definitions."}));
        QCOMPARE(findSegment(d, "preferred form")->sectionPath,
                 (QStringList{"TERMS AND CONDITIONS", "1. Source Code."}));
        QCOMPARE(findSegment(d, "keep records")->sectionPath,
                 (QStringList{"TERMS AND CONDITIONS", "Article 5"}));
        const Segment* article = findSegment(d, "Article 5");
        QCOMPARE(article->role, SegmentRole::Heading);
        QCOMPARE(article->text, QStringLiteral("Article 5\nObligations of providers"));
        QCOMPARE(findSegment(d, "Underlined headings")->sectionPath, QStringList{"Overview"});
        QCOMPARE(findSegment(d, "refers to version 3")->lineStart, 7);
    }

    void realLicenseFile() {
        const QString gpl = QStringLiteral("/usr/share/common-licenses/GPL-3");
        if (!QFile::exists(gpl)) QSKIP("/usr/share/common-licenses/GPL-3 is not installed");
        const Document d = ingestPath(gpl);
        const Segment* s = findSegment(d, "\"This License\" refers to version 3");
        QVERIFY(s);
        QVERIFY2(s->sectionPath.join(" / ").endsWith("0. Definitions."),
                 qPrintable(s->sectionPath.join(" / ")));
        QFile f(gpl);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(modelText(d).trimmed(), QString::fromUtf8(f.readAll()).trimmed());
    }

    void legacyEncodingsAreDecodedAndNoted() {
        const Document latin = ingestPath(write(dir_, "latin1.txt", "Caf\xe9 cr\xe8me\n"));
        QCOMPARE(latin.files[0].encoding, QStringLiteral("ISO-8859-1"));
        QCOMPARE(modelText(latin), QStringLiteral("Café crème\n"));
        QVERIFY(latin.warnings.join('\n').contains("latin1.txt: not UTF-8, decoded as ISO-8859-1"));

        const Document win = ingestPath(write(dir_, "cp1252.txt", "\x93Quoted\x94 \x96 5 \x80\n"));
        QCOMPARE(win.files[0].encoding, QStringLiteral("Windows-1252"));
        QCOMPARE(modelText(win), QStringLiteral("\u201CQuoted\u201D \u2013 5 \u20AC\n"));

        const Document bom = ingestPath(write(dir_, "bom.txt", "\xEF\xBB\xBFH\xC3\xA9llo\n"));
        QCOMPARE(bom.files[0].encoding, QStringLiteral("UTF-8 (BOM)"));
        QCOMPARE(modelText(bom), QStringLiteral("Héllo\n"));
        QVERIFY(bom.warnings.isEmpty());

        const QString utf16 = QStringLiteral("Wide text\n");
        QByteArray le("\xFF\xFE", 2);
        for (QChar c : utf16) {
            le.append(static_cast<char>(c.unicode() & 0xFF));
            le.append(static_cast<char>(c.unicode() >> 8));
        }
        const Document wide = ingestPath(write(dir_, "utf16.txt", le));
        QCOMPARE(wide.files[0].encoding, QStringLiteral("UTF-16LE"));
        QCOMPARE(modelText(wide), utf16);
        QVERIFY(wide.warnings.isEmpty());
    }

    // Damaged Unicode: what can be read is kept, the rest is U+FFFD, and the file is named.
    void damagedUnicodeIsNoted() {
        const Document bom = ingestPath(write(dir_, "bad-bom.txt", "\xEF\xBB\xBFok \xC3\n"));
        QCOMPARE(modelText(bom), QStringLiteral("ok \uFFFD\n"));
        QVERIFY2(bom.warnings.join('\n').contains("bad-bom.txt: invalid UTF-8 bytes replaced"),
                 qPrintable(bom.warnings.join('\n')));

        // A UTF-16 file cut in the middle of a code unit.
        QByteArray be("\xFE\xFF", 2);
        for (char c : QByteArray("Wide"))
            be.append('\0').append(c);
        be.append('\0');
        const Document cut = ingestPath(write(dir_, "cut.txt", be));
        QCOMPARE(cut.files[0].encoding, QStringLiteral("UTF-16BE"));
        QCOMPARE(modelText(cut), QStringLiteral("Wide\uFFFD\n"));
        QVERIFY2(cut.warnings.join('\n').contains("cut.txt: invalid UTF-16BE bytes replaced"),
                 qPrintable(cut.warnings.join('\n')));
    }

    void crlfIsNormalised() {
        const Document d = ingestPath(write(dir_, "dos.txt", "one\r\ntwo\r\n\r\nthree\rfour\r\n"));
        QVERIFY(d.files[0].crlf);
        QCOMPARE(d.files[0].lines, 5);
        QCOMPARE(modelText(d), QStringLiteral("one\ntwo\n\nthree\nfour\n"));
        QCOMPARE(findSegment(d, "three")->lineStart, 4);
        DecodedText t = decodeText("a\r\nb");
        QCOMPARE(t.text, QStringLiteral("a\nb"));
        QVERIFY(t.crlf);
    }

    void aSingleSourceFileIsCode() {
        QByteArray code = "#!/usr/bin/env python3\n";
        for (int i = 0; i < 100; ++i)
            code += "print(" + QByteArray::number(i) + ")\n";
        const Document d = ingestPath(write(dir_, "tool", code));
        QCOMPARE(d.files[0].language, QStringLiteral("Python"));
        QCOMPARE(d.metadata.extra.value("language"), QStringLiteral("Python"));
        QVERIFY(d.segments.size() >= 2); // chunks of at most 80 lines
        for (const Segment& s : d.segments) {
            QCOMPARE(s.role, SegmentRole::Code);
            QVERIFY(s.lineEnd - s.lineStart < 80);
        }
        QCOMPARE(d.segments.front().lineStart, 1);
        QCOMPARE(d.segments.back().lineEnd, 101);
        QCOMPARE(modelText(d), QString::fromUtf8(code));
    }

    // A line longer than a segment may be (a minified script, a text without line breaks)
    // becomes several segments of that line, cut after spaces where there are any, never
    // inside a character; the model text puts the line back together.
    void longLinesBecomeSeveralSegments() {
        QByteArray minified = "var a=1;\n";
        for (int i = 0; i < 3000; ++i)
            minified += "f" + QByteArray::number(i) + "(x)&&g(y);";
        minified += "\nvar b=2;\n";
        QByteArray prose;
        for (int i = 0; i < 4000; ++i)
            prose += "Überlänge " + QByteArray::number(i) + " ";
        QByteArray solid;
        for (int i = 0; i < 9000; ++i)
            solid += "\xF0\x9F\x93\x84"; // a character outside the BMP: a surrogate pair
        for (const auto& [name, bytes, longLine] :
             {std::tuple{"bundle.min.js", minified, 2}, std::tuple{"notes.txt", prose, 1},
              std::tuple{"icons.txt", solid, 1}}) {
            const Document d = ingestPath(write(dir_, name, bytes));
            QString line;
            int pieces = 0;
            for (const Segment& s : d.segments) {
                QVERIFY2(s.text.size() <= 8000, name);
                if (s.lineStart != longLine) continue;
                QCOMPARE(s.lineEnd, longLine);
                QVERIFY2(!s.text.isEmpty() && !s.text.front().isLowSurrogate(), name);
                line += s.text;
                ++pieces;
            }
            QVERIFY2(pieces >= 2, name);
            QCOMPARE(line, QString::fromUtf8(bytes).split(QLatin1Char('\n'))[longLine - 1]);
            QString expected = QString::fromUtf8(bytes);
            if (!expected.endsWith(QLatin1Char('\n'))) expected += QLatin1Char('\n');
            QCOMPARE(modelText(d), expected);
        }
        // Where a line has spaces, no piece ends inside a word.
        const Document d = ingestPath(dir_.filePath("notes.txt"));
        for (std::size_t i = 0; i + 1 < d.segments.size(); ++i)
            QVERIFY2(d.segments[i].text.endsWith(QLatin1Char(' ')),
                     qPrintable(d.segments[i].text.right(20)));
    }

    void errorsNameTheFile() {
        const QString bin = write(dir_, "image.dat", QByteArray("\x00\x01\x02\x03 binary", 11));
        QString m = messageOf<UnsupportedSourceError>([&] { ingestPath(bin); });
        QVERIFY2(m.startsWith(bin + ": binary file"), qPrintable(m));
        m = messageOf<SourceNotFoundError>([&] { ingestPath(dir_.filePath("missing.txt")); });
        QCOMPARE(m, dir_.filePath("missing.txt") + ": no such file or directory");
        m = messageOf<SourceNotFoundError>([&] { contentHash(dir_.filePath("missing.txt")); });
        QVERIFY(!m.isEmpty());
        m = messageOf<SourceNotFoundError>([&] { ingestPath(QString()); });
        QVERIFY(!m.isEmpty());
        m = messageOf<UnsupportedSourceError>([&] { ingestPath(QStringLiteral("/dev/zero")); });
        QCOMPARE(m, QStringLiteral("/dev/zero: not a regular file or a folder"));
        // Every ingest error is a std::runtime_error (exit status 1 in the CLI).
        bool runtime = false;
        try {
            ingestPath(bin);
        } catch (const std::runtime_error&) {
            runtime = true;
        }
        QVERIFY(runtime);
    }

    void kindsAndHashes() {
        const QString md = write(dir_, "kind.md", "# x\n");
        QCOMPARE(detectKind(md), DocumentKind::Text);
        QCOMPARE(detectKind(dir_.path()), DocumentKind::Codebase);
        QCOMPARE(detectKind(write(dir_, "doc.bin", "junk\n%PDF-1.7\n")), DocumentKind::Pdf);
        const Document d = ingestPath(md);
        QCOMPARE(d.contentHash, contentHash(md));
        QCOMPARE(
            d.contentHash,
            QStringLiteral("253b610bd786f2543252c8d4b45bb40eb375882587f825cb9ce1fd1241f66f1e"));
        write(dir_, "kind.md", "# y\n");
        QVERIFY(contentHash(md) != d.contentHash);
    }
};

QTEST_MAIN(IngestTextTest)
#include "tst_ingest_text.moc"
