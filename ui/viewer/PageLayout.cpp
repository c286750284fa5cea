#include "ui/viewer/PageLayout.h"

#include <algorithm>
#include <cmath>

namespace lv::ui {

void PageLayout::update(const std::vector<QSizeF>& pageSizes, double pixelsPerPoint,
                        int viewportWidth) {
    scale_ = pixelsPerPoint;
    rects_.clear();
    rects_.reserve(pageSizes.size());
    int widest = 0;
    for (const QSizeF& s : pageSizes)
        widest = std::max(widest, int(std::lround(s.width() * scale_)));
    const int columnWidth = std::max(viewportWidth, widest + 2 * kMargin);
    int y = kMargin;
    for (const QSizeF& s : pageSizes) {
        const int w = std::max(1, int(std::lround(s.width() * scale_)));
        const int h = std::max(1, int(std::lround(s.height() * scale_)));
        const int x = (columnWidth - w) / 2;
        rects_.emplace_back(x, y, w, h);
        y += h + kGap;
    }
    if (!rects_.empty()) y += kMargin - kGap;
    content_ = QSize(widest + 2 * kMargin, std::max(y, 0));
}

double PageLayout::fitWidthScale(const std::vector<QSizeF>& pageSizes, int viewportWidth) {
    double widest = 0;
    for (const QSizeF& s : pageSizes)
        widest = std::max(widest, s.width());
    if (widest <= 0) return 1.0;
    return std::max(0.05, double(viewportWidth - 2 * kMargin) / widest);
}

int PageLayout::pageAt(int y) const {
    if (rects_.empty()) return -1;
    // The first page whose bottom (gap included) lies below y.
    auto it = std::lower_bound(rects_.begin(), rects_.end(), y,
                               [](const QRect& r, int value) { return r.bottom() + kGap < value; });
    if (it == rects_.end()) return int(rects_.size()) - 1;
    return int(it - rects_.begin());
}

std::pair<int, int> PageLayout::visibleRange(int top, int bottom) const {
    if (rects_.empty() || bottom <= top) return {-1, -1};
    int first = pageAt(top);
    int last = pageAt(bottom - 1);
    // pageAt snaps into the gap below a page; trim pages that end above the range.
    while (first <= last && rects_[std::size_t(first)].bottom() < top)
        ++first;
    while (last >= first && rects_[std::size_t(last)].top() >= bottom)
        --last;
    if (first > last) return {-1, -1};
    return {first, last};
}

QPointF PageLayout::toContent(int page, const QPointF& p) const {
    const QRect& r = pageRect(page);
    return QPointF(r.x() + p.x() * scale_, r.y() + p.y() * scale_);
}

QRectF PageLayout::toContent(int page, const QRectF& rect) const {
    return QRectF(toContent(page, rect.topLeft()), rect.size() * scale_);
}

} // namespace lv::ui
