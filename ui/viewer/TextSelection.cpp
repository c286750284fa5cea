#include "ui/viewer/TextSelection.h"

#include <QStringList>

#include <algorithm>
#include <limits>

namespace lv::ui {

namespace {

// Squared distance from point to the nearest point of box (0 inside it).
double distanceSquared(const QRectF& box, QPointF point) {
    const double dx = std::max({box.left() - point.x(), 0.0, point.x() - box.right()});
    const double dy = std::max({box.top() - point.y(), 0.0, point.y() - box.bottom()});
    return dx * dx + dy * dy;
}

} // namespace

PageText::PageText(std::vector<PageWord> words) : words_(std::move(words)) {
    const int n = wordCount();
    lineFirst_.resize(std::size_t(n));
    lineLast_.resize(std::size_t(n));
    int first = 0;
    for (int i = 0; i < n; ++i) {
        const PageWord& w = words_[std::size_t(i)];
        bounds_ |= w.box;
        lineFirst_[std::size_t(i)] = first;
        if (w.endsLine || i == n - 1) {
            for (int k = first; k <= i; ++k)
                lineLast_[std::size_t(k)] = i;
            first = i + 1;
        }
    }
}

int PageText::wordAt(QPointF point, double slop) const {
    int best = -1;
    double bestDistance = std::numeric_limits<double>::max();
    for (int i = 0; i < wordCount(); ++i) {
        const double d = distanceSquared(words_[std::size_t(i)].box, point);
        if (d < bestDistance) {
            bestDistance = d;
            best = i;
        }
    }
    return best >= 0 && bestDistance <= slop * slop ? best : -1;
}

int PageText::nearestWord(QPointF point) const {
    if (isEmpty()) return -1;
    // Above or below all of the text, reading order decides rather than distance:
    // dragging past the last line selects to the end of the page, whatever the column.
    if (point.y() < bounds_.top()) return 0;
    if (point.y() > bounds_.bottom()) return wordCount() - 1;
    return wordAt(point, std::numeric_limits<double>::max());
}

std::pair<int, int> PageText::lineOf(int word) const {
    if (word < 0 || word >= wordCount()) return {-1, -1};
    return {lineFirst_[std::size_t(word)], lineLast_[std::size_t(word)]};
}

QString PageText::text(int first, int last) const {
    first = std::max(first, 0);
    last = std::min(last, wordCount() - 1);
    QString out;
    for (int i = first; i <= last; ++i) {
        const PageWord& w = words_[std::size_t(i)];
        out += w.text;
        if (i == last) break;
        if (lineLast_[std::size_t(i)] == i)
            out += QLatin1Char('\n');
        else if (w.spaceAfter)
            out += QLatin1Char(' ');
    }
    return out;
}

QList<QRectF> PageText::rects(int first, int last) const {
    first = std::max(first, 0);
    last = std::min(last, wordCount() - 1);
    QList<QRectF> out;
    QRectF line;
    for (int i = first; i <= last; ++i) {
        line |= words_[std::size_t(i)].box;
        if (lineLast_[std::size_t(i)] == i || i == last) {
            out << line;
            line = QRectF();
        }
    }
    return out;
}

void TextSelection::select(TextPosition anchor, TextPosition focus) {
    if (!anchor.isValid() || !focus.isValid()) return clear();
    anchor_ = anchor;
    focus_ = focus;
}

std::pair<int, int> TextSelection::wordsOn(int page, int wordCount) const {
    if (isEmpty() || wordCount <= 0) return {-1, -1};
    const TextPosition s = start();
    const TextPosition e = end();
    if (page < s.page || page > e.page) return {-1, -1};
    const int first = page == s.page ? s.word : 0;
    const int last = page == e.page ? std::min(e.word, wordCount - 1) : wordCount - 1;
    if (first > last) return {-1, -1};
    return {first, last};
}

QString TextSelection::text(const std::function<const PageText*(int page)>& pageText,
                            QList<int>* missing) const {
    if (isEmpty()) return {};
    QStringList pages;
    for (int page = start().page; page <= end().page; ++page) {
        const PageText* words = pageText(page);
        if (!words) {
            if (missing) *missing << page;
            continue;
        }
        const auto [first, last] = wordsOn(page, words->wordCount());
        if (first < 0) continue; // a page without text adds no blank line
        pages << words->text(first, last);
    }
    return pages.join(QStringLiteral("\n\n"));
}

} // namespace lv::ui
