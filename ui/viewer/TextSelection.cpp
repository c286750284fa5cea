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

QRectF PageText::charBox(int word, int i) const {
    const PageWord& w = words_.at(std::size_t(word));
    if (w.chars.size() == std::size_t(w.text.size()) && i >= 0 && i < int(w.chars.size()) &&
        !w.chars[std::size_t(i)].isNull())
        return w.chars[std::size_t(i)];
    const double each = w.box.width() / std::max<qsizetype>(w.text.size(), 1);
    return QRectF(w.box.left() + each * i, w.box.top(), each, w.box.height());
}

bool PageText::rightToLeft(int word) const {
    // Right-to-left words (Hebrew, Arabic) have their characters' boxes in reading order
    // from right to left: the caret before character i is on its right.
    const int n = int(words_.at(std::size_t(word)).text.size());
    return n > 1 && charBox(word, n - 1).center().x() < charBox(word, 0).center().x();
}

double PageText::caretX(int word, int ch) const {
    const PageWord& w = words_.at(std::size_t(word));
    const bool rtl = rightToLeft(word);
    if (ch < int(w.text.size())) return rtl ? charBox(word, ch).right() : charBox(word, ch).left();
    return rtl ? w.box.left() : w.box.right();
}

int PageText::caretIn(int word, double x) const {
    const int n = int(words_.at(std::size_t(word)).text.size());
    const bool rtl = rightToLeft(word);
    for (int i = 0; i < n; ++i) {
        const double centre = charBox(word, i).center().x();
        if (rtl ? x > centre : x < centre) return i;
    }
    return n;
}

std::pair<int, int> PageText::nearestCaret(QPointF point) const {
    const int word = nearestWord(point);
    if (word < 0) return {-1, 0};
    // Above or below all of the text: the start or the end of the page.
    if (point.y() < bounds_.top()) return {word, 0};
    if (point.y() > bounds_.bottom()) return {word, int(words_[std::size_t(word)].text.size())};
    return {word, caretIn(word, point.x())};
}

PageRange PageText::words(int first, int last) const {
    first = std::max(first, 0);
    last = std::min(last, wordCount() - 1);
    if (first > last) return {};
    return {first, 0, last, int(words_[std::size_t(last)].text.size())};
}

QString PageText::text(const PageRange& range) const {
    if (!range.isValid() || range.lastWord >= wordCount()) return {};
    QString out;
    for (int i = range.firstWord; i <= range.lastWord; ++i) {
        const PageWord& w = words_[std::size_t(i)];
        const int from = i == range.firstWord ? range.firstChar : 0;
        const int to = i == range.lastWord ? range.endChar : int(w.text.size());
        if (to > from) out += w.text.mid(from, to - from);
        if (i == range.lastWord) break;
        if (lineLast_[std::size_t(i)] == i)
            out += QLatin1Char('\n');
        else if (w.spaceAfter)
            out += QLatin1Char(' ');
    }
    return out;
}

QList<QRectF> PageText::rects(const PageRange& range) const {
    QList<QRectF> out;
    if (!range.isValid() || range.lastWord >= wordCount()) return out;
    QRectF line;
    for (int i = range.firstWord; i <= range.lastWord; ++i) {
        const PageWord& w = words_[std::size_t(i)];
        const int n = int(w.text.size());
        const int from = i == range.firstWord ? range.firstChar : 0;
        const int to = i == range.lastWord ? range.endChar : n;
        QRectF part;
        if (from == 0 && to >= n) {
            part = w.box;
        } else if (to > from) {
            for (int k = from; k < to; ++k)
                part |= charBox(i, k);
        } else { // no character of this word: the band starts or ends at the caret
            const double x = caretX(i, from);
            part = QRectF(x, w.box.top(), 0, w.box.height());
        }
        line = line.isNull() ? part : line.united(part);
        if (lineLast_[std::size_t(i)] == i || i == range.lastWord) {
            if (line.width() > 0) out << line;
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

PageRange TextSelection::rangeOn(int page, const PageText& text) const {
    if (isEmpty() || text.isEmpty()) return {};
    const TextPosition s = start();
    const TextPosition e = end();
    if (page < s.page || page > e.page) return {};
    const int n = text.wordCount();
    auto length = [&text](int word) { return int(text.word(word).text.size()); };
    PageRange r{0, 0, n - 1, length(n - 1)};
    if (page == s.page) {
        if (s.word >= n) return {};
        r.firstWord = s.word;
        r.firstChar = std::clamp(s.ch, 0, length(s.word));
    }
    if (page == e.page && e.word < n) {
        r.lastWord = e.word;
        r.endChar = std::clamp(e.ch, 0, length(e.word));
    }
    if (std::pair(r.firstWord, r.firstChar) >= std::pair(r.lastWord, r.endChar)) return {};
    return r;
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
        const PageRange range = rangeOn(page, *words);
        if (!range.isValid()) continue; // a page without text adds no blank line
        pages << words->text(range);
    }
    return pages.join(QStringLiteral("\n\n"));
}

} // namespace lv::ui
