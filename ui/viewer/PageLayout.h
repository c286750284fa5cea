// Where each page of a PDF sits in the continuous vertical view, for a zoom and a
// viewport width. Pure geometry in device-independent pixels, tested without a PDF.
#pragma once

#include <QRect>
#include <QSizeF>

#include <vector>

namespace lv::ui {

class PageLayout {
public:
    static constexpr int kMargin = 18; // around the column of pages
    static constexpr int kGap = 14;    // between two pages

    // pageSizes: in points (1/72 inch). pixelsPerPoint: the zoom times the screen's
    // logical DPI / 72.
    void update(const std::vector<QSizeF>& pageSizes, double pixelsPerPoint, int viewportWidth);

    // The zoom at which the widest page fills the viewport width, margins included.
    static double fitWidthScale(const std::vector<QSizeF>& pageSizes, int viewportWidth);

    int pageCount() const { return int(rects_.size()); }
    const QRect& pageRect(int page) const { return rects_.at(std::size_t(page)); }
    QSize contentSize() const { return content_; }
    double pixelsPerPoint() const { return scale_; }

    // The page under content y, or the nearest one; -1 when there are no pages.
    int pageAt(int y) const;
    // Pages whose rects intersect [top, bottom) in content coordinates.
    std::pair<int, int> visibleRange(int top,
                                     int bottom) const; // first, last (inclusive); -1s when none

    // A point of a page (in points) to content pixels and back.
    QPointF toContent(int page, const QPointF& pointOnPage) const;
    QRectF toContent(int page, const QRectF& rectOnPage) const;

private:
    std::vector<QRect> rects_;
    QSize content_;
    double scale_ = 1.0;
};

} // namespace lv::ui
