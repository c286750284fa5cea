// The PDF pages in one continuous column: zoom (fit width or a factor), pages rendered
// by Poppler on a worker thread, search matches and cited passages drawn over them.
#pragma once

#include "ui/viewer/PageLayout.h"
#include "ui/viewer/PdfDocument.h"

#include <QAbstractScrollArea>
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

    int renderedPageCount() const { return int(cache_.size()); } // for tests

signals:
    void currentPageChanged(int page);
    void zoomChanged(double zoom, bool fitWidth);
    void matchesChanged(int count, int current, bool searching);
    void pageRendered(int page);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
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

    QPoint dragStart_;
    QPoint dragScrollStart_;
    bool dragging_ = false;
};

} // namespace lv::ui
