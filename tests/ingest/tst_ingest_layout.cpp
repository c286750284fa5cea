// Layout rules on synthetic pages (words as boxes, no PDF): lines and columns,
// tables, list markers, running headers and footers, paragraphs, hyphenation, and
// what the assembly of pages decides across them.

#include "ingest/pdf/Dehyphenation.h"
#include "ingest/pdf/PageLayout.h"
#include "ingest/pdf/PageParagraphs.h"
#include "ingest/pdf/PdfAssembly.h"
#include "ingest/pdf/RunningMargins.h"
#include "ingest/pdf/TesseractOcr.h"

#include <QtTest>

using namespace lv::ingest;

namespace {

constexpr double kCharWidth = 5.0; // a 10 pt font, roughly
constexpr double kHeight = 10.0;

// Places the words of `text` from x on the line whose top is y.
void addLine(std::vector<TextWord>& words, double x, double y, const QString& text,
             double height = kHeight) {
    const double scale = height / kHeight;
    for (const QString& w : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const double width = w.size() * kCharWidth * scale;
        words.push_back({w, QRectF(x, y, width, height), true});
        x += width + 3.0 * scale;
    }
}

QStringList texts(const std::vector<TextLine>& lines) {
    QStringList out;
    for (const TextLine& l : lines)
        out << l.text;
    return out;
}

// A column of `n` lines "<tag>NN w w w w w" (about 150 pt wide) from (x, y).
void addColumn(std::vector<TextWord>& words, double x, double y, const QString& tag, int n,
               double leading = 12.0) {
    for (int i = 0; i < n; ++i)
        addLine(words, x, y + i * leading,
                tag + QString::number(i).rightJustified(2, QLatin1Char('0')) +
                    QStringLiteral(" lorem ipsum dolor amet sit elit"));
}

// `n` distinct words of four characters ("w07x", "x07x" for 107), numbered from `from`:
// 23n - 3 points.
QString filler(int n, int from = 0) {
    QStringList w;
    for (int i = from; i < from + n; ++i)
        w << QChar(u'w' + i / 100) + QStringLiteral("%1x").arg(i % 100, 2, 10, QLatin1Char('0'));
    return w.join(QLatin1Char(' '));
}

// An A4 page of extracted lines, as the extraction hands them to the assembly.
PageResult pageOf(int index, const std::vector<TextWord>& words) {
    PageResult page;
    page.index = index;
    page.loaded = true;
    page.label = QString::number(index + 1);
    page.size = QSizeF(595, 842);
    page.lines = layoutPage(words);
    return page;
}

const Segment* segmentWith(const Document& doc, const QString& text) {
    for (const Segment& s : doc.segments)
        if (s.text.contains(text)) return &s;
    return nullptr;
}

// The page's paragraphs (10 pt text on an A4 page).
std::vector<Paragraph> paragraphsOf(const std::vector<TextWord>& words) {
    const auto lines = layoutPage(words);
    return buildParagraphs(lines, std::vector<bool>(lines.size(), false), {842, 10});
}

QStringList texts(const std::vector<Paragraph>& paragraphs) {
    QStringList out;
    for (const Paragraph& p : paragraphs)
        out << p.text;
    return out;
}

// A line of a page for the running-margin tests: at the left margin, `top` points down the
// page, set at `size`.
TextLine marginLine(const QString& text, double top, double size = 10, double width = 300) {
    TextLine l;
    l.text = text;
    l.box = QRectF(72, top, width, size);
    l.fontSize = size;
    l.firstWordHeight = size;
    return l;
}

} // namespace

class IngestLayoutTest : public QObject {
    Q_OBJECT

private slots:
    void singleColumnKeepsLineOrder() {
        std::vector<TextWord> words;
        addColumn(words, 72, 100, "L", 5);
        std::reverse(words.begin(), words.end()); // input order must not matter
        const auto lines = layoutPage(words);
        QCOMPARE(lines.size(), std::size_t(5));
        QCOMPARE(lines[0].text, QStringLiteral("L00 lorem ipsum dolor amet sit elit"));
        QCOMPARE(lines[4].text, QStringLiteral("L04 lorem ipsum dolor amet sit elit"));
        for (const TextLine& l : lines)
            QCOMPARE(l.region, 0);
    }

    void twoColumnsWithAlignedBaselines() {
        std::vector<TextWord> words;
        addColumn(words, 72, 100, "L", 10);
        addColumn(words, 320, 100, "R", 10);
        const auto lines = layoutPage(words);
        const QStringList t = texts(lines);
        QCOMPARE(t.size(), 20);
        for (int i = 0; i < 10; ++i) {
            QVERIFY2(t[i].startsWith("L"), qPrintable(t[i]));
            QVERIFY2(t[10 + i].startsWith("R"), qPrintable(t[10 + i]));
        }
        QVERIFY(lines[0].region != lines[10].region);
    }

    void twoColumnsWithShiftedBaselinesUnderATitle() {
        std::vector<TextWord> words;
        addLine(words, 150, 60, "A Title Across Both Columns Of The Page", 16);
        addColumn(words, 72, 100, "L", 8, 12.0);
        addColumn(words, 320, 104, "R", 7, 13.5); // other leading, other start
        addLine(words, 72, 700, "A closing line that spans the whole width of the page text area");
        const QStringList t = texts(layoutPage(words));
        QCOMPARE(t.front(), QStringLiteral("A Title Across Both Columns Of The Page"));
        QVERIFY(t.back().startsWith("A closing line"));
        QCOMPARE(t.size(), 1 + 8 + 7 + 1);
        for (int i = 1; i <= 8; ++i)
            QVERIFY2(t[i].startsWith("L"), qPrintable(t[i]));
        for (int i = 9; i <= 15; ++i)
            QVERIFY2(t[i].startsWith("R"), qPrintable(t[i]));
    }

    void tablesComeOutAsRows() {
        std::vector<TextWord> words;
        addLine(words, 72, 80, "A sentence before the table that runs along the line.");
        const double ys[] = {100, 114, 128};
        const char* cells[3][3] = {
            {"Name", "Quantity", "Price"}, {"Apples", "12", "3.50"}, {"Pears", "7", "2.10"}};
        for (int r = 0; r < 3; ++r) {
            addLine(words, 72, ys[r], cells[r][0]);
            addLine(words, 220, ys[r], cells[r][1]);
            addLine(words, 360, ys[r], cells[r][2]);
        }
        const auto lines = layoutPage(words);
        QCOMPARE(lines.size(), std::size_t(4));
        QCOMPARE(lines[0].table, -1);
        QCOMPARE(lines[1].text, QStringLiteral("Name | Quantity | Price"));
        QCOMPARE(lines[2].cells, (QStringList{"Apples", "12", "3.50"}));
        QCOMPARE(lines[3].text, QStringLiteral("Pears | 7 | 2.10"));
        QVERIFY(lines[1].table >= 0 && lines[1].table == lines[3].table);
    }

    void listMarkersDoNotMakeColumns() {
        std::vector<TextWord> words;
        for (int i = 0; i < 4; ++i) {
            addLine(words, 80, 100 + 12 * i, QStringLiteral("•"));
            addLine(words, 100, 100 + 12 * i,
                    QStringLiteral("item %1 has a few words of text").arg(i));
        }
        const QStringList t = texts(layoutPage(words));
        QCOMPARE(t.size(), 4);
        QCOMPARE(t[0], QStringLiteral("• item 0 has a few words of text"));
        QCOMPARE(t[3], QStringLiteral("• item 3 has a few words of text"));
    }

    void alignedWideSpacesInTwoLinesAreNotAGutter() {
        std::vector<TextWord> words;
        // Justified text whose stretched spaces line up on two lines only.
        // Both first halves are 26 characters in 6 words: 145 pt, ending at 217.
        addLine(words, 72, 100, "The notation to access the type");
        addLine(words, 217 + 7, 100, "of the Example definition is");
        addLine(words, 72, 112, "And because we quote the things");
        addLine(words, 217 + 7, 112, "are used in the functions here");
        addLine(words, 72, 124, "described below in the reference section of this manual.");
        const QStringList t = texts(layoutPage(words));
        QCOMPARE(t.size(), 3);
        QCOMPARE(t[0],
                 QStringLiteral("The notation to access the type of the Example definition is"));
    }

    void superscriptsStayInTheirLine() {
        std::vector<TextWord> words;
        addLine(words, 72, 100, "A claim with a note");
        words.push_back({"1", QRectF(72 + 20 * kCharWidth, 97, 3, 6), false});
        addLine(words, 72, 112, "and the sentence goes on.");
        const QStringList t = texts(layoutPage(words));
        QCOMPARE(t.size(), 2);
        QVERIFY2(t[0].endsWith("note 1") || t[0].endsWith("note1"), qPrintable(t[0]));
    }

    void marginTextIsNormalised() {
        QCOMPARE(normaliseMarginText("Page 12 of 40"), QStringLiteral("page # of #"));
        QCOMPARE(normaliseMarginText("Chapter IV: Results — xii"),
                 QStringLiteral("chapter #: results — #"));
        QVERIFY(isPageNumberText(normaliseMarginText("- 7 -")));
        QVERIFY(isPageNumberText(normaliseMarginText("iv")));
        QVERIFY(isPageNumberText(normaliseMarginText("Page 3 of 10")));
        QVERIFY(!isPageNumberText(normaliseMarginText("Results")));
    }

    void runningHeadersAndFootersAcrossPages() {
        std::vector<std::vector<TextLine>> pages(6);
        auto line = [](const QString& text, double top) { return marginLine(text, top); };
        for (int p = 0; p < 6; ++p) {
            pages[p].push_back(line(QStringLiteral("Annual Report %1").arg(2020 + p % 2), 30));
            pages[p].push_back(line(QStringLiteral("First body line on page %1").arg(p), 100));
            pages[p].push_back(
                line(QStringLiteral("Confidential draft, printed %1 May").arg(p + 1), 800));
            pages[p].push_back(line(QString::number(p + 1), 815));
        }
        // Page 3 carries a one-off line in the footer zone: not repeated, not a number.
        pages[3].push_back(line(QStringLiteral("A stray remark at the bottom"), 780));
        std::vector<PageLines> views;
        for (int p = 0; p < 6; ++p)
            views.push_back({842, &pages[p], QString::number(p + 1), p});
        const auto roles = findRunningMargins(views);
        for (int p = 0; p < 6; ++p) {
            QCOMPARE(roles[p][0], MarginRole::Header);
            QCOMPARE(roles[p][1], MarginRole::None);
            QCOMPARE(roles[p][2], MarginRole::Footer);
            QCOMPARE(roles[p][3], MarginRole::Footer);
        }
        QCOMPARE(roles[3][4], MarginRole::None);
    }

    // Footnotes at the foot of the text sit in the footer zone and come back from page to
    // page with only their numbers changed, or word for word ("which applies to all the
    // Services."): they are text, not running footers, where the page's text refers to
    // their markers. The page number is still a footer, and so is a line that only opens
    // with a number nothing refers to.
    void footnotesAreNoRunningFooters() {
        std::vector<std::vector<TextLine>> pages(4);
        auto line = [](const QString& text, double top, double size) {
            return marginLine(text, top, size, 400);
        };
        for (int p = 0; p < 4; ++p) {
            const QString n = QString::number(p + 3);
            for (int b = 0; b < 6; ++b)
                pages[p].push_back(
                    line(QStringLiteral("Body text line %1.").arg(b), 200 + 20 * b, 10));
            pages[p].push_back(
                line("The Supplier shall keep records" + superscriptDigits(n) + ".", 320, 10));
            pages[p].push_back(line(
                n + QStringLiteral(" See also paragraph %1 of Schedule 4,").arg(p + 1), 760, 8));
            pages[p].push_back(line(QStringLiteral("which applies to all the Services."), 769, 8));
            pages[p].push_back(line(QStringLiteral("10 Downing Street, London"), 795, 8));
            pages[p].push_back(line(QStringLiteral("Page %1 of 4").arg(p + 1), 810, 8));
        }
        std::vector<PageLines> views;
        for (int p = 0; p < 4; ++p)
            views.push_back({842, &pages[p], QString::number(p + 1), p});
        const auto roles = findRunningMargins(views);
        for (int p = 0; p < 4; ++p) {
            QCOMPARE(roles[p][7], MarginRole::None);
            QCOMPARE(roles[p][8], MarginRole::None);
            QCOMPARE(roles[p][9], MarginRole::Footer);
            QCOMPARE(roles[p][10], MarginRole::Footer);
        }
    }

    // "SCHEDULE 1" .. "SCHEDULE 4" atop one page each, set larger than the text, are the
    // schedules' headings, though they differ only in their number; a running header that
    // reads the same on every page is one at any size, and so is a small numbered one.
    void numberedHeadingsAtopPagesAreNoRunningHeader() {
        std::vector<std::vector<TextLine>> pages(4);
        auto line = [](const QString& text, double top, double size) {
            return marginLine(text, top, size);
        };
        for (int p = 0; p < 4; ++p) {
            pages[p].push_back(line(QStringLiteral("SCHEDULE %1").arg(p + 1), 40, 16));
            pages[p].push_back(line(QStringLiteral("ACME SUPPLY AGREEMENT"), 60, 16));
            pages[p].push_back(line(QStringLiteral("Revision %1").arg(p + 3), 80, 8));
            for (int b = 0; b < 5; ++b)
                pages[p].push_back(
                    line(QStringLiteral("Body text line %1.").arg(b), 200 + 20 * b, 10));
        }
        std::vector<PageLines> views;
        for (int p = 0; p < 4; ++p)
            views.push_back({842, &pages[p], QString::number(p + 10), p + 9});
        const auto roles = findRunningMargins(views);
        for (int p = 0; p < 4; ++p) {
            QCOMPARE(roles[p][0], MarginRole::None);   // the schedule's heading
            QCOMPARE(roles[p][1], MarginRole::Header); // the same on every page
            QCOMPARE(roles[p][2], MarginRole::Header); // small, differing only in its number
        }
    }

    // A chapter's running title ends in the page's number on each of its pages; a body
    // line near the edge that happens to start or end with the page's number (a numbered
    // clause, "... Schedule 7" on page 7) is not one: it is on that page only.
    void chapterHeaderWithPageNumberIsMarginal() {
        std::vector<TextLine> first(2), second(1), clause(2);
        first[0].text = QStringLiteral("Chapter 2: Structures 17");
        second[0].text = QStringLiteral("Chapter 2: Structures 18");
        clause[0].text = QStringLiteral("5 Termination for convenience");
        for (auto* lines : {&first, &second, &clause})
            (*lines)[0].box = QRectF(72, 40, 400, 10);
        first[1].text = QStringLiteral("Fees are payable as set out in Schedule 17");
        first[1].box = QRectF(72, 790, 400, 10);
        clause[1].text = QStringLiteral("Page 5");
        clause[1].box = QRectF(72, 810, 60, 10);
        const auto roles = findRunningMargins({{842, &first, QStringLiteral("17"), 16},
                                               {842, &second, QStringLiteral("18"), 17},
                                               {842, &clause, QStringLiteral("5"), 4}});
        QCOMPARE(roles[0][0], MarginRole::Header);
        QCOMPARE(roles[1][0], MarginRole::Header);
        QCOMPARE(roles[0][1], MarginRole::None);
        QCOMPARE(roles[2][0], MarginRole::None);
        QCOMPARE(roles[2][1], MarginRole::Footer); // a page number alone, on one page
    }

    // Body-size lines atop pages that differ only in a number are content unless something
    // shows them to be running titles: the page's own number in them, or the text of the
    // pages running on past them mid-sentence.
    void bodySizeLinesDifferingInANumberAreContent() {
        auto line = [](const QString& text, double top) { return marginLine(text, top); };
        std::vector<std::vector<TextLine>> pages(4);
        for (int p = 0; p < 4; ++p) {
            pages[p].push_back(line(QStringLiteral("SCHEDULE %1").arg(p + 1), 40));
            pages[p].push_back(line(QStringLiteral("Draft %1 of the agreement").arg(p + 5), 60));
            for (int b = 0; b < 5; ++b)
                pages[p].push_back(line(QStringLiteral("Body text line %1.").arg(b), 200 + 20 * b));
        }
        std::vector<PageLines> views;
        for (int p = 0; p < 4; ++p)
            views.push_back({842, &pages[p], QString::number(p + 5), p + 4});
        auto roles = findRunningMargins(views);
        for (int p = 0; p < 4; ++p) {
            QCOMPARE(roles[p][0], MarginRole::None);   // the schedule's heading
            QCOMPARE(roles[p][1], MarginRole::Header); // carries the page's number
        }

        std::vector<std::vector<TextLine>> journal(4);
        for (int p = 0; p < 4; ++p) {
            journal[p].push_back(
                line(QStringLiteral("Proceedings 12 (2024), p. %1").arg(245 + p), 40));
            journal[p].push_back(line(QStringLiteral("the argument goes on over the page"), 200));
            journal[p].push_back(
                line(QStringLiteral("and is continued on the next, where the"), 220));
        }
        views.clear();
        for (int p = 0; p < 4; ++p)
            views.push_back({842, &journal[p], QString::number(p + 1), p});
        roles = findRunningMargins(views);
        for (int p = 0; p < 4; ++p)
            QCOMPARE(roles[p][0], MarginRole::Header);
    }

    // Paragraphs whose first line is indented and a list whose entries hang have the same
    // two left edges: the lines that end short tell them apart. Each entry of the list is
    // one paragraph, and each paragraph of the prose.
    void hangingIndentsAndFirstLineIndents() {
        // Words of four characters: a line of n is 23n - 3 points wide; indented by one word.
        auto words = [](int n) {
            QStringList w;
            for (int i = 0; i < n; ++i)
                w << QStringLiteral("w%1").arg(i, 2, 10, QLatin1Char('0')) + QLatin1Char('x');
            return w.join(QLatin1Char(' '));
        };
        std::vector<TextWord> prose, list;
        double y = 100;
        for (int para = 0; para < 3; ++para) {
            addLine(prose, 72 + 23, y, words(9));
            addLine(prose, 72, y + 12, words(10));
            addLine(prose, 72, y + 24, words(4));
            addLine(list, 72, y, words(10));
            addLine(list, 72 + 23, y + 12, words(9));
            addLine(list, 72 + 23, y + 24, words(3));
            y += 36;
        }
        for (const auto* page : {&prose, &list}) {
            const auto lines = layoutPage(*page);
            const auto paragraphs =
                buildParagraphs(lines, std::vector<bool>(lines.size(), false), {842, 10});
            QCOMPARE(paragraphs.size(), std::size_t(3));
            for (const Paragraph& p : paragraphs)
                QCOMPARE(p.lineCount, 3);
        }
    }

    // Where the words tell nothing of their font (OCR), a block of lines at several
    // indentation levels with code punctuation is a listing: one line per line, indented as
    // it was; the prose above it stays a paragraph.
    void indentedCodeWithoutPitchKeepsItsLines() {
        const QStringList listing = {"int main(void) {", "    while (running()) {",
                                     "        step();",  "    }",
                                     "    return 0;",    "}"};
        std::vector<TextWord> words;
        addLine(words, 72, 100, "The loop below runs the machine until it stops, one step at");
        addLine(words, 72, 112, "a time, and then returns to the caller.");
        double y = 140;
        for (const QString& line : listing) {
            const auto indent = line.size() - line.trimmed().size();
            addLine(words, 72 + indent * kCharWidth, y, line.trimmed());
            y += 12;
        }
        const auto lines = layoutPage(words);
        const auto paragraphs =
            buildParagraphs(lines, std::vector<bool>(lines.size(), false), {842, 10});
        QCOMPARE(paragraphs.size(), std::size_t(2));
        QCOMPARE(paragraphs[0].role, SegmentRole::Body);
        QCOMPARE(paragraphs[1].role, SegmentRole::Code);
        QCOMPARE(paragraphs[1].text, listing.join(QLatin1Char('\n')));
    }

    // Character advances tell a fixed-pitch font ('i' as wide as 'm') from a proportional
    // one; a word whose letters a proportional font sets alike tells nothing.
    void pitchFromCharacterAdvances() {
        QCOMPARE(pitchOf("minimal;", std::vector<double>(8, 6.0)), Pitch::Fixed);
        QCOMPARE(pitchOf("minimal", {8.9, 2.8, 5.6, 2.8, 8.9, 5.6, 2.8}), Pitch::Proportional);
        QCOMPARE(pitchOf("nun", {5.6, 5.6, 5.6}), Pitch::Unknown);
        QCOMPARE(pitchOf("}", {6.0}), Pitch::Unknown);
        QCOMPARE(pitchOf("ab", {6.0}), Pitch::Unknown); // no advance for every character
    }

    // A clause whose number stands at the left edge and whose other lines align with its
    // text ("2.1  The Supplier shall..." over "     the Services..."), alone between
    // gaps, is one paragraph: its second line is no first-line indent of a new one. So is
    // a definition that hangs without a label, and a clause of two lines at the foot of
    // a column, where no third line shows the indent going on.
    void hangingClausesKeepTheirLines() {
        std::vector<TextWord> words;
        addLine(words, 72, 100, "2.1");
        addLine(words, 108, 100, filler(17));
        addLine(words, 108, 112, filler(17, 17));
        addLine(words, 108, 124, filler(6, 34) + " end.");
        addLine(words, 72, 160, "Affiliate means " + filler(15, 40));
        addLine(words, 96, 172, filler(17, 55));
        addLine(words, 96, 184, filler(4, 72) + " end.");
        addLine(words, 72, 220, "2.2");
        addLine(words, 108, 220, filler(17, 80));
        addLine(words, 108, 232, filler(17, 97));
        const QStringList got = texts(paragraphsOf(words));
        const QStringList expected = {"2.1 " + filler(17) + " " + filler(17, 17) + " " +
                                          filler(6, 34) + " end.",
                                      "Affiliate means " + filler(15, 40) + " " + filler(17, 55) +
                                          " " + filler(4, 72) + " end.",
                                      "2.2 " + filler(17, 80) + " " + filler(17, 97)};
        QVERIFY2(got == expected, qPrintable(got.join("\n---\n")));
    }

    // Points "(a)", "(b)" under a numbered paragraph of a list, their own lines aligned
    // after the label, further in than the paragraph's: each point is a paragraph with
    // all its lines, and the list goes on after them.
    void nestedPointsKeepTheirLines() {
        std::vector<TextWord> words;
        addLine(words, 57, 100, "1.");
        addLine(words, 72, 100, filler(16));
        addLine(words, 72, 112, filler(8, 16) + " end.");
        addLine(words, 57, 128, "2.");
        addLine(words, 72, 128, filler(16, 30));
        addLine(words, 72, 140, filler(5, 46) + " at least:");
        addLine(words, 72, 156, "(a)");
        addLine(words, 90, 156, filler(15, 60));
        addLine(words, 90, 168, filler(6, 75) + " conduct;");
        addLine(words, 72, 184, "(b)");
        addLine(words, 90, 184, filler(15, 81));
        addLine(words, 90, 196, filler(4, 96) + " year;");
        addLine(words, 57, 212, "3.");
        addLine(words, 72, 212, filler(16, 100));
        addLine(words, 72, 224, filler(3, 116) + " end.");
        const QStringList got = texts(paragraphsOf(words));
        const QStringList expected = {"1. " + filler(16) + " " + filler(8, 16) + " end.",
                                      "2. " + filler(16, 30) + " " + filler(5, 46) + " at least:",
                                      "(a) " + filler(15, 60) + " " + filler(6, 75) + " conduct;",
                                      "(b) " + filler(15, 81) + " " + filler(4, 96) + " year;",
                                      "3. " + filler(16, 100) + " " + filler(3, 116) + " end."};
        QVERIFY2(got == expected, qPrintable(got.join("\n---\n")));
    }

    // Footnotes set to a narrower measure than the text (groff's) end their full lines
    // short of the text's edge: each footnote is still one paragraph, and the next one,
    // after a footnote whose last line was full, opens at its marker.
    void footnotesOfANarrowerMeasure() {
        std::vector<TextWord> words;
        for (int k = 0; k < 5; ++k)
            addLine(words, 72, 100 + 12 * k, filler(19, 20 * k));
        addLine(words, 72, 160, filler(6, 100) + " end.");
        auto footnote = [&](const QString& marker, double y, const QString& text) {
            addLine(words, 72, y, marker, 5);
            addLine(words, 78, y, text, 7);
        };
        footnote("1", 700, "First note " + filler(18, 120) + " ends.");
        footnote("2", 709, "Second note " + filler(18, 140) + " goes");
        addLine(words, 72, 718, filler(4, 160) + " ends.", 7);
        const auto paragraphs = paragraphsOf(words);
        QCOMPARE(paragraphs.size(), std::size_t(3));
        QCOMPARE(paragraphs[1].text, "1 First note " + filler(18, 120) + " ends.");
        QCOMPARE(paragraphs[2].text,
                 "2 Second note " + filler(18, 140) + " goes " + filler(4, 160) + " ends.");
        QCOMPARE(paragraphs[1].role, SegmentRole::Footnote);
        QCOMPARE(paragraphs[2].role, SegmentRole::Footnote);
    }

    // In ragged-right text, lines come near the edge without reaching it, each short of it
    // by less than its next word: a line that ends so is no paragraph's end, however short
    // of the edge. One that ends though its next word would have fitted is.
    void raggedRightLinesRunOn() {
        const QStringList lines = {
            "valid including time term giving customer cooperate give them policy that",
            "each supplier term that suppliers not communicate to by within days a pay",
            "deliver other valid receives to customer at in within services the notice",
            "may requirements help all date convenience within thirty days policy",
            "requirements pay regulators may charges of terminate invoice for any and",
            "not policy help other all customer pay for writing by regulators",
            "The ninety help notice convenience thirty of all the it time less from for",
            "not for at any days in all manner may give a"};
        std::vector<TextWord> words;
        for (int k = 0; k < lines.size(); ++k)
            addLine(words, 72, 100 + 12 * k, lines[k]);
        const QStringList got = texts(paragraphsOf(words));
        const QStringList expected = {lines.mid(0, 6).join(QLatin1Char(' ')),
                                      lines.mid(6).join(QLatin1Char(' '))};
        QVERIFY2(got == expected, qPrintable(got.join("\n---\n")));
    }

    // "Article 17" over its title, "CHAPTER V" over "SUPERVISION AND PENALTIES": the
    // number and the title are one heading, so that sections are named by their titles.
    // A sentence under a bare number is no title.
    void titlesUnderTheirNumbersAreHeadings() {
        std::vector<TextWord> words;
        addLine(words, 140, 80, "CHAPTER V");
        addLine(words, 110, 92, "SUPERVISION AND PENALTIES");
        addLine(words, 150, 110, "Article 17");
        addLine(words, 120, 122, "Cooperation between authorities");
        addLine(words, 72, 140, "1. " + filler(16));
        addLine(words, 72, 152, filler(5, 16) + " end.");
        addLine(words, 150, 176, "Article 18");
        addLine(words, 72, 188, "Member States shall lay down the rules.");
        const auto paragraphs = paragraphsOf(words);
        QStringList got = texts(paragraphs);
        const QStringList expected = {"CHAPTER V SUPERVISION AND PENALTIES",
                                      "Article 17 Cooperation between authorities",
                                      "1. " + filler(16) + " " + filler(5, 16) + " end.",
                                      "Article 18", "Member States shall lay down the rules."};
        QVERIFY2(got == expected, qPrintable(got.join("\n---\n")));
        for (int k : {0, 1, 3})
            QCOMPARE(paragraphs[k].role, SegmentRole::Heading);
        QCOMPARE(paragraphs[4].role, SegmentRole::Body);
    }

    // A glossary set as terms beside their definitions, terms of up to four words wrapped
    // onto two or three lines, with the section's next headings under the terms: each term
    // reads whole before its definition, and the headings after them.
    void glossaryTermsStayWithTheirDefinitions() {
        std::vector<TextWord> words;
        addLine(words, 72, 100, "critical or important");
        addLine(words, 72, 112, "function");
        addLine(words, 72, 142, "exit plan");
        addLine(words, 72, 184, "senior manager");
        addLine(words, 72, 196, "function holder");
        addLine(words, 72, 208, "approval");
        for (int k = 0; k < 3; ++k) {
            addLine(words, 212, 100 + 12 * k, filler(k < 2 ? 13 : 5, 10 * k));
            addLine(words, 212, 142 + 12 * k, filler(k < 2 ? 13 : 5, 30 + 10 * k));
        }
        for (int k = 0; k < 6; ++k)
            addLine(words, 212, 184 + 12 * k, filler(k < 5 ? 13 : 5, 60 + 13 * k));
        addLine(words, 72, 266, "3 Governance", 14);
        addLine(words, 72, 288, "3.1 Scope", 12);
        addLine(words, 72, 306, filler(19, 150));
        const QStringList got = texts(paragraphsOf(words));
        QStringList third = {"senior manager function holder approval"};
        for (int k = 0; k < 6; ++k)
            third << filler(k < 5 ? 13 : 5, 60 + 13 * k);
        const QStringList expected = {"critical or important function " + filler(13) + " " +
                                          filler(13, 10) + " " + filler(5, 20),
                                      "exit plan " + filler(13, 30) + " " + filler(13, 40) + " " +
                                          filler(5, 50),
                                      third.join(QLatin1Char(' ')),
                                      "3 Governance",
                                      "3.1 Scope",
                                      filler(19, 150)};
        QVERIFY2(got == expected, qPrintable(got.join("\n---\n")));
    }

    // Two columns whose paragraphs both end at the same height leave a gap across the
    // page: the columns still read one after the other, not band by band.
    void columnsGoOnPastAGapAcrossBoth() {
        std::vector<TextWord> words;
        for (int k = 0; k < 12; ++k) {
            const double y = 100 + 12 * k + (k >= 6 ? 24 : 0);
            const QString n = QString::number(k).rightJustified(2, QLatin1Char('0'));
            addLine(words, 72, y, "L" + n + " lorem ipsum dolor amet sit elit");
            addLine(words, 320, y, "R" + n + " lorem ipsum dolor amet sit elit");
        }
        const QStringList got = texts(layoutPage(words));
        QCOMPARE(got.size(), 24);
        for (int k = 0; k < 12; ++k) {
            QVERIFY2(got[k].startsWith("L"), qPrintable(got.join(" / ")));
            QVERIFY2(got[12 + k].startsWith("R"), qPrintable(got.join(" / ")));
        }
    }

    // A slide: a running header in three parts, a centred title and text, and under them
    // a table. The gaps beside the centred lines line up with the table's, but the lines
    // above the table are no columns: they do not go on into it past the gap, and stay
    // lines of their own (the header was read as one of the table's cells).
    void centredLinesOverATableAreNoColumns() {
        std::vector<TextWord> words;
        auto put = [&](double x, double top, double bottom, const QString& text) {
            for (const QString& w : text.split(QLatin1Char(' '))) {
                const double width = w.size() * 0.48 * (bottom - top);
                words.push_back({w, QRectF(x, top, width, bottom - top), true});
                x += width + 3.3;
            }
        };
        put(36, 36.4, 47.5, "Header left");
        put(271.9, 36.4, 47.5, "Creating slide presentations with gropdf/mom");
        put(689.8, 36.4, 47.5, "Header right");
        put(256, 71.4, 91.7, "Macros and preprocessors");
        put(163.5, 106.5, 119.4,
            "Slides can make full use of all mom's document processing "
            "and typesetting");
        put(232, 124.9, 137.8, "macros, including preprocessors and image insertion.");
        put(90, 160.7, 172.2, "tbl");
        put(250, 160.7, 172.2, "pic");
        put(97, 183.4, 193.6, "Year");
        put(140, 183.4, 193.6, "Mean Temp.");
        const char* rows[][2] = {{"2015", "28.3"}, {"1998", "28.3"}, {"1997", "28.3"},
                                 {"2010", "28.1"}, {"2002", "28.1"}, {"2005", "28.0"}};
        for (int r = 0; r < 6; ++r) {
            const double top = 204.9 + 20.37 * r;
            put(95.75, top, top + 10.6, rows[r][0]);
            put(160.3, top, top + 10.6, rows[r][1]);
        }
        const std::vector<TextLine> lines = layoutPage(words);
        QVERIFY(lines.size() >= 4);
        const QStringList got = texts(lines);
        QVERIFY2(got[0] == "Header left Creating slide presentations with gropdf/mom Header right",
                 qPrintable(got.join(" / ")));
        for (int k = 0; k < 4; ++k)
            QVERIFY2(lines[k].table < 0, qPrintable(got[k]));
        QCOMPARE(got[1], QStringLiteral("Macros and preprocessors"));
    }

    // "Article 15." atop a page, where the page before ended mid-sentence ("... in
    // accordance with"), ends that sentence: no heading, and the section is still the
    // article the sentence is in.
    void sentenceEndsAtopPagesAreNoHeadings() {
        std::vector<TextWord> first, second;
        addLine(first, 72, 100, "Article 16 Competent authorities");
        addLine(first, 72, 120, filler(19));
        addLine(first, 72, 132, filler(15, 20) + " in accordance with");
        addLine(second, 72, 100, "Article 15.");
        addLine(second, 72, 120, "The authorities shall report " + filler(14, 40));
        addLine(second, 72, 132, filler(6, 60) + " end.");
        Document doc;
        assemblePdf(doc, {pageOf(0, first), pageOf(1, second)}, {});
        const Segment* end = segmentWith(doc, "Article 15.");
        QVERIFY(end);
        QCOMPARE(end->role, SegmentRole::Body);
        QCOMPARE(end->sectionPath, QStringList{"Article 16 Competent authorities"});
        QCOMPARE(segmentWith(doc, "The authorities shall report")->sectionPath,
                 QStringList{"Article 16 Competent authorities"});
    }

    // A paragraph left open at the foot of a column ("... Member States shall") goes on at
    // the head of the next ("ensure that ..."), past the first column's footnote.
    void paragraphsGoOnAcrossColumns() {
        std::vector<TextWord> words;
        for (int k = 0; k < 8; ++k) {
            const double y = 100 + 12 * k;
            const QString n = QString::number(k);
            addLine(words, 72, y,
                    k < 7 ? "left" + n + " lorem ipsum dolor amet sit elit"
                          : "left7 and Member States shall");
            addLine(words, 320, y,
                    k == 0 ? "ensure that lorem ipsum dolor amet sit"
                           : "right" + n + " lorem ipsum dolor amet sit elit");
        }
        addLine(words, 72, 760, "1", 5);
        addLine(words, 78, 760, "OJ L 201, 27.7.2012, p. 1.", 8);
        Document doc;
        assemblePdf(doc, {pageOf(0, words)}, {});
        const Segment* joined = segmentWith(doc, "left7 and Member States shall");
        QVERIFY(joined);
        QVERIFY2(joined->text.endsWith(
                     "left7 and Member States shall ensure that lorem ipsum dolor amet sit "
                     "right1 lorem ipsum dolor amet sit elit right2 lorem ipsum dolor amet sit "
                     "elit right3 lorem ipsum dolor amet sit elit right4 lorem ipsum dolor amet "
                     "sit elit right5 lorem ipsum dolor amet sit elit right6 lorem ipsum dolor "
                     "amet sit elit right7 lorem ipsum dolor amet sit elit"),
                 qPrintable(joined->text));
        QCOMPARE(segmentWith(doc, "OJ L 201")->role, SegmentRole::Footnote);
    }

    // A line across the page above two columns (a title and its authors atop the page) is
    // no column's foot: the left column's text under it, which starts in lower case where
    // it goes on from the page before, stays apart from it.
    void aLineAboveColumnsIsNoColumnsFoot() {
        std::vector<TextWord> words;
        addLine(words, 54, 47, "CONTROL EQUALS CHAOS");
        addLine(words, 470, 47, "Chang, Connors");
        for (int k = 0; k < 8; ++k) {
            const double y = 83 + 12 * k;
            const QString n = QString::number(k);
            addLine(words, 54, y,
                    k == 0 ? "eos et accusam dolores et rebum amet."
                           : "left" + n + " lorem ipsum dolor amet sit elit");
            addLine(words, 306, y, "right" + n + " lorem ipsum dolor amet sit elit");
        }
        Document doc;
        assemblePdf(doc, {pageOf(0, words)}, {});
        const Segment* title = segmentWith(doc, "CONTROL EQUALS CHAOS");
        QVERIFY(title);
        QVERIFY2(!title->text.contains("accusam"), qPrintable(title->text));
        QVERIFY(segmentWith(doc, "eos et accusam"));
    }

    void paragraphsHeadingsAndFootnotes() {
        std::vector<TextWord> words;
        addLine(words, 72, 80, "2.1 Sampling", 12);
        addLine(words, 72, 100, "The first paragraph has two lines of text that run");
        addLine(words, 72, 112, "all the way to the end of the column.");
        addLine(words, 72, 134, "A second paragraph starts after a gap and also has");
        addLine(words, 72, 146, "two lines of text.");
        addLine(words, 72, 700, "1 A footnote in small type at the foot of the page.", 7);
        addLine(words, 72, 709, "It continues here.", 7);
        const auto lines = layoutPage(words);
        const auto paragraphs =
            buildParagraphs(lines, std::vector<bool>(lines.size(), false), {842, 10});
        QCOMPARE(paragraphs.size(), std::size_t(4));
        QCOMPARE(paragraphs[0].role, SegmentRole::Heading);
        QCOMPARE(paragraphs[0].text, QStringLiteral("2.1 Sampling"));
        QCOMPARE(paragraphs[1].text,
                 QStringLiteral("The first paragraph has two lines of text that "
                                "run all the way to the end of the column."));
        QCOMPARE(paragraphs[2].role, SegmentRole::Body);
        QCOMPARE(paragraphs[3].role, SegmentRole::Footnote);
        QCOMPARE(paragraphs[3].text,
                 QStringLiteral(
                     "1 A footnote in small type at the foot of the page. It continues here."));
    }

    // A footnote's marker set small and raised right after a figure is no more digits of
    // it: "2.09" and a raised "3" read "2.09³", not 2.093; a subscript or a figure of the
    // same size after no space stays as it is.
    void raisedMarkersAreSuperscripts() {
        std::vector<TextWord> words;
        addLine(words, 72, 100, "Slicing");
        words.push_back({QStringLiteral("1"), QRectF(words.back().box.right(), 97, 4, 6), true});
        words.back().spaceAfter = true;
        words[0].spaceAfter = false;
        addLine(words, 150, 100, "2.09");
        words.back().spaceAfter = false;
        words.push_back({QStringLiteral("4,5"), QRectF(words.back().box.right(), 97, 10, 6), true});
        addLine(words, 250, 100, "H");
        words.back().spaceAfter = false;
        words.push_back({QStringLiteral("2"), QRectF(words.back().box.right(), 104, 4, 6), false});
        words.push_back({QStringLiteral("O"), QRectF(words.back().box.right(), 100, 6, 10), true});
        const auto lines = layoutPage(words);
        QCOMPARE(texts(lines), QStringList{QString::fromUtf8("Slicing¹ 2.09⁴,⁵ H2O")});
    }

    void hyphenation() {
        QCOMPARE(joinLines({"the docu-", "ments are", "here"}),
                 QStringLiteral("the documents are here"));
        QCOMPARE(joinLines({"Hewlett-", "Packard"}), QStringLiteral("Hewlett-Packard"));
        QCOMPARE(joinLines({QStringLiteral("soft\u00AD"), QStringLiteral("Hyphen")}),
                 QStringLiteral("softHyphen"));
        QCOMPARE(joinLines({"a range 1-", "5 of"}), QStringLiteral("a range 1- 5 of"));
        QCOMPARE(joinLines({"(encryp-", "tion)"}), QStringLiteral("(encryption)"));
        // Options, identifiers, compounds and capitals keep the hyphen the line ended on.
        QCOMPARE(joinLines({"pass -Wno-", "implicit-define"}),
                 QStringLiteral("pass -Wno-implicit-define"));
        QCOMPARE(joinLines({"set G_SLICE=always-", "malloc"}),
                 QStringLiteral("set G_SLICE=always-malloc"));
        QCOMPARE(joinLines({"--sim-hints=deactivate-", "pthread-stack"}),
                 QStringLiteral("--sim-hints=deactivate-pthread-stack"));
        QCOMPARE(joinLines({"state-of-", "the-art"}), QStringLiteral("state-of-the-art"));
        QCOMPARE(joinLines({"LOCK-", "prefixed"}), QStringLiteral("LOCK-prefixed"));
        QVERIFY(endsWithBrokenWord("exam-"));
        QVERIFY(!endsWithBrokenWord("--"));
    }

    void tesseractTsvBecomesWords() {
        const QByteArray tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_"
                               "num\tleft\ttop\twidth\theight\tconf\ttext\n"
                               "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n"
                               "4\t1\t1\t1\t1\t0\t300\t500\t900\t60\t-1\t\n"
                               "5\t1\t1\t1\t1\t1\t300\t500\t400\t60\t96.5\tHello\n"
                               "5\t1\t1\t1\t1\t2\t750\t500\t450\t60\t95.1\tworld\n";
        const auto words = TesseractOcr::parseTsv(tsv, 300);
        QCOMPARE(words.size(), std::size_t(2));
        QCOMPARE(words[0].text, QStringLiteral("Hello"));
        QCOMPARE(words[0].box, QRectF(72, 120, 96, 14.4));
        QCOMPARE(texts(layoutPage(words)), QStringList{"Hello world"});
    }
};

QTEST_MAIN(IngestLayoutTest)
#include "tst_ingest_layout.moc"
