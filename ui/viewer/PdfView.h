// The PDF pages in one continuous column: zoom (fit width or a factor), pages rendered
// by Poppler on a worker thread, search matches, cited passages and selected text over them.
#pragma once

#include "ui/viewer/PageLayout.h"
#include "ui/viewer/PdfDocument.h"
#include "ui/viewer/TextSelection.h"

#include <QAbstractScrollArea>
#include <QElapsedTimer>
#include <QFuture>
#include <QHash>
#include <QImage>
#include <QThreadPool>
#include <QTimer>

#include <memory>
#include <vector>

namespace lv::ui {

struct PdfMatch {
    int page = 0;
    QRectF rect; // points
};

class PdfView : public QAbstractScrollArea {
    Q_OBJECT
public:
    static constexpr double kMinZoom = 0.1;
    static constexpr double kMaxZoom = 8.0;

    explicit PdfView(QWidget* parent = nullptr);
    ~PdfView() override; // stops renders and searches before it returns

    void setDocument(std::shared_ptr<PdfDocument> document); // null: empty view
    const std::shared_ptr<PdfDocument>& document() const { return doc_; }

    double zoom() const; // 1.0: 100 % (the page at its printed size)
    bool isFitWidth() const { return fitWidth_; }
    void setZoom(double zoom);
    void setFitWidth();
    void zoomIn();
    void zoomOut();

    int currentPage() const { return currentPage_; }
    // Scrolls the page's top (or yPoints on it) to the top of the view.
    void goToPage(int page, double yPoints = -1);

    // Searches every page on a worker thread; matches arrive page by page.
    void find(const QString& text, bool caseSensitive);
    void clearFind();
    int matchCount() const { return int(matches_.size()); }
    int currentMatch() const { return currentMatch_; }
    bool isSearching() const { return search_.isRunning(); }
    void setCurrentMatch(int index); // scrolls to it; -1: none
    void nextMatch();
    void previousMatch();
    const std::vector<PdfMatch>& matches() const { return matches_; }

    // A cited passage: the page is shown and the quote, when found on it, outlined.
    void showTarget(int page, const QString& quote);
    int targetPage() const { return targetPage_; }
    const QList<QRectF>& targetRects() const { return targetRects_; }

    // Text selection: drag over text, double-click a word, triple-click a line. The
    // words of the visible pages are read on a worker thread and kept per page.
    bool hasSelection() const { return !selection_.isEmpty(); }
    const TextSelection& selection() const { return selection_; }
    // The selected text, pages apart by a blank line. Pages whose words have not been
    // read yet are left out; copy() waits for them.
    QString selectedText() const;
    void copy();               // to the clipboard, once every selected page's words are read
    void selectAll();          // the words of the current page
    void selectPage(int page); // all the words of page, once they are read
    void clearSelection();
    // The words of page, null until they have been read (the visible pages' are read
    // as they appear).
    const PageText* pageText(int page) const;
    // A point on a page (points) in viewport pixels.
    QPointF mapFromPage(int page, QPointF pointOnPage) const;

    int renderedPageCount() const { return int(cache_.size()); } // for tests

signals:
    void currentPageChanged(int page);
    void zoomChanged(double zoom, bool fitWidth);
    void matchesChanged(int count, int current, bool searching);
    void pageRendered(int page);
    void selectionChanged(bool hasSelection);

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    struct CachedPage {
        QImage image;
        double scale = 0; // device pixels per point it was rendered at
    };

    double pixelsPerPointAt100() const;
    void relayout(double pixelsPerPoint, QPoint anchor);
    void relayoutKeepingPosition();
    void updateScrollBars();
    void scheduleRenders();
    void requestRender(int page, double deviceScale);
    void cancelRenders();
    void evictFarPages(int first, int last);
    void updateCurrentPage();
    void ensureVisible(int page, const QRectF& rectPoints);
    QPoint contentOffset() const;
    void stopSearch();

    // Where a viewport point falls: a page and a point on it, in points.
    struct PagePoint {
        int page = -1;
        QPointF point;
    };
    PagePoint pagePointAt(QPoint viewportPos, bool onPageOnly) const;
    TextPosition caretAt(QPoint viewportPos) const; // invalid unless over a read word
    void requestText(int page);
    void cancelTextReads(int first, int last); // those outside first..last, unless needed
    void evictFarTexts(int first, int last);
    void textArrived(int page, std::shared_ptr<const PageText> text);
    void setSelection(const TextSelection& selection);
    void extendSelectionTo(QPoint viewportPos);
    void autoScrollStep();
    void updateCursor(QPoint viewportPos);
    bool finishCopy(); // false while words are still being read

    std::shared_ptr<PdfDocument> doc_;
    PageLayout layout_;
    bool fitWidth_ = true;
    double zoom_ = 1.0; // when not fitting the width
    int currentPage_ = -1;

    QThreadPool pool_;
    QHash<int, CachedPage> cache_;
    QHash<int, QFuture<QImage>> renders_; // in flight, at renderScale_
    double renderScale_ = 0;
    QTimer renderTimer_; // coalesces scroll and resize bursts into one render pass

    QFuture<void> search_;
    quint64 searchGeneration_ = 0;
    std::vector<PdfMatch> matches_;
    int currentMatch_ = -1;

    int targetPage_ = -1;
    QList<QRectF> targetRects_;
    QFuture<QList<QRectF>> targetSearch_;

    QHash<int, std::shared_ptr<const PageText>> texts_; // the words of read pages
    QHash<int, QFuture<void>> textReads_;               // in flight
    TextSelection selection_;
    int pendingSelectPage_ = -1; // Select All waiting for the page's words
    bool pendingCopy_ = false;   // copy() waiting for the selected pages' words

    // Left drag over text selects; elsewhere, and with the middle button, it pans.
    enum class Drag { None, Pan, Select };
    Drag drag_ = Drag::None;
    Qt::MouseButton dragButton_ = Qt::NoButton;
    bool dragMoved_ = false; // past the start distance: not a click
    QPoint dragStart_;
    QPoint dragScrollStart_;
    QPoint lastMousePos_;
    TextPosition dragAnchor_;
    QTimer autoScroll_;           // scrolls while a selection drag is held beyond the edge
    QElapsedTimer doubleClickAt_; // a click soon after a double-click selects the line
    QPoint doubleClickPos_;
};

} // namespace lv::ui
