#include "ui/viewer/PdfView.h"

#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QKeyEvent>
#include <QMenu>
#include <QPainter>
#include <QPainterPath>
#include <QPromise>
#include <QScrollBar>
#include <QStyle>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace lv::ui {

namespace {

// Keep rendered pages around the visible ones, within this many bytes.
constexpr qint64 kCacheBudgetBytes = 192ll * 1024 * 1024;
constexpr int kPrefetchPages = 1;
// Words of this many pages stay read beyond the visible ones and the selection.
constexpr int kTextCachePages = 48;
// How far (points) from a word the pointer still counts as over text: about half the
// space between two words at body-text sizes, so the gaps inside a line are text too.
constexpr double kTextSlopPoints = 3.0;
constexpr int kAutoScrollIntervalMs = 30;

const double kZoomSteps[] = {0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1.0, 1.1, 1.25,
                             1.5,  1.75, 2.0, 2.5,  3.0,  4.0, 5.0, 6.0, 8.0};

} // namespace

PdfView::PdfView(QWidget* parent) : QAbstractScrollArea(parent) {
    // Renders and searches run here, never on the UI thread; two threads so that a
    // search does not hold back the pages the user is looking at.
    pool_.setMaxThreadCount(2);
    pool_.setObjectName(QStringLiteral("longview-pdf"));
    setFrameShape(QFrame::NoFrame);
    setFocusPolicy(Qt::StrongFocus);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    viewport()->setCursor(Qt::OpenHandCursor);
    viewport()->setMouseTracking(true); // the I-beam over text
    verticalScrollBar()->setSingleStep(40);
    horizontalScrollBar()->setSingleStep(40);
    renderTimer_.setSingleShot(true);
    renderTimer_.setInterval(0);
    connect(&renderTimer_, &QTimer::timeout, this, &PdfView::scheduleRenders);
    autoScroll_.setInterval(kAutoScrollIntervalMs);
    connect(&autoScroll_, &QTimer::timeout, this, &PdfView::autoScrollStep);
}

PdfView::~PdfView() {
    stopSearch();
    cancelRenders();
    targetSearch_.cancel();
    for (QFuture<void>& f : textReads_)
        f.cancel();
    pool_.clear();
    pool_.waitForDone();
}

void PdfView::setDocument(std::shared_ptr<PdfDocument> document) {
    stopSearch();
    cancelRenders();
    cache_.clear();
    matches_.clear();
    currentMatch_ = -1;
    targetPage_ = -1;
    targetRects_.clear();
    targetSearch_.cancel();
    for (QFuture<void>& f : textReads_)
        f.cancel();
    textReads_.clear();
    texts_.clear();
    clearSelection();
    drag_ = Drag::None;
    autoScroll_.stop();
    doc_ = std::move(document);
    currentPage_ = -1;
    relayoutKeepingPosition();
    verticalScrollBar()->setValue(0);
    horizontalScrollBar()->setValue(0);
    updateCurrentPage();
    emit matchesChanged(0, -1, false);
    viewport()->update();
}

double PdfView::pixelsPerPointAt100() const {
    return logicalDpiY() / 72.0;
}

double PdfView::zoom() const {
    return layout_.pixelsPerPoint() / pixelsPerPointAt100();
}

void PdfView::setZoom(double zoom) {
    zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    fitWidth_ = false;
    zoom_ = zoom;
    relayout(zoom_ * pixelsPerPointAt100(), viewport()->rect().center());
}

void PdfView::setFitWidth() {
    fitWidth_ = true;
    relayoutKeepingPosition();
}

void PdfView::zoomIn() {
    const double z = zoom();
    for (double step : kZoomSteps)
        if (step > z + 1e-3) return setZoom(step);
    setZoom(kMaxZoom);
}

void PdfView::zoomOut() {
    const double z = zoom();
    for (auto it = std::rbegin(kZoomSteps); it != std::rend(kZoomSteps); ++it)
        if (*it < z - 1e-3) return setZoom(*it);
    setZoom(kMinZoom);
}

void PdfView::relayoutKeepingPosition() {
    relayout(0, viewport()->rect().center());
}

// Lays the pages out at a new scale (0: the current mode's scale) keeping the point
// under anchor (viewport coordinates) where it is.
void PdfView::relayout(double pixelsPerPoint, QPoint anchor) {
    const std::vector<QSizeF> empty;
    const std::vector<QSizeF>& sizes = doc_ ? doc_->pageSizes() : empty;
    const int viewportWidth = viewport()->width();
    if (pixelsPerPoint <= 0) {
        if (fitWidth_) {
            // Leave room for the vertical scroll bar so that fitting does not toggle it.
            const int sb = verticalScrollBar()->isVisible()
                               ? 0
                               : style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this);
            pixelsPerPoint = PageLayout::fitWidthScale(sizes, viewportWidth - sb);
        } else {
            pixelsPerPoint = zoom_ * pixelsPerPointAt100();
        }
    }

    // Remember which point of which page sits under the anchor.
    int anchorPage = -1;
    QPointF anchorOnPage;
    if (layout_.pageCount() > 0 && layout_.pageCount() == int(sizes.size())) {
        const QPoint content = anchor + contentOffset();
        anchorPage = layout_.pageAt(content.y());
        const QRect r = layout_.pageRect(anchorPage);
        anchorOnPage = QPointF(content - r.topLeft()) / layout_.pixelsPerPoint();
    }

    const double oldScale = layout_.pixelsPerPoint();
    layout_.update(sizes, pixelsPerPoint, viewportWidth);
    updateScrollBars();
    if (anchorPage >= 0) {
        const QPointF content = layout_.toContent(anchorPage, anchorOnPage);
        horizontalScrollBar()->setValue(int(std::lround(content.x() - anchor.x())));
        verticalScrollBar()->setValue(int(std::lround(content.y() - anchor.y())));
    }
    if (std::abs(oldScale - pixelsPerPoint) > 1e-9) {
        cancelRenders();
        emit zoomChanged(zoom(), fitWidth_);
    }
    updateCurrentPage();
    renderTimer_.start();
    viewport()->update();
}

void PdfView::updateScrollBars() {
    const QSize content = layout_.contentSize();
    const QSize vp = viewport()->size();
    verticalScrollBar()->setRange(0, std::max(0, content.height() - vp.height()));
    verticalScrollBar()->setPageStep(vp.height());
    horizontalScrollBar()->setRange(0, std::max(0, content.width() - vp.width()));
    horizontalScrollBar()->setPageStep(vp.width());
}

QPoint PdfView::contentOffset() const {
    return QPoint(horizontalScrollBar()->value(), verticalScrollBar()->value());
}

void PdfView::resizeEvent(QResizeEvent* event) {
    QAbstractScrollArea::resizeEvent(event);
    if (fitWidth_)
        relayout(0, QPoint(viewport()->width() / 2, 0));
    else
        relayout(layout_.pixelsPerPoint() > 0 ? zoom_ * pixelsPerPointAt100() : 0, QPoint(0, 0));
}

void PdfView::scrollContentsBy(int, int) {
    updateCurrentPage();
    renderTimer_.start();
    viewport()->update();
}

void PdfView::updateCurrentPage() {
    int page = -1;
    if (layout_.pageCount() > 0) {
        const int y = verticalScrollBar()->value() + viewport()->height() / 4;
        page = layout_.pageAt(y);
        if (verticalScrollBar()->value() >= verticalScrollBar()->maximum() &&
            verticalScrollBar()->maximum() > 0) {
            // At the very end the last page may never reach the quarter line.
            const auto range = layout_.visibleRange(
                verticalScrollBar()->value(), verticalScrollBar()->value() + viewport()->height());
            if (range.second == layout_.pageCount() - 1 &&
                layout_.pageRect(range.second).top() <
                    verticalScrollBar()->value() + viewport()->height() / 2)
                page = range.second;
        }
    }
    if (page != currentPage_) {
        currentPage_ = page;
        emit currentPageChanged(page);
    }
}

void PdfView::goToPage(int page, double yPoints) {
    if (!doc_ || page < 0 || page >= layout_.pageCount()) return;
    const QRect r = layout_.pageRect(page);
    int y = r.top() - PageLayout::kGap / 2;
    if (yPoints >= 0)
        y = int(layout_.toContent(page, QPointF(0, yPoints)).y()) - viewport()->height() / 5;
    verticalScrollBar()->setValue(y);
    // The quarter-line rule can pick the previous page for short pages; the user
    // asked for this one.
    if (currentPage_ != page) {
        currentPage_ = page;
        emit currentPageChanged(page);
    }
}

void PdfView::ensureVisible(int page, const QRectF& rectPoints) {
    if (page < 0 || page >= layout_.pageCount()) return;
    const QRectF r = layout_.toContent(page, rectPoints);
    const int top = verticalScrollBar()->value();
    const int h = viewport()->height();
    if (r.top() < top + 20 || r.bottom() > top + h - 20)
        verticalScrollBar()->setValue(int(r.center().y() - h / 2.0));
    const int left = horizontalScrollBar()->value();
    const int w = viewport()->width();
    if (r.left() < left || r.right() > left + w)
        horizontalScrollBar()->setValue(int(r.center().x() - w / 2.0));
}

void PdfView::scheduleRenders() {
    if (!doc_ || layout_.pageCount() == 0) return;
    const int top = verticalScrollBar()->value();
    auto [first, last] = layout_.visibleRange(top, top + viewport()->height());
    if (first < 0) return;
    const double deviceScale = layout_.pixelsPerPoint() * devicePixelRatioF();
    if (std::abs(deviceScale - renderScale_) > 1e-9) {
        cancelRenders();
        renderScale_ = deviceScale;
    }
    // Visible pages first, nearest the centre first; then one page either side.
    std::vector<int> wanted;
    for (int p = first; p <= last; ++p)
        wanted.push_back(p);
    const int centre = layout_.pageAt(top + viewport()->height() / 2);
    std::stable_sort(wanted.begin(), wanted.end(), [centre](int a, int b) {
        return std::abs(a - centre) < std::abs(b - centre);
    });
    for (int k = 1; k <= kPrefetchPages; ++k) {
        if (last + k < layout_.pageCount()) wanted.push_back(last + k);
        if (first - k >= 0) wanted.push_back(first - k);
    }
    // Renders no longer wanted are abandoned: scrolling fast through 400 pages must
    // not queue 400 renders.
    for (auto it = renders_.begin(); it != renders_.end();) {
        if (std::find(wanted.begin(), wanted.end(), it.key()) == wanted.end()) {
            it->cancel();
            it = renders_.erase(it);
        } else {
            ++it;
        }
    }
    for (int p : wanted) {
        auto cached = cache_.constFind(p);
        if (cached != cache_.cend() && std::abs(cached->scale - deviceScale) < 1e-9) continue;
        if (!renders_.contains(p)) requestRender(p, deviceScale);
    }
    evictFarPages(std::max(0, first - 3), last + 3);

    // The words of the visible pages, after their images: the pointer shows an I-beam
    // over text and a drag can start a selection as soon as the page is seen.
    cancelTextReads(first, last);
    for (int p = first; p <= last; ++p)
        requestText(p);
    evictFarTexts(first, last);
}

void PdfView::requestRender(int page, double deviceScale) {
    std::shared_ptr<PdfDocument> doc = doc_;
    const qreal dpr = devicePixelRatioF();
    QFuture<QImage> future =
        QtConcurrent::run(&pool_, [this, doc, page, deviceScale, dpr](QPromise<QImage>& promise) {
            QImage image =
                doc->render(page, deviceScale, [&promise] { return promise.isCanceled(); });
            if (image.isNull() || promise.isCanceled()) return;
            image.setDevicePixelRatio(dpr);
            // The pool belongs to this view and is drained in its destructor, so
            // `this` outlives the task; a queued call to a destroyed object is dropped.
            QMetaObject::invokeMethod(
                this,
                [this, doc, page, deviceScale, image] {
                    if (doc != doc_) return;
                    renders_.remove(page);
                    if (std::abs(deviceScale - renderScale_) > 1e-9) return;
                    cache_.insert(page, CachedPage{image, deviceScale});
                    viewport()->update();
                    emit pageRendered(page);
                },
                Qt::QueuedConnection);
            promise.addResult(image);
        });
    renders_.insert(page, future);
}

void PdfView::cancelRenders() {
    for (QFuture<QImage>& f : renders_)
        f.cancel();
    renders_.clear();
}

void PdfView::evictFarPages(int first, int last) {
    qint64 bytes = 0;
    for (const CachedPage& c : cache_)
        bytes += c.image.sizeInBytes();
    if (bytes <= kCacheBudgetBytes) return;
    QList<int> pages = cache_.keys();
    // Farthest from the visible range first.
    std::sort(pages.begin(), pages.end(), [first, last](int a, int b) {
        auto distance = [first, last](int p) {
            return p < first ? first - p : (p > last ? p - last : 0);
        };
        return distance(a) > distance(b);
    });
    for (int p : pages) {
        if (bytes <= kCacheBudgetBytes || (p >= first && p <= last)) break;
        bytes -= cache_.value(p).image.sizeInBytes();
        cache_.remove(p);
    }
}

void PdfView::paintEvent(QPaintEvent* event) {
    QPainter p(viewport());
    const QPalette pal = palette();
    p.fillRect(event->rect(), theme::canvas(pal));
    if (!doc_ || layout_.pageCount() == 0) return;

    const QPoint offset = contentOffset();
    const int top = offset.y();
    auto [first, last] = layout_.visibleRange(top, top + viewport()->height());
    if (first < 0) return;
    const bool dark = theme::isDark(pal);
    p.setRenderHint(QPainter::SmoothPixmapTransform);

    for (int page = first; page <= last; ++page) {
        const QRect r = layout_.pageRect(page).translated(-offset);
        // A soft drop shadow: a few widening rectangles of falling opacity.
        for (int k = 1; k <= 4; ++k) {
            const int alpha = (dark ? 70 : 28) / k;
            p.fillRect(r.adjusted(-k + 1, -k + 2, k - 1, k), QColor(0, 0, 0, alpha));
        }
        p.fillRect(r, Qt::white);
        auto cached = cache_.constFind(page);
        if (cached != cache_.cend()) {
            p.drawImage(r, cached->image);
        } else {
            // Until its render arrives a page shows its number, faintly.
            p.setPen(QColor(0, 0, 0, 60));
            QFont f = font();
            f.setPointSizeF(f.pointSizeF() * 1.6);
            p.setFont(f);
            p.drawText(r, Qt::AlignCenter, doc_->pageLabel(page));
        }

        // Search matches: a marker-pen yellow multiplied into the page.
        p.save();
        p.setCompositionMode(QPainter::CompositionMode_Multiply);
        for (std::size_t i = 0; i < matches_.size(); ++i) {
            if (matches_[i].page != page) continue;
            const QRectF mr = layout_.toContent(page, matches_[i].rect)
                                  .translated(-offset)
                                  .adjusted(-1, -1, 1, 1);
            p.fillRect(mr, int(i) == currentMatch_ ? QColor(255, 165, 60) : QColor(255, 230, 90));
        }
        p.restore();

        if (!selection_.isEmpty()) {
            if (const PageText* text = pageText(page)) {
                const PageRange range = selection_.rangeOn(page, *text);
                if (range.isValid()) {
                    const QColor fill = theme::textSelection(pal);
                    for (const QRectF& sr : text->rects(range))
                        p.fillRect(
                            layout_.toContent(page, sr).translated(-offset).adjusted(-1, -1, 1, 1),
                            fill);
                }
            }
        }

        if (page == targetPage_) {
            const QColor accent = pal.color(QPalette::Highlight);
            if (targetRects_.isEmpty()) {
                p.setPen(QPen(accent, 2));
                p.setBrush(Qt::NoBrush);
                p.drawRect(r.adjusted(-2, -2, 1, 1));
            } else {
                p.save();
                p.setCompositionMode(QPainter::CompositionMode_Multiply);
                QColor fill = theme::mix(Qt::white, accent, 0.3);
                for (const QRectF& tr : targetRects_)
                    p.fillRect(
                        layout_.toContent(page, tr).translated(-offset).adjusted(-2, -1, 2, 1),
                        fill);
                p.restore();
                // A bar in the margin says where the passage is, even when zoomed out.
                QRectF span;
                for (const QRectF& tr : targetRects_)
                    span |= layout_.toContent(page, tr).translated(-offset);
                p.fillRect(QRectF(r.left() + 6, span.top() - 2, 3, span.height() + 4), accent);
            }
        }
    }
}

void PdfView::wheelEvent(QWheelEvent* event) {
    if (event->modifiers() & Qt::ControlModifier) {
        const int delta = event->angleDelta().y();
        if (delta == 0) return;
        const double factor = std::pow(1.0015, delta);
        fitWidth_ = false;
        zoom_ = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
        relayout(zoom_ * pixelsPerPointAt100(), event->position().toPoint());
        event->accept();
        return;
    }
    QAbstractScrollArea::wheelEvent(event);
}

bool PdfView::event(QEvent* event) {
    if (event->type() == QEvent::ShortcutOverride) {
        // The view's own keys win over the window's shortcuts while they mean something
        // here (the window's Escape stops a running job).
        auto* key = static_cast<QKeyEvent*>(event);
        if ((key->matches(QKeySequence::Copy) && hasSelection()) ||
            (key->matches(QKeySequence::SelectAll) && doc_) ||
            (key->key() == Qt::Key_Escape && key->modifiers() == Qt::NoModifier &&
             hasSelection())) {
            event->accept();
            return true;
        }
    }
    return QAbstractScrollArea::event(event);
}

void PdfView::keyPressEvent(QKeyEvent* event) {
    if (event->matches(QKeySequence::Copy)) return copy();
    if (event->matches(QKeySequence::SelectAll)) return selectAll();
    if (event->key() == Qt::Key_Escape && hasSelection()) return clearSelection();
    QScrollBar* v = verticalScrollBar();
    QScrollBar* h = horizontalScrollBar();
    switch (event->key()) {
    case Qt::Key_Up:
        v->triggerAction(QAbstractSlider::SliderSingleStepSub);
        return;
    case Qt::Key_Down:
        v->triggerAction(QAbstractSlider::SliderSingleStepAdd);
        return;
    case Qt::Key_PageUp:
        v->triggerAction(QAbstractSlider::SliderPageStepSub);
        return;
    case Qt::Key_PageDown:
        v->triggerAction(QAbstractSlider::SliderPageStepAdd);
        return;
    case Qt::Key_Space:
        v->triggerAction(event->modifiers() & Qt::ShiftModifier
                             ? QAbstractSlider::SliderPageStepSub
                             : QAbstractSlider::SliderPageStepAdd);
        return;
    case Qt::Key_Home:
        v->setValue(0);
        return;
    case Qt::Key_End:
        v->setValue(v->maximum());
        return;
    case Qt::Key_Left:
        if (h->maximum() > 0)
            h->triggerAction(QAbstractSlider::SliderSingleStepSub);
        else
            goToPage(std::max(0, currentPage_ - 1));
        return;
    case Qt::Key_Right:
        if (h->maximum() > 0)
            h->triggerAction(QAbstractSlider::SliderSingleStepAdd);
        else
            goToPage(std::min(layout_.pageCount() - 1, currentPage_ + 1));
        return;
    default:
        break;
    }
    QAbstractScrollArea::keyPressEvent(event);
}

void PdfView::mousePressEvent(QMouseEvent* event) {
    const QPoint pos = event->position().toPoint();
    if (event->button() != Qt::LeftButton && event->button() != Qt::MiddleButton)
        return QAbstractScrollArea::mousePressEvent(event);
    event->accept();
    if (drag_ != Drag::None) return; // one drag at a time
    lastMousePos_ = pos;
    if (event->button() == Qt::LeftButton && doubleClickAt_.isValid() &&
        doubleClickAt_.elapsed() < QApplication::doubleClickInterval() &&
        (pos - doubleClickPos_).manhattanLength() <= QApplication::startDragDistance()) {
        // The third click of a triple-click: the line.
        doubleClickAt_.invalidate();
        const TextPosition at = caretAt(pos);
        if (at.isValid()) {
            const PageText* text = pageText(at.page);
            const auto [first, last] = text->lineOf(at.word);
            const PageRange words = text->words(first, last);
            TextSelection line;
            line.select({at.page, first, 0}, {at.page, last, words.endChar});
            setSelection(line);
            drag_ = Drag::None;
            return;
        }
    }
    dragButton_ = event->button();
    dragStart_ = pos;
    dragScrollStart_ = contentOffset();
    dragMoved_ = false;
    if (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier) &&
        !selection_.isEmpty()) {
        // Shift+click extends the selection from where it began, as in a text editor; a
        // drag goes on from there. Not a plain click: the release keeps the selection.
        dragAnchor_ = selection_.anchor();
        dragMoved_ = true;
        drag_ = Drag::Select;
        extendSelectionTo(pos);
        updateCursor(pos);
        return;
    }
    dragAnchor_ = event->button() == Qt::LeftButton ? caretAt(pos) : TextPosition{};
    drag_ = dragAnchor_.isValid() ? Drag::Select : Drag::Pan;
    updateCursor(pos);
}

void PdfView::mouseMoveEvent(QMouseEvent* event) {
    const QPoint pos = event->position().toPoint();
    lastMousePos_ = pos;
    if (drag_ != Drag::None && !dragMoved_ &&
        (pos - dragStart_).manhattanLength() >= QApplication::startDragDistance())
        dragMoved_ = true;
    switch (drag_) {
    case Drag::Pan: {
        const QPoint d = pos - dragStart_;
        horizontalScrollBar()->setValue(dragScrollStart_.x() - d.x());
        verticalScrollBar()->setValue(dragScrollStart_.y() - d.y());
        break;
    }
    case Drag::Select:
        if (!dragMoved_) break;
        extendSelectionTo(pos);
        // Held above or below the view: scroll towards it, selecting as it goes.
        if (pos.y() < 0 || pos.y() >= viewport()->height()) {
            if (!autoScroll_.isActive()) autoScroll_.start();
        } else {
            autoScroll_.stop();
        }
        break;
    case Drag::None:
        updateCursor(pos);
        break;
    }
    event->accept();
}

void PdfView::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton && event->button() != Qt::MiddleButton)
        return QAbstractScrollArea::mouseReleaseEvent(event);
    event->accept();
    // The release that ends a double- or triple-click has no drag to end.
    if (drag_ == Drag::None || event->button() != dragButton_) return;
    autoScroll_.stop();
    if (!dragMoved_ && event->button() == Qt::LeftButton) {
        clearSelection(); // a click, not a drag
    } else if (drag_ == Drag::Select && hasSelection()) {
        // Where the desktop has a selection clipboard (X11), the selection is in it.
        QClipboard* clipboard = QGuiApplication::clipboard();
        QList<int> missing;
        const QString text = selection_.text([this](int page) { return pageText(page); }, &missing);
        if (clipboard->supportsSelection() && missing.isEmpty())
            clipboard->setText(text, QClipboard::Selection);
    }
    drag_ = Drag::None;
    updateCursor(event->position().toPoint());
}

void PdfView::mouseDoubleClickEvent(QMouseEvent* event) {
    const QPoint pos = event->position().toPoint();
    const TextPosition at = event->button() == Qt::LeftButton ? caretAt(pos) : TextPosition{};
    if (!at.isValid()) return mousePressEvent(event); // a second press, for panning
    event->accept();
    TextSelection word;
    const PageRange whole = pageText(at.page)->words(at.word, at.word);
    word.select({at.page, at.word, 0}, {at.page, at.word, whole.endChar});
    setSelection(word);
    drag_ = Drag::None;
    doubleClickAt_.start();
    doubleClickPos_ = pos;
}

void PdfView::contextMenuEvent(QContextMenuEvent* event) {
    if (!doc_) return;
    const PagePoint at = pagePointAt(event->pos(), true);
    const int page = at.page >= 0 ? at.page : currentPage_;
    QMenu menu(this);
    QAction* copyAction = menu.addAction(icons::themed(QStringLiteral("edit-copy")), tr("&Copy"));
    copyAction->setObjectName(QStringLiteral("pdfCopy"));
    copyAction->setShortcut(QKeySequence::Copy); // shown in the menu; the view handles the key
    copyAction->setEnabled(hasSelection());
    connect(copyAction, &QAction::triggered, this, &PdfView::copy);
    QAction* selectAllAction =
        menu.addAction(icons::themed(QStringLiteral("edit-select-all")), tr("Select &All"));
    selectAllAction->setObjectName(QStringLiteral("pdfSelectAll"));
    selectAllAction->setShortcut(QKeySequence::SelectAll);
    // The page under the pointer, which is not always the current one.
    connect(selectAllAction, &QAction::triggered, this, [this, page] { selectPage(page); });
    menu.exec(event->globalPos());
    event->accept();
}

void PdfView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) viewport()->update();
    QAbstractScrollArea::changeEvent(event);
}

// --- search ------------------------------------------------------------------

void PdfView::stopSearch() {
    ++searchGeneration_;
    search_.cancel();
}

void PdfView::clearFind() {
    stopSearch();
    matches_.clear();
    currentMatch_ = -1;
    emit matchesChanged(0, -1, false);
    viewport()->update();
}

void PdfView::find(const QString& text, bool caseSensitive) {
    clearFind();
    if (!doc_ || text.trimmed().isEmpty()) return;
    const quint64 generation = searchGeneration_;
    std::shared_ptr<PdfDocument> doc = doc_;
    // Start at the page the user is reading and wrap around, so that the first
    // match shown is the next one below, as in every reader.
    const int start = std::max(0, currentPage_);
    search_ = QtConcurrent::run(
        &pool_, [this, doc, text, caseSensitive, generation, start](QPromise<void>& promise) {
            const int n = doc->pageCount();
            for (int k = 0; k < n; ++k) {
                if (promise.isCanceled()) return;
                const int page = (start + k) % n;
                QList<QRectF> rects = doc->search(page, text, caseSensitive);
                const bool last = k == n - 1;
                if (rects.isEmpty() && !last) continue;
                QMetaObject::invokeMethod(
                    this,
                    [this, generation, page, rects, last] {
                        if (generation != searchGeneration_) return;
                        for (const QRectF& r : rects) {
                            PdfMatch m{page, r};
                            // Keep document order (page, then reading order).
                            auto pos = std::upper_bound(matches_.begin(), matches_.end(), m,
                                                        [](const PdfMatch& a, const PdfMatch& b) {
                                                            return a.page < b.page;
                                                        });
                            const int index = int(pos - matches_.begin());
                            matches_.insert(pos, m);
                            if (currentMatch_ >= index) ++currentMatch_;
                        }
                        if (currentMatch_ < 0 && !matches_.empty()) {
                            // First results come from the current page onwards.
                            for (std::size_t i = 0; i < matches_.size(); ++i)
                                if (matches_[i].page == page) {
                                    setCurrentMatch(int(i));
                                    break;
                                }
                        }
                        emit matchesChanged(int(matches_.size()), currentMatch_, !last);
                        viewport()->update();
                    },
                    Qt::QueuedConnection);
            }
        });
    emit matchesChanged(0, -1, true);
}

void PdfView::setCurrentMatch(int index) {
    if (index < 0 || index >= int(matches_.size())) {
        currentMatch_ = -1;
    } else {
        currentMatch_ = index;
        const PdfMatch& m = matches_[std::size_t(index)];
        ensureVisible(m.page, m.rect);
        // The page of the match is the one being read, whatever the quarter-line
        // rule says for a match near a page's top.
        if (currentPage_ != m.page) {
            currentPage_ = m.page;
            emit currentPageChanged(m.page);
        }
    }
    emit matchesChanged(int(matches_.size()), currentMatch_, search_.isRunning());
    viewport()->update();
}

void PdfView::nextMatch() {
    if (matches_.empty()) return;
    setCurrentMatch((currentMatch_ + 1) % int(matches_.size()));
}

void PdfView::previousMatch() {
    if (matches_.empty()) return;
    setCurrentMatch((currentMatch_ - 1 + int(matches_.size())) % int(matches_.size()));
}

// --- text selection -----------------------------------------------------------

PdfView::PagePoint PdfView::pagePointAt(QPoint viewportPos, bool onPageOnly) const {
    PagePoint at;
    if (!doc_ || layout_.pageCount() == 0 || layout_.pixelsPerPoint() <= 0) return at;
    const QPoint content = viewportPos + contentOffset();
    const int page = layout_.pageAt(content.y());
    if (page < 0) return at;
    const QRect r = layout_.pageRect(page);
    if (onPageOnly && !r.contains(content)) return at;
    at.page = page;
    at.point = QPointF(content - r.topLeft()) / layout_.pixelsPerPoint();
    return at;
}

TextPosition PdfView::caretAt(QPoint viewportPos) const {
    const PagePoint at = pagePointAt(viewportPos, true);
    const PageText* text = pageText(at.page);
    if (!text) return {};
    const int word = text->wordAt(at.point, kTextSlopPoints);
    return word >= 0 ? TextPosition{at.page, word, text->caretIn(word, at.point.x())}
                     : TextPosition{};
}

const PageText* PdfView::pageText(int page) const {
    auto it = texts_.constFind(page);
    return it == texts_.cend() ? nullptr : it->get();
}

QPointF PdfView::mapFromPage(int page, QPointF pointOnPage) const {
    if (page < 0 || page >= layout_.pageCount()) return {};
    return layout_.toContent(page, pointOnPage) - QPointF(contentOffset());
}

void PdfView::requestText(int page) {
    if (!doc_ || page < 0 || page >= doc_->pageCount() || texts_.contains(page) ||
        textReads_.contains(page))
        return;
    std::shared_ptr<PdfDocument> doc = doc_;
    QFuture<void> future = QtConcurrent::run(&pool_, [this, doc, page](QPromise<void>& promise) {
        std::vector<PageWord> words = doc->words(page, [&promise] { return promise.isCanceled(); });
        if (promise.isCanceled()) return;
        // Lines and bounds are worked out here too, off the UI thread.
        auto text = std::make_shared<const PageText>(std::move(words));
        // The pool is drained in the destructor, so `this` outlives the task.
        QMetaObject::invokeMethod(
            this,
            [this, doc, page, text] {
                if (doc != doc_) return;
                textArrived(page, text);
            },
            Qt::QueuedConnection);
    });
    textReads_.insert(page, future);
}

void PdfView::cancelTextReads(int first, int last) {
    // Scrolling fast through a long document must not queue a read per page passed;
    // pages a copy or Select All waits for are kept.
    const auto [selFirst, selLast] = selection_.pages();
    for (auto it = textReads_.begin(); it != textReads_.end();) {
        const int p = it.key();
        const bool wanted = (p >= first && p <= last) || p == pendingSelectPage_ ||
                            (pendingCopy_ && p >= selFirst && p <= selLast);
        if (wanted) {
            ++it;
        } else {
            it->cancel();
            it = textReads_.erase(it);
        }
    }
}

void PdfView::evictFarTexts(int first, int last) {
    if (texts_.size() <= kTextCachePages) return;
    const auto [selFirst, selLast] = selection_.pages();
    const int keepFirst = first - kTextCachePages / 4;
    const int keepLast = last + kTextCachePages / 4;
    for (auto it = texts_.begin(); it != texts_.end();) {
        const int p = it.key();
        if ((p >= keepFirst && p <= keepLast) || (p >= selFirst && p <= selLast))
            ++it;
        else
            it = texts_.erase(it);
    }
}

void PdfView::textArrived(int page, std::shared_ptr<const PageText> text) {
    textReads_.remove(page);
    texts_.insert(page, std::move(text));
    if (page == pendingSelectPage_) {
        pendingSelectPage_ = -1;
        selectPage(page);
    }
    if (pendingCopy_ && finishCopy()) pendingCopy_ = false;
    if (drag_ == Drag::Select && dragMoved_) extendSelectionTo(lastMousePos_);
    const auto [first, last] = selection_.pages();
    if (page >= first && page <= last) viewport()->update();
    if (drag_ == Drag::None && viewport()->underMouse())
        updateCursor(viewport()->mapFromGlobal(QCursor::pos()));
}

void PdfView::setSelection(const TextSelection& selection) {
    pendingCopy_ = false; // a copy still waiting was for the old selection
    pendingSelectPage_ = -1;
    if (selection == selection_) return;
    selection_ = selection;
    viewport()->update();
    emit selectionChanged(hasSelection());
}

void PdfView::clearSelection() {
    setSelection(TextSelection());
}

QString PdfView::selectedText() const {
    return selection_.text([this](int page) { return pageText(page); });
}

bool PdfView::finishCopy() {
    QList<int> missing;
    const QString text = selection_.text([this](int page) { return pageText(page); }, &missing);
    if (!missing.isEmpty()) {
        for (int page : missing)
            requestText(page);
        return false;
    }
    QGuiApplication::clipboard()->setText(text);
    return true;
}

void PdfView::copy() {
    if (selection_.isEmpty()) return;
    // Pages between the ends of a long selection may not have been read: read them on
    // the worker and copy when the last arrives.
    pendingCopy_ = !finishCopy();
}

void PdfView::selectAll() {
    selectPage(currentPage_);
}

void PdfView::selectPage(int page) {
    if (!doc_ || page < 0 || page >= doc_->pageCount()) return;
    const PageText* text = pageText(page);
    if (!text) {
        clearSelection();
        pendingSelectPage_ = page;
        requestText(page);
        return;
    }
    TextSelection all;
    const PageRange words = text->words(0, text->wordCount() - 1);
    if (words.isValid()) all.select({page, 0, 0}, {page, words.lastWord, words.endChar});
    setSelection(all);
}

void PdfView::extendSelectionTo(QPoint viewportPos) {
    const PagePoint at = pagePointAt(viewportPos, false);
    const PageText* text = pageText(at.page);
    if (!text) {
        requestText(at.page); // the selection reaches it once its words arrive
        return;
    }
    if (text->isEmpty()) return; // a page without text: the selection stays where it was
    TextSelection s;
    const auto [word, ch] = text->nearestCaret(at.point);
    s.select(dragAnchor_, {at.page, word, ch});
    setSelection(s);
}

void PdfView::autoScrollStep() {
    if (drag_ != Drag::Select) return autoScroll_.stop();
    const int h = viewport()->height();
    const int beyond = lastMousePos_.y() < 0    ? lastMousePos_.y()
                       : lastMousePos_.y() >= h ? lastMousePos_.y() - h + 1
                                                : 0;
    if (beyond == 0) return autoScroll_.stop();
    // Faster the farther the pointer is past the edge, as in text editors.
    const int step = std::clamp(beyond, -h / 2, h / 2);
    verticalScrollBar()->setValue(verticalScrollBar()->value() + step);
    extendSelectionTo(lastMousePos_);
}

void PdfView::updateCursor(QPoint viewportPos) {
    Qt::CursorShape shape = Qt::OpenHandCursor;
    if (drag_ == Drag::Pan)
        shape = Qt::ClosedHandCursor;
    else if (drag_ == Drag::Select || caretAt(viewportPos).isValid())
        shape = Qt::IBeamCursor;
    if (viewport()->cursor().shape() != shape) viewport()->setCursor(shape);
}

// --- cited passages -----------------------------------------------------------

void PdfView::showTarget(int page, const QString& quote) {
    if (!doc_ || page < 0 || page >= doc_->pageCount()) return;
    targetSearch_.cancel();
    targetPage_ = page;
    targetRects_.clear();
    goToPage(page);
    viewport()->update();
    if (quote.trimmed().isEmpty()) return;
    std::shared_ptr<PdfDocument> doc = doc_;
    targetSearch_ =
        QtConcurrent::run(&pool_, [this, doc, page, quote](QPromise<QList<QRectF>>& promise) {
            const QList<QRectF> rects = locatePassage(doc->words(page), quote);
            if (promise.isCanceled()) return;
            QMetaObject::invokeMethod(
                this,
                [this, doc, page, rects] {
                    if (doc != doc_ || page != targetPage_ || rects.isEmpty()) return;
                    targetRects_ = rects;
                    QRectF span;
                    for (const QRectF& r : targetRects_)
                        span |= r;
                    goToPage(page, std::max(0.0, span.top() - 24));
                    viewport()->update();
                },
                Qt::QueuedConnection);
            promise.addResult(rects);
        });
}

} // namespace lv::ui

#include "moc_PdfView.cpp"
