// The PDF viewer's text selection without a widget or a PDF: pages built from words and
// boxes, hit-testing down to the character, reading order across pages, and how the
// selected text is joined.

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
    void pageTextPlacesTheCaretBetweenCharacters();
    void pageTextSelectsPartsOfWords();
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

void TstTextSelection::pageTextPlacesTheCaretBetweenCharacters() {
    const PageText page(column(twoLines())); // no character boxes: each of "Alpha" 8 wide
    QCOMPARE(page.caretIn(0, 73), 0);
    QCOMPARE(page.caretIn(0, 77), 1); // past the middle of "A"
    QCOMPARE(page.caretIn(0, 111), 5);
    QCOMPARE(page.caretIn(0, 300), 5);
    QCOMPARE(page.nearestCaret(QPointF(500, 106)), std::make_pair(2, 7)); // after "charlie"
    QCOMPARE(page.nearestCaret(QPointF(10, 126)), std::make_pair(3, 0));  // before "delta"
    QCOMPARE(page.nearestCaret(QPointF(300, 20)), std::make_pair(0, 0));  // above: the start
    QCOMPARE(page.nearestCaret(QPointF(10, 700)), std::make_pair(4, 4));  // below: the end
    QCOMPARE(PageText().nearestCaret(QPointF(1, 1)), std::make_pair(-1, 0));
    // The extractor's boxes, where given, rule: a wide "W" then two narrow letters.
    PageWord w{QStringLiteral("Wil"),
               QRectF(72, 100, 18, 12),
               true,
               true,
               {QRectF(72, 100, 12, 12), QRectF(84, 100, 3, 12), QRectF(87, 100, 3, 12)}};
    const PageText wil({w});
    QCOMPARE(wil.caretIn(0, 82), 1); // evenly shared out, x = 82 would be past "i"
    QCOMPARE(wil.charBox(0, 0), QRectF(72, 100, 12, 12));
    w.chars.pop_back(); // a box per character or none: shared out evenly
    QCOMPARE(PageText({w}).caretIn(0, 82), 2);
    // A right-to-left word: its first character is the rightmost.
    const PageWord shalom{QStringLiteral("\u05E9\u05DC\u05D5\u05DD"),
                          QRectF(72, 100, 40, 12),
                          true,
                          true,
                          {QRectF(102, 100, 10, 12), QRectF(92, 100, 10, 12),
                           QRectF(82, 100, 10, 12), QRectF(72, 100, 10, 12)}};
    const PageText hebrew({shalom});
    QCOMPARE(hebrew.caretIn(0, 111), 0); // right of the first letter's middle
    QCOMPARE(hebrew.caretIn(0, 95), 2);
    QCOMPARE(hebrew.caretIn(0, 60), 4);
    // Its first two letters are its right half.
    QCOMPARE(hebrew.rects(PageRange{0, 0, 0, 2}), (QList<QRectF>{QRectF(92, 100, 20, 12)}));
    QCOMPARE(hebrew.text(PageRange{0, 0, 0, 2}), QStringLiteral("\u05E9\u05DC"));
}

void TstTextSelection::pageTextSelectsPartsOfWords() {
    const PageText page(column(twoLines()));
    // From "av" of "bravo" to before "lta" of "delta".
    const PageRange part{1, 2, 3, 2};
    QCOMPARE(page.text(part), QStringLiteral("avo charlie\nde"));
    QCOMPARE(page.rects(part),
             (QList<QRectF>{QRectF(72 + 45 + 16, 100, 69, 12), QRectF(72, 120, 16, 12)}));
    // Between "Alpha" and "bravo": the space alone, its band the gap between the boxes.
    const PageRange gap{0, 5, 1, 0};
    QCOMPARE(page.text(gap), QStringLiteral(" "));
    QCOMPARE(page.rects(gap), (QList<QRectF>{QRectF(112, 100, 5, 12)}));
    QCOMPARE(page.words(1, 3), (PageRange{1, 0, 3, 5}));
    QVERIFY(!page.words(3, 2).isValid());
}

void TstTextSelection::selectionOrdersItsEndsInReadingOrder() {
    const PageText ten(column({{"w0", "w1", "w2", "w3", "w4"}, {"w5", "w6", "w7", "w8", "w9"}}));
    const PageText five(column({{"v0", "v1", "v2", "v3", "v4"}}));
    const PageText two(column({{"u0", "u1"}}));
    TextSelection s;
    QVERIFY(s.isEmpty());
    QCOMPARE(s.pages(), std::make_pair(-1, -1));
    QVERIFY(!s.rangeOn(0, ten).isValid());
    // Dragged backwards: from inside word 7 of page 2 up to word 3 of page 1.
    s.select({2, 7, 1}, {1, 3, 0});
    QVERIFY(!s.isEmpty());
    QCOMPARE(s.anchor(), (TextPosition{2, 7, 1}));
    QCOMPARE(s.focus(), (TextPosition{1, 3, 0}));
    QCOMPARE(s.start(), (TextPosition{1, 3, 0}));
    QCOMPARE(s.end(), (TextPosition{2, 7, 1}));
    QCOMPARE(s.pages(), std::make_pair(1, 2));
    QCOMPARE(s.rangeOn(1, ten), (PageRange{3, 0, 9, 2}));
    QCOMPARE(s.rangeOn(2, ten), (PageRange{0, 0, 7, 1}));
    QCOMPARE(s.rangeOn(2, five), (PageRange{0, 0, 4, 2})); // an end past the page: clamped
    QVERIFY(!s.rangeOn(1, two).isValid());                 // starts after the page's words
    QVERIFY(!s.rangeOn(0, ten).isValid());
    QVERIFY(!s.rangeOn(3, ten).isValid());
    // Part of one word; the same caret at both ends selects nothing.
    s.select({0, 4, 0}, {0, 4, 1});
    QCOMPARE(s.rangeOn(0, ten), (PageRange{4, 0, 4, 1}));
    QCOMPARE(s.text([&](int) { return &ten; }), QStringLiteral("w"));
    s.select({0, 4, 1}, {0, 4, 1});
    QVERIFY(s.isEmpty());
    // An invalid end clears it.
    s.select({0, 4, 0}, {});
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
    s.select({2, 1, 2}, {0, 3, 1}); // from inside "golf" back into "delta"
    QList<int> missing;
    // Pages apart by one blank line; the page without words adds none.
    QCOMPARE(s.text(lookup, &missing), QStringLiteral("elta echo\n\nfoxtrot go"));
    QVERIFY(missing.isEmpty());
    s.select({0, 2, 0}, {0, 2, 7});
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
    s.select({4, 4, 0}, {7, 0, 4});
    QList<int> missing;
    QCOMPARE(s.text(lookup, &missing), QStringLiteral("echo\n\nzulu"));
    QCOMPARE(missing, (QList<int>{5, 6}));
}

QTEST_GUILESS_MAIN(TstTextSelection)
#include "tst_text_selection.moc"
