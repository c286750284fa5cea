// The viewer on its own: page layout, syntax rules, PDF opening, rendering, search,
// page labels, cited passages and text selection, code files, and the panel that
// switches between them.

#include "support/PdfFixtures.h"
#include "support/UiWatchdog.h"

#include "ui/shell/EmptyState.h"
#include "ui/viewer/CodeEditor.h"
#include "ui/viewer/CodebaseView.h"
#include "ui/viewer/FileIcons.h"
#include "ui/viewer/FindBar.h"
#include "ui/viewer/PageLayout.h"
#include "ui/viewer/PassageLocator.h"
#include "ui/viewer/PdfDocument.h"
#include "ui/viewer/PdfView.h"
#include "ui/viewer/SyntaxRules.h"
#include "ui/viewer/ViewerPanel.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTimer>
#include <QtTest>

using namespace lv::ui;

namespace {

QStringList bookPages() {
    QStringList pages;
    pages << QStringLiteral("Preface. This regulation governs the storage of grain.")
          << QStringLiteral("Contents. Part one: definitions. Part two: obligations.")
          << QStringLiteral("Article 1. Definitions. A silo is a tower for grain. The operator "
                            "keeps the silo dry.")
          << QStringLiteral(
                 "Article 2. Obligations. The operator inspects every silo each month and records "
                 "the humidity. A missing record is a breach of this article.")
          << QStringLiteral("Article 3. Penalties. A breach is punished by a fine of one hundred "
                            "florins per silo.");
    return pages;
}

// Short lines that never wrap, so that every line's words are known.
QStringList selectionPages() {
    return {QStringLiteral("Alpha bravo charlie delta\nEcho foxtrot golf hotel"),
            QStringLiteral("India juliett kilo lima\nMike november oscar papa")};
}

// The centre of a word of a page, in the view's viewport; null when it is not read.
QPoint wordCentre(const PdfView& view, int page, const QString& word) {
    const PageText* text = view.pageText(page);
    for (int i = 0; text && i < text->wordCount(); ++i)
        if (text->word(i).text == word)
            return view.mapFromPage(page, text->word(i).box.center()).toPoint();
    return {};
}

// A point over the first (or the last) character of word, nearer the word's outer edge: a
// drag from one word's start to another's end selects whole words.
QPoint wordEdge(const PdfView& view, int page, const QString& word, bool end) {
    const PageText* text = view.pageText(page);
    for (int i = 0; text && i < text->wordCount(); ++i) {
        if (text->word(i).text != word) continue;
        const QRectF c = text->charBox(i, end ? int(word.size()) - 1 : 0);
        const QPointF at(end ? c.right() - c.width() / 4 : c.left() + c.width() / 4,
                         c.center().y());
        return view.mapFromPage(page, at).toPoint();
    }
    return {};
}
QPoint wordStart(const PdfView& view, int page, const QString& word) {
    return wordEdge(view, page, word, false);
}
QPoint wordEnd(const PdfView& view, int page, const QString& word) {
    return wordEdge(view, page, word, true);
}

void drag(QWidget* viewport, Qt::MouseButton button, QPoint from, QPoint to) {
    QTest::mousePress(viewport, button, {}, from);
    QTest::mouseMove(viewport, from + (to - from) / 3);
    QTest::mouseMove(viewport, to);
    QTest::mouseRelease(viewport, button, {}, to);
}

bool hasSpan(const std::vector<TokenSpan>& spans, int start, int length, TokenKind kind) {
    for (const TokenSpan& s : spans)
        if (s.start == start && s.length == length && s.kind == kind) return true;
    return false;
}

LibraryEntry pdfEntry(const QString& path) {
    LibraryEntry e;
    e.info.id = 7;
    e.info.kind = lv::analysis::DocumentKind::Pdf;
    e.info.title = "Grain regulation";
    e.info.sourcePath = path.toStdString();
    e.info.pages = 5;
    return e;
}

} // namespace

class TstGuiViewer : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void pageLayoutStacksPagesAndFindsThem();
    void syntaxRulesColourCode();
    void syntaxRulesCarryStateAcrossLines();
    void passageLocatorFindsAQuoteAcrossLines();
    void pdfDocumentReadsPagesAndLabels();
    void pdfDocumentAsksForPassword();
    void pdfViewRendersZoomsAndNavigates();
    void pdfViewFindsTextOnEveryPage();
    void pdfViewOutlinesACitedPassage();
    void pdfViewSelectsAndCopiesText();
    void pdfViewSelectsAcrossPagesAndStillPans();
    void pdfViewSelectsWhileScrollingAndCopiesUnreadPages();
    void codeEditorLoadsALargeFileWithoutBlocking();
    void codeEditorFindsAndShowsLines();
    void codeEditorShowsAHugeLineWithoutBlocking();
    void viewerPanelOpensPdfAndShowsCitation();
    void viewerPanelOpensCodebaseAndShowsCitedLines();
    void viewerPanelExplainsAMissingSource();
    void viewerPanelShowsTextFilesAsTheyWereRead();
    void codebaseWithoutReadmeAsksForAFile();
    void fileTreeNamesTypesWithoutReadingFiles();

private:
    // Shows the widget at this size and waits until it is on screen. The tests then arm
    // the watchdog for the rest of their scope, declared after the widget, so that its
    // teardown (which the application does only when it exits) is not measured.
    static bool expose(QWidget& widget, QSize size) {
        widget.resize(size);
        widget.show();
        return QTest::qWaitForWindowExposed(&widget);
    }

    QTemporaryDir dir_;
    QString pdfPath_;
    QString selectionPdfPath_;
    lv::test::UiWatchdog* watchdog_ = nullptr;
};

void TstGuiViewer::initTestCase() {
    QVERIFY(dir_.isValid());
    pdfPath_ = dir_.filePath(QStringLiteral("grain.pdf"));
    QVERIFY(lv::test::writeTextPdf(pdfPath_, bookPages(), QStringLiteral("Grain regulation")));
    QVERIFY(lv::test::addRomanPageLabels(pdfPath_, 2));
    selectionPdfPath_ = dir_.filePath(QStringLiteral("alphabet.pdf"));
    QVERIFY(
        lv::test::writeTextPdf(selectionPdfPath_, selectionPages(), QStringLiteral("Alphabet")));
    watchdog_ = new lv::test::UiWatchdog(this);
}

void TstGuiViewer::init() {
    watchdog_->reset();
    watchdog_->setContext(QString::fromLatin1(QTest::currentTestFunction()));
}

void TstGuiViewer::cleanup() {
    const QString blocked = watchdog_->finishTest(lv::test::UiWatchdog::kLimitMs);
    if (!blocked.isEmpty()) QFAIL(qPrintable(blocked));
}

void TstGuiViewer::pageLayoutStacksPagesAndFindsThem() {
    PageLayout layout;
    const std::vector<QSizeF> sizes{{600, 800}, {600, 800}, {800, 600}};
    layout.update(sizes, 1.0, 1000);
    QCOMPARE(layout.pageCount(), 3);
    QCOMPARE(layout.pageRect(0).top(), PageLayout::kMargin);
    QCOMPARE(layout.pageRect(1).top(), PageLayout::kMargin + 800 + PageLayout::kGap);
    // Centred in a viewport wider than the pages.
    QCOMPARE(layout.pageRect(0).left(), (1000 - 600) / 2);
    QCOMPARE(layout.pageAt(layout.pageRect(1).top() + 10), 1);
    QCOMPARE(layout.pageAt(1000000), 2);
    const auto range =
        layout.visibleRange(layout.pageRect(0).bottom() - 5, layout.pageRect(1).top() + 5);
    QCOMPARE(range.first, 0);
    QCOMPARE(range.second, 1);
    QCOMPARE(layout.contentSize().height(),
             PageLayout::kMargin * 2 + 800 + 800 + 600 + 2 * PageLayout::kGap);
    // Fit width: the widest page fills the viewport less the margins.
    QCOMPARE(PageLayout::fitWidthScale(sizes, 836), (836.0 - 2 * PageLayout::kMargin) / 800.0);
    const QRectF r = layout.toContent(1, QRectF(10, 20, 30, 40));
    QCOMPARE(r.top(), double(layout.pageRect(1).top() + 20));
}

void TstGuiViewer::syntaxRulesColourCode() {
    const SyntaxRules cpp = SyntaxRules::forFileName(QStringLiteral("src/main.cpp"));
    QCOMPARE(cpp.languageName(), QStringLiteral("C++"));
    int state = 0;
    const QString line = QStringLiteral("return foo(\"a // b\", 42); // done");
    const auto spans = cpp.highlightLine(line, state);
    QVERIFY(hasSpan(spans, 0, 6, TokenKind::Keyword));
    QVERIFY(hasSpan(spans, 7, 3, TokenKind::Function));
    QVERIFY(hasSpan(spans, 11, 8, TokenKind::String)); // the // inside stays a string
    QVERIFY(hasSpan(spans, 21, 2, TokenKind::Number));
    QVERIFY(hasSpan(spans, 26, 7, TokenKind::Comment));
    state = 0;
    QVERIFY(
        hasSpan(cpp.highlightLine(u"#include <vector>", state), 0, 17, TokenKind::Preprocessor));

    QCOMPARE(SyntaxRules::forFileName(QStringLiteral("CMakeLists.txt")).languageName(),
             QStringLiteral("CMake"));
    QCOMPARE(SyntaxRules::forFileName(QStringLiteral("tool.py")).languageName(),
             QStringLiteral("Python"));
    QVERIFY(SyntaxRules::forFileName(QStringLiteral("notes.unknownext")).isPlainText());
    state = 0;
    QVERIFY(SyntaxRules::plainText().highlightLine(u"int x = 1;", state).empty());
}

void TstGuiViewer::syntaxRulesCarryStateAcrossLines() {
    const SyntaxRules cpp = SyntaxRules::forFileName(QStringLiteral("a.h"));
    int state = 0;
    QVERIFY(hasSpan(cpp.highlightLine(u"int a; /* open", state), 7, 7, TokenKind::Comment));
    QVERIFY(state != 0);
    QVERIFY(hasSpan(cpp.highlightLine(u"still comment", state), 0, 13, TokenKind::Comment));
    const auto closing = cpp.highlightLine(u"end */ int b;", state);
    QCOMPARE(state, 0);
    QVERIFY(hasSpan(closing, 0, 6, TokenKind::Comment));
    QVERIFY(hasSpan(closing, 7, 3, TokenKind::Type));

    const SyntaxRules py = SyntaxRules::forFileName(QStringLiteral("m.py"));
    state = 0;
    py.highlightLine(u"x = \"\"\"doc", state);
    QVERIFY(state != 0);
    QVERIFY(hasSpan(py.highlightLine(u"more\"\"\" + 1", state), 0, 7, TokenKind::String));
    QCOMPARE(state, 0);

    const SyntaxRules md = SyntaxRules::forFileName(QStringLiteral("README.md"));
    state = 0;
    QVERIFY(hasSpan(md.highlightLine(u"# Title", state), 0, 7, TokenKind::Heading));
    md.highlightLine(u"```cpp", state);
    QVERIFY(hasSpan(md.highlightLine(u"# not a heading", state), 0, 15, TokenKind::String));
    md.highlightLine(u"```", state);
    QCOMPARE(state, 0);
}

void TstGuiViewer::passageLocatorFindsAQuoteAcrossLines() {
    // Two lines of words, each word 40 points wide, lines 14 points apart.
    std::vector<PageWord> words;
    const QStringList line1 = {QStringLiteral("Article"), QStringLiteral("5."),
                               QStringLiteral("Humidity"), QStringLiteral("register."),
                               QStringLiteral("The")};
    const QStringList line2 = {QStringLiteral("operator"), QStringLiteral("measures"),
                               QStringLiteral("the"), QStringLiteral("humidity"),
                               QStringLiteral("weekly.")};
    for (int i = 0; i < line1.size(); ++i)
        words.push_back({line1[i], QRectF(72 + 45 * i, 100, 40, 12)});
    for (int i = 0; i < line2.size(); ++i)
        words.push_back({line2[i], QRectF(72 + 45 * i, 114, 40, 12)});

    // Different spacing, case and punctuation; it starts mid-line and ends mid-line.
    QList<QRectF> rects = locatePassage(words, QStringLiteral("register the\n OPERATOR measures"));
    QCOMPARE(rects.size(), 2);
    QCOMPARE(rects[0], QRectF(72 + 45 * 3, 100, 85, 12));
    QCOMPARE(rects[1], QRectF(72, 114, 85, 12));
    // The longest run wins over an earlier short one ("the" appears twice).
    rects = locatePassage(words, QStringLiteral("the humidity weekly"));
    QCOMPARE(rects.size(), 1);
    QCOMPARE(rects[0].left(), 72.0 + 45 * 2);
    // Too little in common: nothing is outlined.
    QVERIFY(locatePassage(words, QStringLiteral("fines for a missing register")).isEmpty());
    QVERIFY(locatePassage({}, QStringLiteral("anything")).isEmpty());
}

void TstGuiViewer::pdfDocumentReadsPagesAndLabels() {
    const PdfDocument::OpenResult r = PdfDocument::open(pdfPath_);
    QCOMPARE(int(r.status), int(PdfDocument::OpenStatus::Ok));
    QVERIFY(r.document);
    const PdfDocument& doc = *r.document;
    QCOMPARE(doc.pageCount(), 5);
    QCOMPARE(doc.title(), QStringLiteral("Grain regulation"));
    QVERIFY(doc.hasCustomLabels());
    QCOMPARE(doc.pageLabel(0), QStringLiteral("i"));
    QCOMPARE(doc.pageLabel(1), QStringLiteral("ii"));
    QCOMPARE(doc.pageLabel(2), QStringLiteral("1"));
    QCOMPARE(doc.pageForLabel(QStringLiteral("ii")), 1);
    QCOMPARE(doc.pageForLabel(QStringLiteral("3")), 4);
    QCOMPARE(doc.pageForLabel(QStringLiteral("xx")), -1);
    QVERIFY(doc.search(3, QStringLiteral("humidity"), false).size() == 1);
    QVERIFY(doc.search(2, QStringLiteral("humidity"), false).isEmpty());
    QVERIFY(doc.search(2, QStringLiteral("SILO"), true).isEmpty());
    QCOMPARE(doc.search(2, QStringLiteral("SILO"), false).size(), 2);
    // Words in reading order with their line ends; a ligature is read as its letters
    // ("fine", not U+FB01 "ne"), the spelling of the ingested text.
    const std::vector<PageWord> words = doc.words(4);
    QVERIFY(!words.empty());
    QVERIFY(words.back().endsLine);
    QVERIFY(std::any_of(words.begin(), words.end(),
                        [](const PageWord& w) { return w.text == QLatin1String("fine"); }));
    const QImage page = doc.render(0, 1.0, {});
    QVERIFY(!page.isNull());
    QVERIFY(qAbs(page.width() - 595) <= 1); // A4 at 72 dpi

    const PdfDocument::OpenResult missing =
        PdfDocument::open(dir_.filePath(QStringLiteral("none.pdf")));
    QCOMPARE(int(missing.status), int(PdfDocument::OpenStatus::Failed));
    QVERIFY(missing.error.contains(QStringLiteral("none.pdf")));
}

void TstGuiViewer::pdfDocumentAsksForPassword() {
    const QString locked = dir_.filePath(QStringLiteral("locked.pdf"));
    QString error;
    if (!lv::test::encryptPdf(pdfPath_, locked, QStringLiteral("s3cret"), &error))
        QSKIP(qPrintable(QStringLiteral("cannot make an encrypted PDF: ") + error));
    QCOMPARE(int(PdfDocument::open(locked).status), int(PdfDocument::OpenStatus::NeedsPassword));
    QCOMPARE(int(PdfDocument::open(locked, "wrong").status),
             int(PdfDocument::OpenStatus::WrongPassword));
    const PdfDocument::OpenResult ok = PdfDocument::open(locked, "s3cret");
    QCOMPARE(int(ok.status), int(PdfDocument::OpenStatus::Ok));
    QCOMPARE(ok.document->pageCount(), 5);
}

void TstGuiViewer::pdfViewRendersZoomsAndNavigates() {
    PdfView view;
    QVERIFY(expose(view, QSize(700, 600)));
    const auto armed = watchdog_->armedForScope();
    view.setDocument(PdfDocument::open(pdfPath_).document);
    QVERIFY(view.isFitWidth());
    QTRY_VERIFY(view.renderedPageCount() > 0);
    QCOMPARE(view.currentPage(), 0);

    QSignalSpy zoomSpy(&view, &PdfView::zoomChanged);
    const double fit = view.zoom();
    view.zoomIn();
    QVERIFY(!view.isFitWidth());
    QVERIFY(view.zoom() > fit);
    QCOMPARE(zoomSpy.count(), 1);
    view.setZoom(1.0);
    QCOMPARE(view.zoom(), 1.0);
    view.setFitWidth();
    QVERIFY(qAbs(view.zoom() - fit) < 1e-6);

    QSignalSpy pageSpy(&view, &PdfView::currentPageChanged);
    view.goToPage(3);
    QCOMPARE(view.currentPage(), 3);
    QCOMPARE(pageSpy.count(), 1);
    QTest::keyClick(&view, Qt::Key_Home);
    QCOMPARE(view.currentPage(), 0);
    QTest::keyClick(&view, Qt::Key_End);
    QCOMPARE(view.currentPage(), 4);
    QTRY_VERIFY(view.renderedPageCount() >= 2);
}

void TstGuiViewer::pdfViewFindsTextOnEveryPage() {
    PdfView view;
    QVERIFY(expose(view, QSize(700, 600)));
    const auto armed = watchdog_->armedForScope();
    view.setDocument(PdfDocument::open(pdfPath_).document);
    QSignalSpy spy(&view, &PdfView::matchesChanged);
    view.find(QStringLiteral("silo"), false);
    QTRY_VERIFY(!view.isSearching());
    QTRY_COMPARE(view.matchCount(), 4); // twice on page 3, once on page 4, once on page 5
    QVERIFY(spy.count() >= 2);
    QCOMPARE(view.currentMatch(), 0);
    QCOMPARE(view.matches()[0].page, 2);
    QCOMPARE(view.matches()[1].page, 2);
    view.nextMatch();
    view.nextMatch();
    QCOMPARE(view.currentMatch(), 2);
    QCOMPARE(view.matches()[2].page, 3);
    view.previousMatch();
    view.previousMatch();
    view.previousMatch();
    QCOMPARE(view.currentMatch(), 3); // wraps around
    QCOMPARE(view.currentPage(), 4);
    view.clearFind();
    QCOMPARE(view.matchCount(), 0);
}

void TstGuiViewer::pdfViewOutlinesACitedPassage() {
    PdfView view;
    QVERIFY(expose(view, QSize(700, 500)));
    const auto armed = watchdog_->armedForScope();
    view.setDocument(PdfDocument::open(pdfPath_).document);
    view.showTarget(
        3,
        QStringLiteral("The operator inspects every silo\n each month and records the humidity."));
    QCOMPARE(view.targetPage(), 3);
    QCOMPARE(view.currentPage(), 3);
    QTRY_VERIFY(!view.targetRects().isEmpty());
    // A quote the page does not contain still shows the page.
    view.showTarget(1, QStringLiteral("words that appear nowhere at all"));
    QCOMPARE(view.currentPage(), 1);
    QTest::qWait(100);
    QVERIFY(view.targetRects().isEmpty());
}

void TstGuiViewer::pdfViewSelectsAndCopiesText() {
    PdfView view;
    QVERIFY(expose(view, QSize(700, 600)));
    const auto armed = watchdog_->armedForScope();
    view.setDocument(PdfDocument::open(selectionPdfPath_).document);
    // The visible page's words are read on a worker, with the lines Poppler found.
    QTRY_VERIFY(view.pageText(0));
    const PageText& page = *view.pageText(0);
    QCOMPARE(page.text(0, page.wordCount() - 1), selectionPages()[0]);
    QWidget* viewport = view.viewport();
    QSignalSpy changed(&view, &PdfView::selectionChanged);

    // The pointer is an I-beam over text and a hand elsewhere.
    QTest::mouseMove(viewport, wordCentre(view, 0, QStringLiteral("golf")));
    QCOMPARE(viewport->cursor().shape(), Qt::IBeamCursor);
    QTest::mouseMove(viewport, QPoint(4, 300));
    QCOMPARE(viewport->cursor().shape(), Qt::OpenHandCursor);

    // A drag from the middle of a word to the middle of another selects characters.
    drag(viewport, Qt::LeftButton, wordCentre(view, 0, QStringLiteral("Echo")),
         wordCentre(view, 0, QStringLiteral("hotel")));
    QCOMPARE(view.selectedText(), QStringLiteral("ho foxtrot golf ho"));
    // A drag along the second line selects it; Ctrl+C copies it.
    drag(viewport, Qt::LeftButton, wordStart(view, 0, QStringLiteral("Echo")),
         wordEnd(view, 0, QStringLiteral("hotel")));
    QVERIFY(view.hasSelection());
    QCOMPARE(view.selectedText(), QStringLiteral("Echo foxtrot golf hotel"));
    QVERIFY(!changed.isEmpty());
    QCOMPARE(changed.last().first().toBool(), true);
    QGuiApplication::clipboard()->clear();
    QTest::keyClick(&view, Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("Echo foxtrot golf hotel"));
    // Backwards, from the middle of the first line into the second.
    drag(viewport, Qt::LeftButton, wordEnd(view, 0, QStringLiteral("foxtrot")),
         wordStart(view, 0, QStringLiteral("charlie")));
    QCOMPARE(view.selectedText(), QStringLiteral("charlie delta\nEcho foxtrot"));
    // Shift+click extends a selection from where it began.
    drag(viewport, Qt::LeftButton, wordStart(view, 0, QStringLiteral("Echo")),
         wordEnd(view, 0, QStringLiteral("foxtrot")));
    QCOMPARE(view.selectedText(), QStringLiteral("Echo foxtrot"));
    QTest::mouseClick(viewport, Qt::LeftButton, Qt::ShiftModifier,
                      wordEnd(view, 0, QStringLiteral("hotel")));
    QCOMPARE(view.selectedText(), QStringLiteral("Echo foxtrot golf hotel"));
    // Escape clears it.
    QTest::keyClick(&view, Qt::Key_Escape);
    QVERIFY(!view.hasSelection());
    QCOMPARE(changed.last().first().toBool(), false);
    QVERIFY(view.selectedText().isEmpty());

    // Double-click: a word; a third click: its line; a click without a drag: nothing.
    const QPoint bravo = wordCentre(view, 0, QStringLiteral("bravo"));
    QTest::mouseDClick(viewport, Qt::LeftButton, {}, bravo);
    QCOMPARE(view.selectedText(), QStringLiteral("bravo"));
    QTest::mouseClick(viewport, Qt::LeftButton, {}, bravo);
    QCOMPARE(view.selectedText(), QStringLiteral("Alpha bravo charlie delta"));
    QTest::mouseClick(viewport, Qt::LeftButton, {}, wordCentre(view, 0, QStringLiteral("golf")));
    QVERIFY(!view.hasSelection());

    // Select All: the current page. The context menu's Copy copies it.
    QTest::keyClick(&view, Qt::Key_A, Qt::ControlModifier);
    QCOMPARE(view.selectedText(), selectionPages()[0]);
    QGuiApplication::clipboard()->clear();
    bool menuCopyEnabled = false;
    QTimer::singleShot(0, &view, [&menuCopyEnabled] {
        auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
        QAction* copy = menu ? menu->findChild<QAction*>(QStringLiteral("pdfCopy")) : nullptr;
        menuCopyEnabled = copy && copy->isEnabled();
        if (copy) copy->trigger();
        if (menu) menu->close();
    });
    const QPoint at = wordCentre(view, 0, QStringLiteral("delta"));
    QContextMenuEvent menuEvent(QContextMenuEvent::Mouse, at, viewport->mapToGlobal(at));
    QApplication::sendEvent(viewport, &menuEvent);
    QVERIFY(menuCopyEnabled);
    QCOMPARE(QGuiApplication::clipboard()->text(), selectionPages()[0]);
    QVERIFY(view.hasSelection()); // a right click keeps the selection

    // Another document: no selection.
    view.setDocument(PdfDocument::open(pdfPath_).document);
    QVERIFY(!view.hasSelection());
    QCOMPARE(changed.last().first().toBool(), false);
}

void TstGuiViewer::pdfViewSelectsAcrossPagesAndStillPans() {
    PdfView view;
    QVERIFY(expose(view, QSize(700, 600)));
    const auto armed = watchdog_->armedForScope();
    view.setDocument(PdfDocument::open(selectionPdfPath_).document);
    QWidget* viewport = view.viewport();

    // Small enough that the first lines of both pages are in view.
    view.setZoom(0.35);
    view.goToPage(0);
    QTRY_VERIFY(view.pageText(0) && view.pageText(1));
    const QPoint golf = wordStart(view, 0, QStringLiteral("golf"));
    const QPoint juliett = wordEnd(view, 1, QStringLiteral("juliett"));
    QVERIFY(viewport->rect().contains(golf));
    QVERIFY(viewport->rect().contains(juliett));
    drag(viewport, Qt::LeftButton, golf, juliett);
    QCOMPARE(view.selectedText(), QStringLiteral("golf hotel\n\nIndia juliett"));
    QGuiApplication::clipboard()->clear();
    view.copy();
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("golf hotel\n\nIndia juliett"));
    view.clearSelection();

    // Panning stays: a left drag that starts off the text, or a middle-button drag
    // anywhere, moves the pages and selects nothing.
    view.setFitWidth();
    view.goToPage(0);
    QTRY_VERIFY(view.pageText(0));
    QScrollBar* v = view.verticalScrollBar();
    QVERIFY(v->maximum() > 200);
    int before = v->value();
    drag(viewport, Qt::LeftButton, QPoint(4, 400), QPoint(4, 300)); // the grey margin
    QCOMPARE(v->value(), before + 100);
    QVERIFY(!view.hasSelection());
    before = v->value();
    const QPoint charlie = wordCentre(view, 0, QStringLiteral("charlie"));
    QVERIFY(viewport->rect().contains(charlie));
    drag(viewport, Qt::MiddleButton, charlie, charlie - QPoint(0, 60));
    QCOMPARE(v->value(), before + 60);
    QVERIFY(!view.hasSelection());
}

void TstGuiViewer::pdfViewSelectsWhileScrollingAndCopiesUnreadPages() {
    QStringList pages;
    for (int i = 1; i <= 60; ++i)
        pages << QStringLiteral("Page %1 begins\nPage %1 ends").arg(i);
    const QString path = dir_.filePath(QStringLiteral("sixty.pdf"));
    QVERIFY(lv::test::writeTextPdf(path, pages, QStringLiteral("Sixty pages")));

    PdfView view;
    QVERIFY(expose(view, QSize(700, 600)));
    const auto armed = watchdog_->armedForScope();
    view.setDocument(PdfDocument::open(path).document);
    view.setZoom(0.35);
    view.goToPage(0);
    QTRY_VERIFY(view.pageText(0));
    QWidget* viewport = view.viewport();

    // Held below the view, a selection drag scrolls down, selecting as it goes.
    QPoint start = wordStart(view, 0, QStringLiteral("Page"));
    QTest::mousePress(viewport, Qt::LeftButton, {}, start);
    QTest::mouseMove(viewport, start + QPoint(0, 20));
    QTest::mouseMove(viewport, QPoint(start.x(), viewport->height() + 1000));
    QTRY_VERIFY(view.currentPage() >= 3);
    QTest::mouseMove(viewport, QPoint(start.x(), viewport->height() / 2));
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, QPoint(start.x(), viewport->height() / 2));
    QCOMPARE(view.selection().start(), (TextPosition{0, 0}));
    QVERIFY(view.selection().end().page >= 3);
    QVERIFY(view.selectedText().startsWith(pages.mid(0, 3).join(QStringLiteral("\n\n"))));

    // A drag whose pages in between were never shown (the scroll bar moved to the end
    // during it): copying reads them on the worker first, then fills the clipboard.
    view.setDocument(PdfDocument::open(path).document);
    view.goToPage(0);
    QTRY_VERIFY(view.pageText(0));
    start = wordStart(view, 0, QStringLiteral("Page"));
    QTest::mousePress(viewport, Qt::LeftButton, {}, start);
    QTest::mouseMove(viewport, start + QPoint(0, 20));
    view.verticalScrollBar()->setValue(view.verticalScrollBar()->maximum());
    QTRY_VERIFY(view.pageText(59));
    const PageWord& sixth = view.pageText(59)->word(5);
    const QPoint end =
        view.mapFromPage(59, QPointF(sixth.box.right() - 0.5, sixth.box.center().y())).toPoint();
    QVERIFY(viewport->rect().contains(end));
    QTest::mouseMove(viewport, end);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, end);
    QCOMPARE(view.selection().start(), (TextPosition{0, 0}));
    QCOMPARE(view.selection().end(), (TextPosition{59, 5, int(sixth.text.size())}));
    QVERIFY(!view.pageText(30));
    QGuiApplication::clipboard()->clear();
    view.copy();
    QTRY_COMPARE(QGuiApplication::clipboard()->text(), pages.join(QStringLiteral("\n\n")));
    QCOMPARE(view.selectedText(), pages.join(QStringLiteral("\n\n")));
}

void TstGuiViewer::codeEditorLoadsALargeFileWithoutBlocking() {
    QString text;
    for (int i = 1; i <= 60000; ++i)
        text += QStringLiteral("int value%1 = compute(%1); // line %1 of the file\n").arg(i);
    CodeEditor editor;
    QVERIFY(expose(editor, QSize(600, 400)));
    const auto armed = watchdog_->armedForScope();
    QSignalSpy loaded(&editor, &CodeEditor::loaded);
    editor.setContent(text, SyntaxRules::forFileName(QStringLiteral("big.cpp")));
    editor.showLines(45000, 45002);
    QVERIFY(loaded.wait(30000));
    QCOMPARE(editor.lineCount(), 60001);
    QCOMPARE(editor.document()->blockCount(), 60001);
    QCOMPARE(editor.shownLines(), std::make_pair(45000, 45002));
    QVERIFY(editor.firstVisibleLine() > 44900 && editor.firstVisibleLine() <= 45000);
    // Colours arrive with the text: "int" on the last line is a type.
    const QTextBlock last = editor.document()->findBlockByNumber(59999);
    QVERIFY(!last.layout()->formats().isEmpty());
    // Another file replaces it at once; the large document is freed in slices.
    editor.setContent(QStringLiteral("int small = 1;\n"),
                      SyntaxRules::forFileName(QStringLiteral("small.cpp")));
    QVERIFY(editor.isDisposing());
    QVERIFY(loaded.wait());
    QCOMPARE(editor.document()->blockCount(), 2);
    QTRY_VERIFY(!editor.isDisposing());
}

// A file that is one enormous line (minified code, a log without newlines) is read by
// the library; laying that line out held the UI thread for seconds. Long lines are
// cut for display and every line keeps its number.
void TstGuiViewer::codeEditorShowsAHugeLineWithoutBlocking() {
    QString text = QStringLiteral("first line\n");
    text.reserve(3'000'100);
    while (text.size() < 3'000'000)
        text += QStringLiteral("word ");
    text += QStringLiteral("\nlast line\n");
    CodeEditor editor;
    QVERIFY(expose(editor, QSize(600, 400)));
    const auto armed = watchdog_->armedForScope();
    QSignalSpy loaded(&editor, &CodeEditor::loaded);
    editor.setContent(text, SyntaxRules::plainText());
    QVERIFY(loaded.wait(30000));
    QCOMPARE(editor.lineCount(), 4);
    const QString shown = editor.document()->findBlockByNumber(1).text();
    QVERIFY(shown.size() < 10000);
    QVERIFY2(shown.endsWith(QStringLiteral("more characters not shown]")),
             qPrintable(shown.right(80)));
    QCOMPARE(editor.document()->findBlockByNumber(2).text(), QStringLiteral("last line"));
    editor.showLines(3, 3);
    QCOMPARE(editor.textCursor().block().text(), QStringLiteral("last line"));
}

void TstGuiViewer::codeEditorFindsAndShowsLines() {
    CodeEditor editor;
    QVERIFY(expose(editor, QSize(500, 300)));
    const auto armed = watchdog_->armedForScope();
    QSignalSpy loaded(&editor, &CodeEditor::loaded);
    editor.setContent(QStringLiteral("alpha\nbeta\nAlpha beta\ngamma\n"), SyntaxRules::plainText());
    QVERIFY(loaded.wait());
    editor.find(QStringLiteral("alpha"), false);
    QTRY_COMPARE(editor.matchCount(), 2);
    editor.find(QStringLiteral("alpha"), true);
    QTRY_COMPARE(editor.matchCount(), 1);
    editor.showLines(2, 3);
    QCOMPARE(editor.shownLines(), std::make_pair(2, 3));
    QVERIFY(editor.lineNumberAreaWidth() > 0);
}

void TstGuiViewer::viewerPanelOpensPdfAndShowsCitation() {
    ViewerPanel panel;
    QVERIFY(expose(panel, QSize(800, 600)));
    const auto armed = watchdog_->armedForScope();
    QSignalSpy shown(&panel, &ViewerPanel::documentShown);
    panel.openEntry(pdfEntry(pdfPath_), ViewPosition{});
    // A citation before the document is open waits for it.
    lv::analysis::Citation c;
    c.documentId = 7;
    c.pageIndex = 4;
    c.pageLabel = "3";
    c.quote = "punished by a fine";
    panel.showCitation(c);
    QVERIFY(shown.wait());
    QCOMPARE(panel.mode(), ViewerPanel::Mode::Pdf);
    QCOMPARE(panel.pageCount(), 5);
    QCOMPARE(panel.currentPage(), 4);
    QTRY_VERIFY(!panel.pdfView()->targetRects().isEmpty());
    QVERIFY(panel.goToLabel(QStringLiteral("ii")));
    QCOMPARE(panel.currentPage(), 1);
    QVERIFY(!panel.goToLabel(QStringLiteral("nope")));

    panel.activateFind();
    QVERIFY(panel.findBar()->isVisible());
    QTest::keyClicks(panel.findBar()->field(), QStringLiteral("breach"));
    QTRY_COMPARE(panel.pdfView()->matchCount(), 2);
    QTest::keyClick(panel.findBar()->field(), Qt::Key_Escape);
    QVERIFY(panel.findBar()->isHidden());
    QCOMPARE(panel.pdfView()->matchCount(), 0);
}

void TstGuiViewer::viewerPanelOpensCodebaseAndShowsCitedLines() {
    QTemporaryDir repo;
    QDir(repo.path()).mkpath(QStringLiteral("src"));
    QFile readme(repo.filePath(QStringLiteral("README.md")));
    QVERIFY(readme.open(QIODevice::WriteOnly));
    readme.write("# Demo\n\nA tiny codebase.\n");
    readme.close();
    QFile source(repo.filePath(QStringLiteral("src/main.cpp")));
    QVERIFY(source.open(QIODevice::WriteOnly));
    for (int i = 1; i <= 300; ++i)
        source.write(QByteArray("int line") + QByteArray::number(i) + " = 0;\n");
    source.close();

    LibraryEntry e;
    e.info.id = 9;
    e.info.kind = lv::analysis::DocumentKind::Codebase;
    e.info.title = "demo";
    e.info.sourcePath = repo.path().toStdString();

    ViewerPanel panel;
    QVERIFY(expose(panel, QSize(900, 600)));
    const auto armed = watchdog_->armedForScope();
    panel.openEntry(e, ViewPosition{});
    QCOMPARE(panel.mode(), ViewerPanel::Mode::Code);
    QCOMPARE(panel.codebaseView()->currentFile(), QStringLiteral("README.md"));

    lv::analysis::Citation c;
    c.documentId = 9;
    c.filePath = "src/main.cpp";
    c.lineStart = 200;
    c.lineEnd = 204;
    panel.showCitation(c);
    QCOMPARE(panel.codebaseView()->currentFile(), QStringLiteral("src/main.cpp"));
    QTRY_COMPARE(panel.codebaseView()->editor()->lineCount(), 301);
    QTRY_COMPARE(panel.codebaseView()->editor()->shownLines(), std::make_pair(200, 204));
    const int top = panel.codebaseView()->editor()->firstVisibleLine();
    QVERIFY2(top <= 200 && top > 150, qPrintable(QString::number(top)));
    QCOMPARE(panel.position().file, QStringLiteral("src/main.cpp"));
}

void TstGuiViewer::fileTreeNamesTypesWithoutReadingFiles() {
    QTemporaryDir repo;
    QVERIFY(QDir(repo.path()).mkpath(QStringLiteral("src")));
    // Content that MIME sniffing would call a PDF: the type must come from the name alone.
    QFile sniffable(repo.filePath(QStringLiteral("LICENSE")));
    QVERIFY(sniffable.open(QIODevice::WriteOnly));
    sniffable.write("%PDF-1.4\n");
    sniffable.close();
    const lv::ui::FileIcons icons;
    QCOMPARE(icons.type(QFileInfo(repo.filePath(QStringLiteral("src")))), QStringLiteral("Folder"));
    QCOMPARE(icons.type(QFileInfo(sniffable.fileName())), QStringLiteral("File"));
    QCOMPARE(icons.type(QFileInfo(repo.filePath(QStringLiteral("main.cpp")))),
             QStringLiteral("C++ file"));
    QCOMPARE(icons.type(QFileInfo(repo.filePath(QStringLiteral("Report.PDF")))),
             QStringLiteral("PDF document"));
    QCOMPARE(icons.type(QFileInfo(repo.filePath(QStringLiteral("notes.xyz")))),
             QStringLiteral("XYZ file"));
}

void TstGuiViewer::viewerPanelExplainsAMissingSource() {
    ViewerPanel panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const auto armed = watchdog_->armedForScope();
    QSignalSpy remove(&panel, &ViewerPanel::removeRequested);
    panel.openEntry(pdfEntry(dir_.filePath(QStringLiteral("moved-away.pdf"))), ViewPosition{});
    QCOMPARE(panel.mode(), ViewerPanel::Mode::Message);
    auto* message = panel.findChild<EmptyState*>();
    QVERIFY(message);
    QList<QPushButton*> buttons;
    for (EmptyState* s : panel.findChildren<EmptyState*>())
        if (s->isVisible()) buttons = s->findChildren<QPushButton*>();
    QCOMPARE(buttons.size(), 2);
    buttons[1]->click();
    QCOMPARE(remove.count(), 1);
    QCOMPARE(remove.first().first().toLongLong(), 7);
}

// Text files that the library reads (UTF-16 with a BOM, Windows-1252, classic Mac line
// endings) show with the characters and the lines that their citations point to.
void TstGuiViewer::viewerPanelShowsTextFilesAsTheyWereRead() {
    QTemporaryDir files;
    auto write = [&files](const QString& name, const QByteArray& bytes) {
        QFile f(files.filePath(name));
        return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size() ? f.fileName()
                                                                              : QString();
    };
    QByteArray utf16("\xff\xfe", 2);
    for (QChar c : QStringLiteral("Wheat \u6f22\u5b57\nBarley\n"))
        utf16.append(char(c.unicode() & 0xff)).append(char(c.unicode() >> 8));
    const QString wide = write(QStringLiteral("wide.txt"), utf16);
    const QString quotes = write(QStringLiteral("quotes.txt"), "He said \x93"
                                                               "dry\x94 \x97 twice.\n");
    const QString mac = write(QStringLiteral("mac.txt"), "line one\rline two\rline three");
    QVERIFY(!wide.isEmpty() && !quotes.isEmpty() && !mac.isEmpty());

    ViewerPanel panel;
    QVERIFY(expose(panel, QSize(700, 400)));
    const auto armed = watchdog_->armedForScope();
    CodebaseView* view = panel.codebaseView();
    auto open = [&](const QString& path, qint64 id) {
        LibraryEntry e;
        e.info.id = id;
        e.info.kind = lv::analysis::DocumentKind::Text;
        e.info.title = QFileInfo(path).fileName().toStdString();
        e.info.sourcePath = path.toStdString();
        QSignalSpy loaded(view->editor(), &CodeEditor::loaded);
        panel.openEntry(e, ViewPosition{});
        return loaded.wait(10000);
    };
    QVERIFY(open(wide, 1));
    QVERIFY(!view->showsPlaceholder());
    QCOMPARE(view->editor()->toPlainText(), QStringLiteral("Wheat \u6f22\u5b57\nBarley\n"));
    QVERIFY(open(quotes, 2));
    QCOMPARE(view->editor()->toPlainText(),
             QStringLiteral("He said \u201cdry\u201d \u2014 twice.\n"));
    QVERIFY(open(mac, 3));
    QCOMPARE(view->editor()->lineCount(), 3);
    lv::analysis::Citation c;
    c.documentId = 3;
    c.lineStart = 2;
    c.lineEnd = 2;
    panel.showCitation(c);
    QCOMPARE(view->editor()->textCursor().block().text(), QStringLiteral("line two"));
}

// A codebase without a README opens on no file: the editor's place says to pick one,
// and a file that cannot be shown says why instead of showing its error as text.
void TstGuiViewer::codebaseWithoutReadmeAsksForAFile() {
    QTemporaryDir repo;
    QVERIFY(QDir(repo.path()).mkpath(QStringLiteral("src")));
    QFile code(repo.filePath(QStringLiteral("src/main.c")));
    QVERIFY(code.open(QIODevice::WriteOnly));
    code.write("int main(void) { return 0; }\n");
    code.close();
    QFile blob(repo.filePath(QStringLiteral("data.bin")));
    QVERIFY(blob.open(QIODevice::WriteOnly));
    blob.write(QByteArray("\x00\x01\x02\x03", 4));
    blob.close();

    CodebaseView view;
    QVERIFY(expose(view, QSize(800, 500)));
    const auto armed = watchdog_->armedForScope();
    view.setCodebase(repo.path());
    QVERIFY(view.showsPlaceholder());
    QVERIFY(view.placeholder()->isVisible());
    QCOMPARE(view.placeholder()->title(), QStringLiteral("Choose a file"));
    QVERIFY(!view.editor()->isVisible());

    QSignalSpy loaded(view.editor(), &CodeEditor::loaded);
    view.openFile(QStringLiteral("src/main.c"));
    QVERIFY(!view.showsPlaceholder());
    QVERIFY(loaded.wait());
    QVERIFY(view.editor()->isVisible());
    QCOMPARE(view.editor()->lineCount(), 2);

    view.openFile(QStringLiteral("data.bin"));
    QTRY_VERIFY(view.showsPlaceholder());
    QCOMPARE(view.placeholder()->title(), QStringLiteral("This file cannot be shown"));
    QVERIFY(view.placeholder()->body().contains(QStringLiteral("binary")));
    QCOMPARE(view.editor()->toPlainText(), QString());
}

QTEST_MAIN(TstGuiViewer)
#include "tst_gui_viewer.moc"
