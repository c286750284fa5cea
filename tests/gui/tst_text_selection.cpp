// The PDF viewer's text selection without a widget or a PDF: pages built from words and
// boxes, hit-testing, reading order across pages, and how the selected text is joined.

#include "ui/viewer/TextSelection.h"

#include <QtTest>

using namespace lv::ui;

namespace {

// Lines of words, each word 40 points wide and 45 apart, lines 20 points apart from
// y = 100; x0 shifts the column. The last word of each line ends it.
std::vector<PageWord> column(const QList<QStringList>& lines, double x0 = 72) {
    std::vector<PageWord> words;
    for (int l = 0; l < lines.size(); ++l)
        for (int i = 0; i < lines[l].size(); ++i)
            words.push_back({lines[l][i], QRectF(x0 + 45 * i, 100 + 20 * l, 40, 12), true,
                             i == lines[l].size() - 1});
    return words;
}

QList<QStringList> twoLines() {
    return {{QStringLiteral("Alpha"), QStringLiteral("bravo"), QStringLiteral("charlie")},
            {QStringLiteral("delta"), QStringLiteral("echo")}};
}

} // namespace

class TstTextSelection : public QObject {
    Q_OBJECT

private slots:
    void pageTextJoinsWordsAndLines();
    void pageTextKeepsWordsSetFlush();
    void pageTextDrawsOneRectanglePerLine();
    void pageTextTellsTextFromBlankSpace();
    void pageTextFindsTheWordADragReaches();
    void pageTextFollowsTheColumnUnderThePointer();
    void selectionOrdersItsEndsInReadingOrder();
    void selectionSpansPages();
    void selectionLeavesOutPagesNotRead();
};

void TstTextSelection::pageTextJoinsWordsAndLines() {
    const PageText page(column(twoLines()));
    QCOMPARE(page.wordCount(), 5);
    QCOMPARE(page.text(0, 4), QStringLiteral("Alpha bravo charlie\ndelta echo"));
    QCOMPARE(page.text(1, 3), QStringLiteral("bravo charlie\ndelta"));
    QCOMPARE(page.text(2, 2), QStringLiteral("charlie"));
    // Out-of-range ends are clamped to the page.
    QCOMPARE(page.text(-3, 99), page.text(0, 4));
    QCOMPARE(page.lineOf(1), std::make_pair(0, 2));
    QCOMPARE(page.lineOf(3), std::make_pair(3, 4));
    QCOMPARE(page.lineOf(5), std::make_pair(-1, -1));
    QVERIFY(PageText().text(0, 3).isEmpty());
}

void TstTextSelection::pageTextKeepsWordsSetFlush() {
    // "Article 5(a)" printed as two boxes with no space between, then a normal space.
    std::vector<PageWord> words{
        {QStringLiteral("Article"), QRectF(72, 100, 40, 12), true, false},
        {QStringLiteral("5"), QRectF(117, 100, 6, 12), false, false},
        {QStringLiteral("(a)"), QRectF(123, 100, 14, 12), true, false},
        {QStringLiteral("applies."), QRectF(142, 100, 40, 12), true, true},
    };
    const PageText page(std::move(words));
    QCOMPARE(page.text(0, 3), QStringLiteral("Article 5(a) applies."));
}

void TstTextSelection::pageTextDrawsOneRectanglePerLine() {
    const PageText page(column(twoLines()));
    const QList<QRectF> rects = page.rects(1, 3);
    QCOMPARE(rects.size(), 2);
    // bravo..charlie as one band, the gap between them included; then delta alone.
    QCOMPARE(rects[0], QRectF(72 + 45, 100, 85, 12));
    QCOMPARE(rects[1], QRectF(72, 120, 40, 12));
    QCOMPARE(page.rects(4, 4).size(), 1);
    QVERIFY(page.rects(3, 2).isEmpty());
}

void TstTextSelection::pageTextTellsTextFromBlankSpace() {
    const PageText page(column(twoLines()));
    QCOMPARE(page.wordAt(QPointF(92, 106), 0), 0);  // inside "Alpha"
    QCOMPARE(page.wordAt(QPointF(114, 106), 3), 0); // in the gap, nearer Alpha
    QCOMPARE(page.wordAt(QPointF(115.5, 106), 3), 1);
    QCOMPARE(page.wordAt(QPointF(114, 106), 0), -1); // no slop: blank
    QCOMPARE(page.wordAt(QPointF(400, 106), 3), -1); // the right margin
    QCOMPARE(page.wordAt(QPointF(92, 50), 3), -1);   // above the text
    QCOMPARE(page.wordAt(QPointF(150, 126), 3), 4);  // "echo"
    QCOMPARE(PageText().wordAt(QPointF(0, 0), 100), -1);
}

void TstTextSelection::pageTextFindsTheWordADragReaches() {
    const PageText page(column(twoLines()));
    QCOMPARE(page.nearestWord(QPointF(500, 106)), 2); // right of line 1: its last word
    QCOMPARE(page.nearestWord(QPointF(10, 126)), 3);  // left of line 2: its first word
    QCOMPARE(page.nearestWord(QPointF(300, 20)), 0);  // above all the text: the first
    QCOMPARE(page.nearestWord(QPointF(10, 700)), 4);  // below it: the last, even at left
    QCOMPARE(page.nearestWord(QPointF(160, 110)), 2); // under "charlie", above line 2
    QCOMPARE(PageText().nearestWord(QPointF(1, 1)), -1);
}

void TstTextSelection::pageTextFollowsTheColumnUnderThePointer() {
    // Two columns: the left one's words first in reading order, then the right one's.
    std::vector<PageWord> words = column({{QStringLiteral("left"), QStringLiteral("one")},
                                          {QStringLiteral("left"), QStringLiteral("two")}});
    const std::vector<PageWord> right = column({{QStringLiteral("right"), QStringLiteral("one")},
                                                {QStringLiteral("right"), QStringLiteral("two")}},
                                               320);
    words.insert(words.end(), right.begin(), right.end());
    const PageText page(std::move(words));
    QCOMPARE(page.wordAt(QPointF(330, 126), 2), 6);   // "right" of the right column, line 2
    QCOMPARE(page.nearestWord(QPointF(300, 106)), 4); // in the gutter, nearer the right
    QCOMPARE(page.text(2, 5), QStringLiteral("left two\nright one"));
}

void TstTextSelection::selectionOrdersItsEndsInReadingOrder() {
    TextSelection s;
    QVERIFY(s.isEmpty());
    QCOMPARE(s.pages(), std::make_pair(-1, -1));
    QCOMPARE(s.wordsOn(0, 10), std::make_pair(-1, -1));
    // Dragged backwards: from word 7 of page 2 up to word 3 of page 1.
    s.select({2, 7}, {1, 3});
    QVERIFY(!s.isEmpty());
    QCOMPARE(s.anchor(), (TextPosition{2, 7}));
    QCOMPARE(s.focus(), (TextPosition{1, 3}));
    QCOMPARE(s.start(), (TextPosition{1, 3}));
    QCOMPARE(s.end(), (TextPosition{2, 7}));
    QCOMPARE(s.pages(), std::make_pair(1, 2));
    QCOMPARE(s.wordsOn(1, 10), std::make_pair(3, 9));
    QCOMPARE(s.wordsOn(2, 10), std::make_pair(0, 7));
    QCOMPARE(s.wordsOn(2, 5), std::make_pair(0, 4));   // an end past the page is clamped
    QCOMPARE(s.wordsOn(1, 2), std::make_pair(-1, -1)); // starts after the page's words
    QCOMPARE(s.wordsOn(0, 10), std::make_pair(-1, -1));
    QCOMPARE(s.wordsOn(3, 10), std::make_pair(-1, -1));
    // The same word at both ends is a one-word selection.
    s.select({0, 4}, {0, 4});
    QCOMPARE(s.wordsOn(0, 10), std::make_pair(4, 4));
    // An invalid end clears it.
    s.select({0, 4}, {});
    QVERIFY(s.isEmpty());
}

void TstTextSelection::selectionSpansPages() {
    const std::vector<PageText> pages{
        PageText(column(twoLines())),
        PageText(), // a scanned page: no words
        PageText(column(
            {{QStringLiteral("foxtrot"), QStringLiteral("golf")}, {QStringLiteral("hotel")}})),
    };
    auto lookup = [&pages](int page) -> const PageText* {
        return page >= 0 && page < int(pages.size()) ? &pages[std::size_t(page)] : nullptr;
    };
    TextSelection s;
    s.select({2, 1}, {0, 3}); // from "golf" back to "delta"
    QList<int> missing;
    // Pages apart by one blank line; the page without words adds none.
    QCOMPARE(s.text(lookup, &missing), QStringLiteral("delta echo\n\nfoxtrot golf"));
    QVERIFY(missing.isEmpty());
    s.select({0, 2}, {0, 2});
    QCOMPARE(s.text(lookup), QStringLiteral("charlie"));
    QVERIFY(TextSelection().text(lookup).isEmpty());
}

void TstTextSelection::selectionLeavesOutPagesNotRead() {
    const PageText first(column(twoLines()));
    const PageText last(column({{QStringLiteral("zulu")}}));
    auto lookup = [&](int page) -> const PageText* {
        if (page == 4) return &first;
        if (page == 7) return &last;
        return nullptr; // pages 5 and 6 are still being read
    };
    TextSelection s;
    s.select({4, 4}, {7, 0});
    QList<int> missing;
    QCOMPARE(s.text(lookup, &missing), QStringLiteral("echo\n\nzulu"));
    QCOMPARE(missing, (QList<int>{5, 6}));
}

QTEST_GUILESS_MAIN(TstTextSelection)
#include "tst_text_selection.moc"
