// PDF ingest on PDFs built here: labels, two columns, running headers and
// footers, hyphenation, a table, a footnote, sections, a scan (OCR), an
// encrypted and a damaged copy, a 2,000-page file (memory, progress, cancel).

#include "PdfFixtures.h"

#include "ingest/Ingest.h"
#include "ingest/ModelText.h"
#include "ingest/pdf/PageLayout.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFontMetricsF>
#include <QPainter>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <stop_token>

using namespace lv::ingest;

namespace {

IngestOptions noOcr() {
    IngestOptions o;
    o.ocr = OcrMode::Off;
    return o;
}

const Segment* findSegment(const Document& doc, const QString& needle) {
    for (const Segment& s : doc.segments)
        if (s.text.contains(needle)) return &s;
    return nullptr;
}

QString pageText(const Document& doc, int page) {
    QStringList parts;
    for (const Segment& s : doc.segments)
        if (s.pageIndex == page && !s.isMarginal()) parts << s.text;
    return parts.join(QLatin1Char('\n'));
}

// Kilobytes from /proc/self/status.
qint64 statusKb(const char* key) {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(qstrlen(key)).trimmed().split(' ').front().toLongLong();
    return -1;
}

QFont fontOf(const char* family, double points) {
    QFont f(QString::fromLatin1(family));
    f.setPointSizeF(points);
    return f;
}

// `text` broken into lines of at most `width` points, as a typesetter sets ragged-right
// text: each line takes as many words as fit.
QStringList wrapped(const QString& text, const QFont& font, QPaintDevice* device, double width) {
    const QFontMetricsF metrics(font, device);
    QStringList lines;
    QString line;
    for (const QString& word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString longer = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
        if (!line.isEmpty() && metrics.horizontalAdvance(longer) > width) {
            lines << line;
            line = word;
        } else {
            line = longer;
        }
    }
    if (!line.isEmpty()) lines << line;
    return lines;
}

// Draws `lines` from (x, y) down; returns the y of the line after them.
double drawLines(QPainter& p, double x, double y, const QStringList& lines, double leading) {
    for (const QString& line : lines) {
        p.drawText(QPointF(x, y), line);
        y += leading;
    }
    return y;
}

QStringList bodySegments(const Document& doc, int page) {
    QStringList out;
    for (const Segment& s : doc.segments)
        if (s.pageIndex == page && !s.isMarginal()) out << s.text;
    return out;
}

template <typename E, typename F> QString messageOf(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class IngestPdfTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString report_, plain_;
    Document reportDoc_; // OCR off

    QString path(const QString& name) const { return dir_.filePath(name); }

    // The report encrypted by qpdf (user password "s3cret"), or empty without qpdf.
    QString encryptedPdf() {
        const QString qpdf = QStandardPaths::findExecutable("qpdf");
        const QString file = path("encrypted.pdf");
        if (qpdf.isEmpty()) return {};
        if (!QFile::exists(file) && QProcess::execute(qpdf, {"--encrypt", "s3cret", "owner-pw",
                                                             "256", "--", report_, file}) != 0)
            return {};
        return file;
    }

    // The 2,000-page file, written once for the tests that need it.
    QString longPdf() {
        const QString file = path("long.pdf");
        if (!QFile::exists(file)) lv::test::writeFile(file, lv::test::buildLongPdf(2000));
        return file;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        if (!qEnvironmentVariableIsEmpty("LONGVIEW_KEEP_TEST_FILES")) {
            dir_.setAutoRemove(false);
            qInfo() << "test files in" << dir_.path();
        }
        report_ = path("report.pdf");
        plain_ = path("plain.pdf");
        QVERIFY(lv::test::writeFile(report_, lv::test::buildReportPdf()));
        QVERIFY(lv::test::writeFile(plain_, lv::test::buildReportPdf({false, false})));
        reportDoc_ = ingestPath(report_, noOcr());
    }

    void metadataAndHash() {
        const Document& d = reportDoc_;
        QCOMPARE(d.kind, DocumentKind::Pdf);
        QCOMPARE(d.title, QStringLiteral("Longview Test Report"));
        QCOMPARE(d.metadata.author, QStringLiteral("Ada Lovelace"));
        QCOMPARE(d.metadata.creator, QStringLiteral("Longview tests"));
        QVERIFY(d.metadata.created.isValid());
        QCOMPARE(d.metadata.pageCount, 6);
        QCOMPARE(static_cast<int>(d.pages.size()), 6);
        QFile f(report_);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString sha = QString::fromLatin1(
            QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex());
        QCOMPARE(d.contentHash, sha);
        QCOMPARE(contentHash(report_), sha);
        QVERIFY(contentHash(plain_) != sha);
        QCOMPARE(detectKind(report_), DocumentKind::Pdf);
    }

    void pageLabelsAsTheReaderSeesThem() {
        const QStringList expected = {"i", "ii", "1", "2", "3", "4"};
        for (int i = 0; i < 6; ++i)
            QCOMPARE(reportDoc_.pages[i].label, expected[i]);
        const Segment* s = findSegment(reportDoc_, "Right03");
        QVERIFY(s);
        QCOMPARE(s->pageIndex, 2);
        QCOMPARE(s->pageLabel, QStringLiteral("1"));
        // Without /PageLabels the labels are the page numbers.
        const Document plain = ingestPath(plain_, noOcr());
        QCOMPARE(plain.pages[0].label, QStringLiteral("1"));
        QCOMPARE(plain.pages[5].label, QStringLiteral("6"));
    }

    void twoColumnsReadColumnByColumn() {
        const QString text = modelText(reportDoc_);
        int last = -1;
        for (const QString& side : {QStringLiteral("Left"), QStringLiteral("Right")})
            for (int k = 0; k < 12; ++k) {
                const QString word = side + QString::number(k).rightJustified(2, QLatin1Char('0'));
                const int at = static_cast<int>(text.indexOf(word));
                QVERIFY2(at > last, qPrintable(word + " out of order"));
                last = at;
            }
        for (const Segment& s : reportDoc_.segments)
            QVERIFY2(!(s.text.contains("Left") && s.text.contains("Right")), qPrintable(s.text));
    }

    void hyphenatedWordsAreJoined() {
        const QString text = modelText(reportDoc_);
        QVERIFY(text.contains("these documents Left06"));
        QVERIFY(text.contains("careful experimental design"));
        QVERIFY(!text.contains("docu-"));
        QVERIFY(!text.contains("experi-"));
    }

    void runningHeadersAndFootersAreKeptButNotRead() {
        for (const PageInfo& page : reportDoc_.pages) {
            if (page.index == 4) continue; // the scan
            bool header = false, footer = false;
            for (const Segment& s : reportDoc_.segments) {
                if (s.pageIndex != page.index) continue;
                if (s.role == SegmentRole::Header)
                    header =
                        header || s.text == QStringLiteral("Longview Test Report — Internal Draft");
                if (s.role == SegmentRole::Footer)
                    footer = footer || s.text == QStringLiteral("Page ") + page.label;
                if (!s.isMarginal())
                    QVERIFY2(!s.text.contains("Internal Draft"), qPrintable(s.text));
            }
            QVERIFY2(header && footer, qPrintable(page.label));
        }
        const QString model = modelText(reportDoc_);
        QVERIFY(!model.contains("Internal Draft"));
        QVERIFY(!model.contains("Page ii"));
        ModelTextOptions display;
        display.includeMarginals = true;
        const QString shown = modelText(reportDoc_, display);
        QVERIFY(shown.contains("Internal Draft"));
        QVERIFY(shown.contains("Page ii"));
    }

    void pagesAreSeparatedByFormFeeds() {
        const QString text = modelText(reportDoc_);
        QCOMPARE(text.count(QLatin1Char('\f')), 6);
        QVERIFY(text.endsWith(QLatin1Char('\f')));
        const QStringList pages = text.split(QLatin1Char('\f'));
        QVERIFY(pages[0].startsWith("Longview Test Report"));
        QVERIFY(pages[2].contains("Left00"));
    }

    void tablesKeepTheirRows() {
        const Segment* table = findSegment(reportDoc_, "Component");
        QVERIFY(table);
        QCOMPARE(table->role, SegmentRole::Table);
        QCOMPARE(table->pageIndex, 1);
        QCOMPARE(table->text, QStringLiteral("Component | Status | Owner\nParser | stable | Alice\n"
                                             "Layout | beta | Bob\nRecognition | planned | Carol"));
        const Segment* before = findSegment(reportDoc_, "The components of the pipeline");
        const Segment* after = findSegment(reportDoc_, "After the table");
        QVERIFY(before && after);
        QCOMPARE(before->role, SegmentRole::Body);
        QCOMPARE(after->role, SegmentRole::Body);
        QVERIFY(before < table && table < after);
    }

    void footnotesAreMarked() {
        const Segment* note = findSegment(reportDoc_, "The sampling frame is");
        QVERIFY(note);
        QCOMPARE(note->role, SegmentRole::Footnote);
        QCOMPARE(note->text,
                 QStringLiteral("1 The sampling frame is the list of all sources, kept in "
                                "the appendix."));
        QVERIFY(modelText(reportDoc_).contains("[Footnote] 1 The sampling frame"));
        const Segment* body = findSegment(reportDoc_, "Sampling followed the frame");
        QVERIFY(body);
        QCOMPARE(body->role, SegmentRole::Body);
    }

    void sectionsFromTheOutline() {
        auto pathOf = [this](const char* needle) {
            const Segment* s = findSegment(reportDoc_, QString::fromUtf8(needle));
            return s ? s->sectionPath : QStringList{QStringLiteral("<missing>")};
        };
        QCOMPARE(pathOf("Right07"), QStringList{"1 Introduction"});
        QCOMPARE(pathOf("careful experimental"), QStringList{"2 Methods"});
        QCOMPARE(pathOf("Sampling followed"), (QStringList{"2 Methods", "2.1 Sampling"}));
        // "2.1.1 Frame" is not in the outline: it nests under the entry numbered 2.1.
        QCOMPARE(pathOf("lists every source"),
                 (QStringList{"2 Methods", "2.1 Sampling", "2.1.1 Frame"}));
        QCOMPARE(pathOf("Providers shall keep"), QStringList{"3 Results"});
        const Segment* heading = findSegment(reportDoc_, "2.1 Sampling");
        QVERIFY(heading);
        QCOMPARE(heading->role, SegmentRole::Heading);
    }

    void sectionsFromNumberedHeadings() {
        const Document plain = ingestPath(plain_, noOcr());
        auto pathOf = [&plain](const char* needle) {
            const Segment* s = findSegment(plain, QString::fromUtf8(needle));
            return s ? s->sectionPath : QStringList{QStringLiteral("<missing>")};
        };
        QCOMPARE(pathOf("Left09"), QStringList{"1 Introduction"});
        QCOMPARE(pathOf("lists every source"),
                 (QStringList{"2 Methods", "2.1 Sampling", "2.1.1 Frame"}));
        QCOMPARE(pathOf("The results follow"), QStringList{"3 Results"});
        QCOMPARE(pathOf("Providers shall keep"), QStringList{"Article 5 Obligations"});
        QCOMPARE(pathOf("Breaches are fined"), QStringList{"§ 12 Penalties"});
        QCOMPARE(plain.title, QStringLiteral("Longview Test Report"));
    }

    void scannedPageFlaggedWithoutOcr() {
        const Document& d = reportDoc_;
        QCOMPARE(d.pages[4].textSource, TextSource::Missing);
        QCOMPARE(d.pages[3].textSource, TextSource::TextLayer);
        QCOMPARE(d.metadata.scannedPages, 1);
        QVERIFY(!d.metadata.mostlyScanned);
        const QString warnings = d.warnings.join('\n');
        QVERIFY2(warnings.contains("report.pdf: page 5 (3): scanned image without a text layer"),
                 qPrintable(warnings));
        QVERIFY(modelText(d).contains("[Page 5 (3): scanned image without a text layer"));
    }

    void scannedPageIsRecognisedWithTesseract() {
        if (QStandardPaths::findExecutable("tesseract").isEmpty())
            QSKIP("tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-eng)");
        const Document d = ingestPath(report_);
        QCOMPARE(d.pages[4].textSource, TextSource::Ocr);
        const QString scanned = pageText(d, 4).simplified();
        QVERIFY2(scanned.contains("quick brown fox jumps over the lazy dog", Qt::CaseInsensitive),
                 qPrintable(scanned));
        QVERIFY2(scanned.contains("Tesseract"), qPrintable(scanned));
        QCOMPARE(d.metadata.scannedPages, 1);
    }

    // Without a title in its metadata, a PDF is named by its first page's largest text,
    // also where that text runs as the header of every other page (and so is a margin on
    // the first too); the lines of its size right after it belong to it.
    void titlePageNamesTheDocument() {
        std::vector<lv::test::PagePainter> pages;
        pages.push_back([](QPainter& p) {
            QFont big = p.font();
            big.setPointSizeF(26);
            p.setFont(big);
            p.drawText(QPointF(72, 60), "Shared Storage");
            p.drawText(QPointF(72, 92), "Rules");
            QFont body = p.font();
            body.setPointSizeF(10);
            p.setFont(body);
            p.drawText(QPointF(72, 200), "Issued by the Regional Grain Board.");
            for (int i = 0; i < 6; ++i)
                p.drawText(QPointF(72, 240 + 16 * i), "Body text of the title page, line.");
        });
        for (int n = 0; n < 3; ++n)
            pages.push_back([](QPainter& p) {
                QFont small = p.font();
                small.setPointSizeF(8);
                p.setFont(small);
                p.drawText(QPointF(72, 40), "Shared Storage Rules");
                QFont body = p.font();
                body.setPointSizeF(10);
                p.setFont(body);
                for (int i = 0; i < 8; ++i)
                    p.drawText(QPointF(72, 200 + 16 * i), "An article of the rules, its text.");
            });
        const QString file = path("untitled.pdf");
        QVERIFY(lv::test::writeFile(file, lv::test::writePdf(pages)));
        const Document d = ingestPath(file, noOcr());
        QCOMPARE(d.title, QStringLiteral("Shared Storage Rules"));
    }

    // A reference list whose keys stand in a column of their own ("[Knu84]", wider than a
    // list marker), one whose entries hang without keys, and numbered clauses: each entry
    // reads as one paragraph, in order, not the keys first and the entries after them, nor
    // an entry's first line apart from the rest.
    void hangingIndentListsReadEntryByEntry() {
        const QList<QPair<QString, QString>> keyed = {
            {"[Knu84]", "Donald E. Knuth. The TeXbook, volume A of Computers and Typesetting. "
                        "Addison-Wesley, Reading, Massachusetts, 1984."},
            {"[Lam94]", "Leslie Lamport. LaTeX: A Document Preparation System. Addison-Wesley, "
                        "Reading, Massachusetts, second edition, 1994."},
            {"[GMS94]", "Michel Goossens, Frank Mittelbach and Alexander Samarin. The LaTeX "
                        "Companion. Addison-Wesley, Reading, Massachusetts, 1994."},
            {"[Oss76]", "Joseph F. Ossanna. Nroff/Troff User's Manual. Computing Science "
                        "Technical Report 54, Bell Laboratories, Murray Hill, New Jersey, 1976."}};
        const QStringList hanging = {
            "Kernighan, B. W. and Ritchie, D. M. (1988). The C Programming Language. Second "
            "edition, Prentice Hall, Englewood Cliffs, New Jersey, with a foreword on style.",
            "Pike, R. and Kernighan, B. W. (1984). Program design in the UNIX environment. "
            "AT&T Bell Laboratories Technical Journal, volume 63, number 8, pages 1595 to 1605.",
            "Wirth, N. (1971). Program development by stepwise refinement. Communications of "
            "the ACM, volume 14, number 4, pages 221 to 227, reprinted many times since then."};
        std::vector<lv::test::PagePainter> pages;
        pages.push_back([&](QPainter& p) {
            p.setFont(fontOf("DejaVu Serif", 14));
            p.drawText(QPointF(72, 90), "References");
            const QFont body = fontOf("DejaVu Serif", 10);
            p.setFont(body);
            double y = 120;
            for (const auto& [key, entry] : keyed) {
                p.drawText(QPointF(72, y), key);
                y = drawLines(p, 130, y, wrapped(entry, body, p.device(), 393), 14) + 4;
            }
            p.setFont(fontOf("DejaVu Serif", 14));
            p.drawText(QPointF(72, y + 30), "Further reading");
            p.setFont(body);
            y += 60;
            for (const QString& entry : hanging) {
                const QStringList lines = wrapped(entry, body, p.device(), 451);
                p.drawText(QPointF(72, y), lines.front());
                y = drawLines(p, 96, y + 14, lines.mid(1), 14);
            }
        });
        // Numbered clauses whose continuation lines align with the text after the number.
        const QList<QPair<QString, QString>> clauses = {
            {"12.1", "The Supplier shall deliver the Goods to the Premises on the Delivery Date "
                     "and in the quantities that the Order states."},
            {"12.2(a)", "Risk in the Goods passes to the Customer when they are delivered, "
                        "unless the Customer has refused them under clause 12.4."},
            {"12.10", "Title to the Goods passes to the Customer once the Supplier has received "
                      "payment in full and in cleared funds for them."}};
        pages.push_back([&](QPainter& p) {
            const QFont body = fontOf("DejaVu Serif", 10);
            p.setFont(body);
            double y = 100;
            for (const auto& [number, clause] : clauses) {
                p.drawText(QPointF(72, y), number);
                y = drawLines(p, 130, y, wrapped(clause, body, p.device(), 393), 14) + 6;
            }
        });
        const QString file = path("references.pdf");
        QVERIFY(lv::test::writeFile(file, lv::test::writePdf(pages)));
        const Document d = ingestPath(file, noOcr());
        QStringList expected = {"References"};
        for (const auto& [key, entry] : keyed)
            expected << key + QLatin1Char(' ') + entry;
        expected << "Further reading";
        expected << hanging;
        QStringList got = bodySegments(d, 0);
        QVERIFY2(got == expected, qPrintable(got.join("\n---\n")));
        expected.clear();
        for (const auto& [number, clause] : clauses)
            expected << number + QLatin1Char(' ') + clause;
        got = bodySegments(d, 1);
        QVERIFY2(got == expected, qPrintable(got.join("\n---\n")));
    }

    // A listing in a fixed-pitch font keeps its lines, indentation and aligned comments;
    // "com-" at a line's end in it stays as it is; the prose around it is reflowed.
    void codeListingsKeepTheirLines() {
        const QString before = QStringLiteral(
            "The function below reads its arguments and draws the picture; it returns the "
            "status of the drawing to the shell that started it, as programs do.");
        const QStringList listing = {"int main(int argc, char **argv) {",
                                     "    if (argc < 2) {",
                                     "        return 1;   /* no file: the usual error for a com-",
                                     "                       mand line tool */",
                                     "    }",
                                     "    int width = 80;     /* columns */",
                                     "    int height = 24;    /* rows */",
                                     "    int depth = 8;      /* bits per pixel */",
                                     "    return draw(argv[1], width, height, depth);",
                                     "}",
                                     "",
                                     "static int draw(const char *path, int w, int h, int d) {",
                                     "    return render(path, w * h * d);",
                                     "}"};
        const QString after = QStringLiteral(
            "The second function does the work: it multiplies the dimensions before it calls "
            "the renderer, which writes the picture to the file.");
        std::vector<lv::test::PagePainter> pages;
        pages.push_back([&](QPainter& p) {
            const QFont body = fontOf("DejaVu Serif", 10);
            p.setFont(body);
            double y = drawLines(p, 72, 100, wrapped(before, body, p.device(), 451), 14);
            p.setFont(fontOf("DejaVu Sans Mono", 9));
            y = drawLines(p, 90, y + 10, listing, 11);
            p.setFont(body);
            drawLines(p, 72, y + 10, wrapped(after, body, p.device(), 451), 14);
        });
        const QString file = path("listing.pdf");
        QVERIFY(lv::test::writeFile(file, lv::test::writePdf(pages)));
        const Document d = ingestPath(file, noOcr());
        const QStringList got = bodySegments(d, 0);
        QVERIFY2(got == (QStringList{before, listing.join(QLatin1Char('\n')), after}),
                 qPrintable(got.join("\n---\n")));
        const Segment* code = findSegment(d, "int main");
        QVERIFY(code);
        QCOMPARE(code->role, SegmentRole::Code);
        QCOMPARE(findSegment(d, "The function below")->role, SegmentRole::Body);
    }

    // "Exercise 5" to "Exercise 9", one atop each page at the size of the text, differ only
    // in their number, as running headers do, but are headings: the number is not the
    // page's and the text does not run on past them. The running header with the page's
    // number and the page-number footer are still margins; so is a journal's running head
    // at the size of the text whose number is not the page's, since the text of its pages
    // runs on past it mid-sentence.
    void numberedHeadingsAtopPagesAreContent() {
        std::vector<lv::test::PagePainter> pages;
        for (int i = 0; i < 5; ++i)
            pages.push_back([i](QPainter& p) {
                p.setFont(fontOf("DejaVu Serif", 10));
                p.drawText(QPointF(72, 40),
                           QStringLiteral("Chapter 3 — Remedies   %1").arg(17 + i));
                p.drawText(QPointF(72, 80), QStringLiteral("Exercise %1").arg(5 + i));
                drawLines(p, 72, 110,
                          {QStringLiteral("Show that remedy %1 applies to the contract.").arg(i),
                           QStringLiteral("State the conditions under which it fails.")},
                          14);
                p.drawText(QPointF(260, 815), QStringLiteral("Page %1 of 40").arg(17 + i));
            });
        QByteArray pdf = lv::test::writePdf(pages);
        pdf = lv::test::addPdfStructure(pdf, {{0, "D", {}, 17}}, {}, {});
        const QString exercises = path("exercises.pdf");
        QVERIFY(lv::test::writeFile(exercises, pdf));
        const Document d = ingestPath(exercises, noOcr());
        for (int i = 0; i < 5; ++i) {
            const QString exercise = QStringLiteral("Exercise %1").arg(5 + i);
            const Segment* heading = findSegment(d, exercise);
            QVERIFY2(heading && !heading->isMarginal(), qPrintable(exercise));
            QCOMPARE(heading->pageIndex, i);
            const QStringList body = bodySegments(d, i);
            QVERIFY2(!body.isEmpty() && body.front() == exercise, qPrintable(body.join(" / ")));
            for (const Segment& s : d.segments)
                if (s.pageIndex == i &&
                    (s.text.startsWith("Chapter 3") || s.text.startsWith("Page")))
                    QVERIFY2(s.isMarginal(), qPrintable(s.text));
        }
        QVERIFY(!modelText(d).contains("Remedies"));
        QVERIFY(modelText(d).contains("Exercise 7\n\nShow that remedy 2 applies"));

        std::vector<lv::test::PagePainter> journal;
        for (int i = 0; i < 4; ++i)
            journal.push_back([i](QPainter& p) {
                p.setFont(fontOf("DejaVu Serif", 10));
                p.drawText(QPointF(72, 40),
                           QStringLiteral("Proceedings of the Test Society 12 (2024), p. %1")
                               .arg(245 + i));
                drawLines(
                    p, 72, 110,
                    {QStringLiteral("the argument of section %1 goes on over the page").arg(i),
                     QStringLiteral("and is continued on the next page, where the")},
                    14);
            });
        const QString proceedings = path("proceedings.pdf");
        QVERIFY(lv::test::writeFile(proceedings, lv::test::writePdf(journal)));
        const Document j = ingestPath(proceedings, noOcr());
        for (int i = 0; i < 4; ++i) {
            const Segment* head = findSegment(j, QStringLiteral("p. %1").arg(245 + i));
            QVERIFY(head);
            QCOMPARE(head->role, SegmentRole::Header);
        }
    }

    // A contract as a lawyer reads it: a running header and "Page N of 4" footer; clauses
    // whose number stands apart and whose other lines align with their text; a footnote on
    // every page that differs from the others only in its numbers, at the foot of the text;
    // a schedule's number over its title. The clauses keep their lines, the footnotes are
    // footnotes (not running footers), and the schedule's section is named by its title.
    void contractClausesFootnotesAndSchedules() {
        const QString clause = QStringLiteral(
            "Either party may terminate this Agreement for convenience by giving the other "
            "party not less than ninety days' written notice, and the Supplier shall then "
            "return all Customer Data within thirty days of the date of termination");
        std::vector<lv::test::PagePainter> pages;
        for (int i = 0; i < 4; ++i)
            pages.push_back([&, i](QPainter& p) {
                p.setFont(fontOf("DejaVu Serif", 9));
                p.drawText(QPointF(200, 40), "Master Services Agreement — Confidential");
                p.drawText(QPointF(260, 815), QStringLiteral("Page %1 of 4").arg(i + 1));
                const QFont body = fontOf("DejaVu Serif", 10);
                if (i == 3) {
                    p.setFont(fontOf("DejaVu Serif", 10));
                    p.drawText(QPointF(260, 100), "SCHEDULE 2");
                    p.drawText(QPointF(250, 114), "Service Charges");
                    p.setFont(body);
                    p.drawText(QPointF(72, 140), "The Charges are payable monthly in arrears.");
                    return;
                }
                p.setFont(body);
                const QString number = QStringLiteral("%1.1").arg(i + 14);
                p.drawText(QPointF(72, 100), number);
                const QStringList lines = wrapped(clause, body, p.device(), 415);
                double y = drawLines(p, 108, 100, lines, 14);
                const QString last = lines.back();
                const double end = 108 + QFontMetricsF(body, p.device()).horizontalAdvance(last);
                p.setFont(fontOf("DejaVu Serif", 6));
                p.drawText(QPointF(end, y - 18), QString::number(i + 1));
                p.setFont(fontOf("DejaVu Serif", 6));
                p.drawText(QPointF(72, 762), QString::number(i + 1));
                p.setFont(fontOf("DejaVu Serif", 8));
                p.drawText(QPointF(78, 765), QStringLiteral("See also paragraph %1 of Schedule 2; "
                                                            "this note is no part of clause %2.")
                                                 .arg(i + 3)
                                                 .arg(number));
            });
        const QString file = path("contract.pdf");
        QVERIFY(lv::test::writeFile(file, lv::test::writePdf(pages)));
        const Document d = ingestPath(file, noOcr());
        for (int i = 0; i < 3; ++i) {
            const QString number = QStringLiteral("%1.1").arg(i + 14);
            const QStringList body = bodySegments(d, i);
            QVERIFY2(body.size() == 2, qPrintable(body.join("\n---\n")));
            QVERIFY2(body[0].startsWith(number + " Either party may terminate") &&
                         body[0].endsWith("within thirty days of the date of termination" +
                                          lv::ingest::superscriptDigits(QString::number(i + 1))),
                     qPrintable(body[0]));
            const Segment* note =
                findSegment(d, QStringLiteral("See also paragraph %1").arg(i + 3));
            QVERIFY(note);
            QCOMPARE(note->role, SegmentRole::Footnote);
            QCOMPARE(note->text, QStringLiteral("%1 See also paragraph %2 of Schedule 2; this note "
                                                "is no part of clause %3.")
                                     .arg(i + 1)
                                     .arg(i + 3)
                                     .arg(number));
        }
        const Segment* schedule = findSegment(d, "SCHEDULE 2");
        QVERIFY(schedule);
        QCOMPARE(schedule->text, QStringLiteral("SCHEDULE 2 Service Charges"));
        QCOMPARE(schedule->role, SegmentRole::Heading);
        QCOMPARE(findSegment(d, "payable monthly")->sectionPath,
                 QStringList{"SCHEDULE 2 Service Charges"});
        for (const Segment& s : d.segments)
            if (s.text.startsWith("Master Services") || s.text.startsWith("Page "))
                QVERIFY2(s.isMarginal(), qPrintable(s.text));
    }

    void mostlyScannedDocumentSaysSo() {
        std::vector<lv::test::PagePainter> pages;
        for (int i = 0; i < 3; ++i)
            pages.push_back([i](QPainter& p) {
                p.drawImage(
                    QRectF(0, 0, 595, 842),
                    lv::test::scannedPageImage({QStringLiteral("Scan number %1").arg(i)}, 100));
            });
        pages.push_back([](QPainter& p) { p.drawText(QPointF(72, 100), "One page with text."); });
        pages.push_back([](QPainter&) {}); // blank: neither text nor scan
        const QString file = path("scans.pdf");
        QVERIFY(lv::test::writeFile(file, lv::test::writePdf(pages)));
        const Document d = ingestPath(file, noOcr());
        QCOMPARE(d.pages[4].textSource, TextSource::Blank);
        QCOMPARE(d.metadata.scannedPages, 3);
        QVERIFY(d.metadata.mostlyScanned);
        QVERIFY2(d.warnings.join('\n').contains("mostly scanned: 3 of 4 pages have no text layer"),
                 qPrintable(d.warnings.join('\n')));
    }

    void encryptedNeedsThePassword() {
        if (QStandardPaths::findExecutable("qpdf").isEmpty())
            QSKIP("qpdf is not installed (Debian: qpdf)");
        const QString encrypted = encryptedPdf();
        QVERIFY(!encrypted.isEmpty());
        const QString missing =
            messageOf<PdfPasswordError>([&] { ingestPath(encrypted, noOcr()); });
        QVERIFY2(missing.contains("encrypted.pdf") && missing.contains("password"),
                 qPrintable(missing));
        IngestOptions wrong = noOcr();
        wrong.password = "guess";
        try {
            ingestPath(encrypted, wrong);
            QFAIL("a wrong password was accepted");
        } catch (const PdfPasswordError& e) {
            QVERIFY(e.passwordGiven());
            QVERIFY(QString::fromStdString(e.what()).contains("wrong password"));
        }
        IngestOptions right = noOcr();
        right.password = "s3cret";
        const Document d = ingestPath(encrypted, right);
        QCOMPARE(modelText(d), modelText(reportDoc_));
        QCOMPARE(d.metadata.extra.value("pdf.encrypted"), QStringLiteral("yes"));
        right.password = "owner-pw"; // the owner password opens it too
        QCOMPARE(ingestPath(encrypted, right).pages.size(), std::size_t(6));
    }

    void rotatedPagesReadUpright() {
        const QString qpdf = QStandardPaths::findExecutable("qpdf");
        if (qpdf.isEmpty()) QSKIP("qpdf is not installed (Debian: qpdf)");
        const QString rotated = path("rotated.pdf");
        QCOMPARE(QProcess::execute(qpdf, {"--rotate=+90:3", "--rotate=180:4", report_, rotated}),
                 0);
        const Document d = ingestPath(rotated, noOcr());
        QCOMPARE(d.pages[2].rotation, 90);
        QCOMPARE(d.pages[3].rotation, 180);
        QCOMPARE(d.pages[2].size, QSizeF(595, 842));
        QCOMPARE(modelText(d), modelText(reportDoc_));
    }

    void damagedPdfIsRecoveredWithAWarning() {
        const QByteArray bytes = lv::test::buildLongPdf(12);
        const QString intact = path("intact.pdf");
        QVERIFY(lv::test::writeFile(intact, bytes));
        const QString expected = modelText(ingestPath(intact, noOcr()));
        // A download cut short before its end: no "startxref". Poppler rebuilds
        // the cross-reference table from the objects and the trailer.
        const QString cut = path("truncated.pdf");
        QVERIFY(lv::test::writeFile(cut, bytes.left(bytes.lastIndexOf("startxref"))));
        Document d = ingestPath(cut, noOcr());
        QString warnings = d.warnings.join('\n');
        QVERIFY2(warnings.contains("truncated.pdf: damaged PDF: Poppler rebuilt its "
                                   "cross-reference table; 12 of 12 pages recovered"),
                 qPrintable(warnings));
        QCOMPARE(modelText(d), expected);
        // Wrong offsets in the cross-reference table.
        const qsizetype xref = bytes.lastIndexOf("\nxref\n");
        QByteArray shifted = bytes;
        shifted.replace(xref, bytes.size() - xref, bytes.mid(xref).replace("0000000", "0000009"));
        const QString corrupt = path("corrupt-xref.pdf");
        QVERIFY(lv::test::writeFile(corrupt, shifted));
        d = ingestPath(corrupt, noOcr());
        warnings = d.warnings.join('\n');
        QVERIFY2(warnings.contains("corrupt-xref.pdf: damaged PDF: Poppler rebuilt"),
                 qPrintable(warnings));
        QCOMPARE(modelText(d), expected);
        // Cut in the middle: the page tree, written last, is lost with half of
        // the pages; nothing can be recovered.
        const QString half = path("half.pdf");
        QVERIFY(lv::test::writeFile(half, bytes.left(bytes.size() / 2)));
        const QString m = messageOf<CorruptPdfError>([&] { ingestPath(half, noOcr()); });
        QVERIFY2(m.startsWith(half + ": damaged or not a PDF"), qPrintable(m));
    }

    void unreadablePdfsAreClearErrors() {
        const QString garbage = path("garbage.pdf");
        QVERIFY(lv::test::writeFile(garbage, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\nthis is not a pdf\n"));
        QString m = messageOf<CorruptPdfError>([&] { ingestPath(garbage); });
        QVERIFY2(m.startsWith(garbage + ": "), qPrintable(m));
        const QString text = path("text.pdf");
        QVERIFY(lv::test::writeFile(text, "hello, I am not a PDF\n"));
        m = messageOf<CorruptPdfError>([&] { ingestPath(text); });
        QVERIFY2(m.contains("text.pdf"), qPrintable(m));
        const QString empty = path("empty.pdf");
        QVERIFY(lv::test::writeFile(empty, QByteArray()));
        m = messageOf<CorruptPdfError>([&] { ingestPath(empty); });
        QVERIFY2(m.contains("empty.pdf"), qPrintable(m));
        m = messageOf<SourceNotFoundError>([&] { ingestPath(path("nowhere.pdf")); });
        QVERIFY2(m.contains("nowhere.pdf: no such file"), qPrintable(m));
    }

    void threadsDoNotChangeTheResult() {
        const QString file = path("medium.pdf");
        QVERIFY(lv::test::writeFile(file, lv::test::buildLongPdf(40)));
        IngestOptions one = noOcr(), three = noOcr();
        one.threads = 1;
        three.threads = 3;
        const Document a = ingestPath(file, one);
        const Document b = ingestPath(file, three);
        QCOMPARE(modelText(a), modelText(b));
        QCOMPARE(a.segments.size(), b.segments.size());
        QVERIFY(modelText(a).contains("Page 40 line 20: the quick brown fox"));
    }

    void longDocumentBoundedMemoryAndProgress() {
        const QString file = longPdf();
        // Reset the peak so that VmHWM measures the ingest alone.
        QFile clear(QStringLiteral("/proc/self/clear_refs"));
        if (clear.open(QIODevice::WriteOnly)) clear.write("5");
        clear.close();
        const qint64 before = statusKb("VmRSS:");
        std::vector<int> done;
        const Document d = ingestPath(file, noOcr(), [&](const IngestProgress& p) {
            if (p.stage == IngestProgress::Stage::Page) {
                QCOMPARE(p.total, 2000);
                done.push_back(p.done);
            }
        });
        const qint64 peak = statusKb("VmHWM:");
        QCOMPARE(static_cast<int>(done.size()), 2000);
        for (int i = 0; i < 2000; ++i)
            QCOMPARE(done[i], i + 1);
        QCOMPARE(d.pages.size(), std::size_t(2000));
        const QString text = modelText(d);
        QVERIFY(text.contains("Page 1234 line 7: the quick brown fox"));
        QVERIFY(!text.contains("Stress Test"));
        // The text is about 2.4 MB; Poppler and the layout of a few pages at a
        // time add little. Holding every page's boxes would take far more.
#if defined(__SANITIZE_ADDRESS__)
        // AddressSanitizer keeps freed memory in quarantine: peaks mean nothing.
        const bool measurable = false;
#else
        const bool measurable = true;
#endif
        if (measurable && before > 0 && peak > 0) {
            qInfo() << "RSS before" << before << "kB, peak during ingest" << peak << "kB";
            QVERIFY2(peak - before < 300 * 1024, qPrintable(QString::number(peak - before)));
        }
    }

    void cancellationStopsBetweenPages() {
        const QString file = longPdf();
        std::stop_source stop;
        int last = 0;
        const QString m = messageOf<IngestCancelled>([&] {
            ingestPath(
                file, noOcr(),
                [&](const IngestProgress& p) {
                    last = p.done;
                    if (p.done == 50) stop.request_stop();
                },
                stop.get_token());
        });
        QVERIFY2(m.contains("long.pdf: cancelled"), qPrintable(m));
        QVERIFY(last >= 50 && last < 2000);
        std::stop_source already;
        already.request_stop();
        QVERIFY(!messageOf<IngestCancelled>([&] {
                     ingestPath(file, noOcr(), {}, already.get_token());
                 }).isEmpty());
    }

    void aThrowingProgressCallbackStopsCleanly() {
        const QString file = longPdf();
        IngestOptions options = noOcr();
        options.threads = 3;
        bool caught = false;
        try {
            ingestPath(file, options, [](const IngestProgress& p) {
                if (p.done == 10) throw std::runtime_error("caller gave up");
            });
        } catch (const std::runtime_error& e) {
            caught = QString::fromUtf8(e.what()) == QStringLiteral("caller gave up");
        }
        QVERIFY(caught);
    }

    void cliPrintsTheModelText() {
        QProcess p;
        p.start(QStringLiteral(LONGVIEW_CLI_PATH), {"text", report_, "--no-ocr"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()), modelText(reportDoc_));
        QVERIFY(QString::fromUtf8(p.readAllStandardError())
                    .contains("warning: report.pdf: page 5 (3)"));

        const QString encrypted = encryptedPdf();
        if (encrypted.isEmpty()) QSKIP("qpdf is not installed: the encrypted case is not run");
        p.start(QStringLiteral(LONGVIEW_CLI_PATH), {"text", encrypted, "--no-ocr"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains("encrypted.pdf: encrypted PDF: a password is needed"),
                 qPrintable(err));
        QCOMPARE(err.count('\n'), 1);
        p.start(QStringLiteral(LONGVIEW_CLI_PATH),
                {"text", encrypted, "--no-ocr", "--password", "s3cret"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()), modelText(reportDoc_));
    }
};

QTEST_MAIN(IngestPdfTest)
#include "tst_ingest_pdf.moc"
