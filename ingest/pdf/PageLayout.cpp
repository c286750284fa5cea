#include "ingest/pdf/PageLayout.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lv::ingest {

namespace {

// A word set smaller and raised right after the one before (no space between): a
// footnote's marker after a figure, "2.09" + "3" in a table's cell.
bool isRaisedMarker(const QRectF& before, const QRectF& word) {
    return word.height() > 0 && word.height() < 0.8 * before.height() &&
           word.bottom() < before.bottom() - 0.15 * before.height();
}

// How wide a proportional font sets a character, roughly: the classes differ by a factor
// of two or more in every such font, and not at all in a fixed-pitch one. Characters
// whose width varies between fonts ('f', 't', 'r', brackets, dashes) are in none.
enum class WidthClass { None, Narrow, Regular, Wide };

WidthClass widthClass(QChar c) {
    switch (c.unicode()) {
    case u'i':
    case u'j':
    case u'l':
    case u'I':
    case u'!':
    case u'|':
    case u'.':
    case u',':
    case u':':
    case u';':
    case u'\'':
    case u'`':
    case u'\u2018':
    case u'\u2019':
        return WidthClass::Narrow;
    case u'm':
    case u'w':
    case u'M':
    case u'W':
    case u'@':
    case u'%':
        return WidthClass::Wide;
    case u'f':
    case u't':
    case u'r':
    case u'J':
        return WidthClass::None;
    default:
        return c.isLetterOrNumber() ? WidthClass::Regular : WidthClass::None;
    }
}

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Interval {
    double a;
    double b;
    double width() const { return b - a; }
};

struct Line {
    std::vector<int> words; // sorted by x once built
    double top = kInf, bottom = -kInf, left = kInf, right = -kInf;
};

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

class PageLayouter {
public:
    PageLayouter(const std::vector<TextWord>& words, const LayoutParameters& params)
        : w_(words), params_(params) {
        std::vector<double> heights;
        heights.reserve(words.size());
        for (const auto& word : words)
            if (word.box.height() > 0) heights.push_back(word.box.height());
        height_ = std::max(1.0, median(heights));
        minGutter_ = params.gutterInHeights * height_;
    }

    std::vector<TextLine> run() {
        std::vector<int> ids;
        QRectF extent;
        for (int i = 0; i < static_cast<int>(w_.size()); ++i) {
            if (w_[i].text.trimmed().isEmpty() || w_[i].box.isEmpty()) continue;
            ids.push_back(i);
            extent = extent.united(w_[i].box);
        }
        layoutRegion(ids, 0, extent);
        return std::move(out_);
    }

private:
    // Words into lines: a word joins the line it overlaps vertically by at
    // least half the smaller height (superscripts stay in their line).
    std::vector<Line> buildLines(std::vector<int> ids) const {
        std::sort(ids.begin(), ids.end(), [this](int a, int b) {
            const double ca = w_[a].box.center().y(), cb = w_[b].box.center().y();
            return ca != cb ? ca < cb : w_[a].box.left() < w_[b].box.left();
        });
        std::vector<Line> lines;
        for (int id : ids) {
            const QRectF& box = w_[id].box;
            int best = -1;
            double bestRatio = 0.5;
            // Only recent lines can overlap a word sorted by its centre.
            const int from = std::max(0, static_cast<int>(lines.size()) - 8);
            for (int l = from; l < static_cast<int>(lines.size()); ++l) {
                const Line& line = lines[l];
                const double overlap =
                    std::min(box.bottom(), line.bottom) - std::max(box.top(), line.top);
                const double smaller = std::min(box.height(), line.bottom - line.top);
                if (smaller <= 0) continue;
                const double ratio = overlap / smaller;
                if (ratio >= bestRatio) {
                    bestRatio = ratio;
                    best = l;
                }
            }
            if (best < 0) {
                lines.emplace_back();
                best = static_cast<int>(lines.size()) - 1;
            }
            Line& line = lines[best];
            line.words.push_back(id);
            line.top = std::min(line.top, box.top());
            line.bottom = std::max(line.bottom, box.bottom());
            line.left = std::min(line.left, box.left());
            line.right = std::max(line.right, box.right());
        }
        for (Line& line : lines)
            std::sort(line.words.begin(), line.words.end(),
                      [this](int a, int b) { return w_[a].box.left() < w_[b].box.left(); });
        std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
            return a.top != b.top ? a.top < b.top : a.left < b.left;
        });
        return lines;
    }

    // Horizontal whitespace of a line at least a gutter wide, including
    // everything left and right of it.
    std::vector<Interval> gaps(const Line& line) const {
        std::vector<Interval> out{{-kInf, line.left}};
        double covered = line.left;
        double coveredHeight = 0; // of the word that reaches `covered`
        for (int id : line.words) {
            const QRectF& box = w_[id].box;
            // Large type has wide word spaces: measure against the larger neighbour.
            const double local = params_.gutterInHeights * std::max(coveredHeight, box.height());
            if (box.left() - covered >= std::max(minGutter_, local))
                out.push_back({covered, box.left()});
            if (box.right() > covered) {
                covered = box.right();
                coveredHeight = box.height();
            }
        }
        out.push_back({covered, kInf});
        return out;
    }

    // Whether the line has words on both sides of the gutter.
    bool spans(const Line& line, const Interval& gutter) const {
        bool leftOf = false, rightOf = false;
        for (int id : line.words) {
            leftOf = leftOf || w_[id].box.right() <= gutter.a;
            rightOf = rightOf || w_[id].box.left() >= gutter.b;
        }
        return leftOf && rightOf;
    }

    std::vector<Interval> intersect(const std::vector<Interval>& x,
                                    const std::vector<Interval>& y) const {
        std::vector<Interval> out;
        for (const auto& p : x)
            for (const auto& q : y) {
                const Interval r{std::max(p.a, q.a), std::min(p.b, q.b)};
                if (r.width() >= minGutter_) out.push_back(r);
            }
        return out;
    }

    static std::vector<Interval> internal(const std::vector<Interval>& gutters, double left,
                                          double right) {
        std::vector<Interval> out;
        for (const auto& g : gutters)
            if (g.a > left && g.b < right) out.push_back(g);
        return out;
    }

    std::vector<Interval> backedGutters(const std::vector<Line>& lines, std::size_t first,
                                        std::size_t last,
                                        const std::vector<Interval>& gutters) const {
        std::vector<Interval> out;
        for (const Interval& g : gutters) {
            int leftLines = 0, rightLines = 0;
            for (std::size_t l = first; l <= last; ++l) {
                bool left = false, right = false;
                for (int id : lines[l].words) {
                    if (w_[id].box.right() <= g.a) left = true;
                    if (w_[id].box.left() >= g.b) right = true;
                }
                leftLines += left;
                rightLines += right;
            }
            // Justified lines sometimes stretch their spaces into the same spot on
            // two consecutive lines, rarely on three.
            const int needed = g.width() >= params_.twoLineGutterInHeights * height_ ? 2 : 3;
            if (leftLines >= needed && rightLines >= needed) out.push_back(g);
        }
        return out;
    }

    // Whether the band's lines are columns of text at the gutter: most of them have words
    // on both sides of it. Centred lines (a slide's title and text under a running header)
    // leave a wide space on each side that other lines' gaps may line up with, but they
    // are no columns, and go on into no table below them.
    bool columnsAbove(const std::vector<Line>& lines, std::size_t first, std::size_t last,
                      const Interval& gutter) const {
        std::size_t both = 0;
        for (std::size_t l = first; l <= last; ++l)
            both += spans(lines[l], gutter);
        return both >= 2 && both * 2 >= last - first + 1;
    }

    struct ColumnSplit {
        std::vector<Interval> gutters; // left to right
        std::vector<std::vector<int>> columns;
        std::vector<int> labelWords; // of the columns merged into the text after them
    };

    // Splits the band's words into columns at the gutters, dropping gutters that only
    // separate list markers ("•", "1.", "(a)") from their text; with `labelColumns`, also
    // those after a column of labels ("[Knu84]", "12.3(a)", "Article 5"): a column that
    // holds a word or two a line, each of its lines going on in the next column, and that
    // is much narrower than that column, or half as wide where most of that column's
    // lines leave it empty. A hanging-indent list (references, clauses) looks so: its
    // entries' continuation lines leave the labels' column empty.
    ColumnSplit columnsOf(const std::vector<Line>& lines, std::size_t first, std::size_t last,
                          std::vector<Interval> gutters, bool labelColumns) const {
        std::sort(gutters.begin(), gutters.end(),
                  [](const Interval& p, const Interval& q) { return p.a < q.a; });
        std::vector<int> labelWords;
        while (true) {
            std::vector<std::vector<int>> columns(gutters.size() + 1);
            std::vector<int> maxWordsPerLine(columns.size(), 0);
            std::vector<int> linesEndingIn(columns.size(), 0); // nothing in the next column
            std::vector<int> linesIn(columns.size(), 0);
            std::vector<int> linesGoingOn(columns.size(), 0); // nothing here, words in the next
            std::vector<double> colLeft(columns.size(), kInf), colRight(columns.size(), -kInf);
            std::vector<double> colTop(columns.size(), kInf), colBottom(columns.size(), -kInf);
            std::vector<std::vector<int>> perLine(last - first + 1,
                                                  std::vector<int>(columns.size(), 0));
            for (std::size_t l = first; l <= last; ++l) {
                for (int id : lines[l].words) {
                    const double x = w_[id].box.center().x();
                    std::size_t c = 0;
                    while (c < gutters.size() && x > gutters[c].a)
                        ++c;
                    columns[c].push_back(id);
                    ++perLine[l - first][c];
                    colLeft[c] = std::min(colLeft[c], w_[id].box.left());
                    colRight[c] = std::max(colRight[c], w_[id].box.right());
                    colTop[c] = std::min(colTop[c], w_[id].box.top());
                    colBottom[c] = std::max(colBottom[c], w_[id].box.bottom());
                }
            }
            for (std::size_t l = first; l <= last; ++l) {
                const std::vector<int>& n = perLine[l - first];
                for (std::size_t c = 0; c < columns.size(); ++c) {
                    maxWordsPerLine[c] = std::max(maxWordsPerLine[c], n[c]);
                    // Lines above or below the next column's text (a heading under a list
                    // of labels, in the band for the gap beside it) say nothing of whether
                    // the column's lines go on in it.
                    const bool besideNext = c + 1 < columns.size() &&
                                            lines[l].bottom > colTop[c + 1] &&
                                            lines[l].top < colBottom[c + 1];
                    if (c + 1 < columns.size() && !besideNext) continue;
                    if (n[c] > 0 && (c + 1 == columns.size() || n[c + 1] == 0)) ++linesEndingIn[c];
                    linesIn[c] += n[c] > 0;
                    if (n[c] == 0 && c + 1 < columns.size() && n[c + 1] > 0) ++linesGoingOn[c];
                }
            }
            bool merged = false;
            for (std::size_t c = 0; c + 1 < columns.size() && !merged; ++c) {
                const double width = colRight[c] - colLeft[c];
                const bool marker = maxWordsPerLine[c] <= 1 && width < 2.5 * height_;
                const double nextWidth = colRight[c + 1] - colLeft[c + 1];
                const bool label = labelColumns && linesEndingIn[c] == 0 &&
                                   ((maxWordsPerLine[c] <= 2 && width <= 0.25 * nextWidth) ||
                                    (maxWordsPerLine[c] <= 4 && width <= 0.5 * nextWidth &&
                                     linesGoingOn[c] >= linesIn[c]));
                if (marker || label) {
                    labelWords.insert(labelWords.end(), columns[c].begin(), columns[c].end());
                    gutters.erase(gutters.begin() + static_cast<std::ptrdiff_t>(c));
                    merged = true;
                }
            }
            if (!merged) return {std::move(gutters), std::move(columns), std::move(labelWords)};
        }
    }

    // No word of the lines is set in a proportional font, and most lines show a fixed pitch.
    bool setInFixedPitch(const std::vector<Line>& lines, std::size_t first,
                         std::size_t last) const {
        std::size_t fixedLines = 0;
        for (std::size_t l = first; l <= last; ++l) {
            bool fixed = false;
            for (int id : lines[l].words) {
                if (w_[id].pitch == Pitch::Proportional) return false;
                fixed = fixed || w_[id].pitch == Pitch::Fixed;
            }
            fixedLines += fixed;
        }
        return fixedLines * 2 >= last - first + 1;
    }

    bool looksLikeTable(const std::vector<Line>& lines, std::size_t first, std::size_t last,
                        const std::vector<std::vector<int>>& columns) const {
        if (columns.size() < 2 || last == first) return false;
        std::vector<int> columnOf(w_.size(), -1);
        for (std::size_t c = 0; c < columns.size(); ++c)
            for (int id : columns[c])
                columnOf[id] = static_cast<int>(c);
        int multiCellLines = 0, cells = 0, words = 0;
        const int lineCount = static_cast<int>(last - first + 1);
        for (std::size_t l = first; l <= last; ++l) {
            std::vector<bool> hit(columns.size(), false);
            for (int id : lines[l].words) {
                hit[columnOf[id]] = true;
                ++words;
            }
            const int n = static_cast<int>(std::count(hit.begin(), hit.end(), true));
            cells += n;
            if (n >= 2) ++multiCellLines;
        }
        const double wordsPerCell = cells ? static_cast<double>(words) / cells : 0.0;
        return multiCellLines >= 2 && multiCellLines * 2 >= lineCount &&
               wordsPerCell <= params_.maxWordsPerTableCell;
    }

    // With `spaceWidth`, a gap between words becomes as many spaces as it is wide.
    QString joinWords(const std::vector<int>& ids, double spaceWidth = 0) const {
        QString text;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const TextWord& word = w_[ids[i]];
            if (i > 0) {
                const TextWord& prev = w_[ids[i - 1]];
                const double gap = word.box.left() - prev.box.right();
                const double h = std::min(word.box.height(), prev.box.height());
                // A word back at the left under the one before goes on from another line
                // (a label wrapped onto two): a space, save after a hyphen.
                const bool wrapped = word.box.left() < prev.box.left() &&
                                     word.box.top() >= prev.box.bottom() - 0.2 * h &&
                                     !prev.text.endsWith(QLatin1Char('-'));
                const bool space = prev.spaceAfter || gap > 0.15 * h || wrapped;
                if (space)
                    text += QString(
                        spaceWidth > 0 ? std::max<qsizetype>(1, std::lround(gap / spaceWidth)) : 1,
                        QLatin1Char(' '));
                if (!space && isRaisedMarker(prev.box, word.box)) {
                    text += superscriptDigits(word.text);
                    continue;
                }
            }
            text += word.text;
        }
        return text;
    }

    TextLine makeLine(const std::vector<int>& ids, int region, const QRectF& regionBox) const {
        TextLine line;
        line.text = joinWords(ids);
        std::vector<double> heights;
        for (int id : ids) {
            line.box = line.box.united(w_[id].box);
            heights.push_back(w_[id].box.height());
        }
        line.fontSize = median(heights);
        line.firstWordHeight = ids.empty() ? 0 : w_[ids.front()].box.height();
        line.secondWordLeft = ids.size() < 2 ? 0 : w_[ids[1]].box.left();
        line.region = region;
        line.regionBox = regionBox;
        int fixed = 0, proportional = 0;
        std::vector<double> advances;
        for (int id : ids) {
            fixed += w_[id].pitch == Pitch::Fixed;
            proportional += w_[id].pitch == Pitch::Proportional;
            if (w_[id].charAdvance > 0) advances.push_back(w_[id].charAdvance);
        }
        if (proportional == 0 && fixed > 0) line.pitch = Pitch::Fixed;
        if (proportional > 0) line.pitch = Pitch::Proportional;
        line.charAdvance = median(advances);
        if (proportional == 0 && !ids.empty() && advances.size() == ids.size())
            line.spacedText = joinWords(ids, line.charAdvance);
        return line;
    }

    void emitTable(const std::vector<Line>& lines, std::size_t first, std::size_t last,
                   const std::vector<std::vector<int>>& columns, int region,
                   const QRectF& regionBox) {
        const int table = nextTable_++;
        std::vector<int> columnOf(w_.size(), -1);
        for (std::size_t c = 0; c < columns.size(); ++c)
            for (int id : columns[c])
                columnOf[id] = static_cast<int>(c);
        std::ptrdiff_t previousIndex = -1; // in out_, which may reallocate
        double previousBottom = -kInf;
        for (std::size_t l = first; l <= last; ++l) {
            std::vector<std::vector<int>> cellWords(columns.size());
            for (int id : lines[l].words)
                cellWords[columnOf[id]].push_back(id);
            QStringList cells;
            int filled = -1, filledCount = 0;
            for (std::size_t c = 0; c < columns.size(); ++c) {
                cells.append(joinWords(cellWords[c]));
                if (!cellWords[c].empty()) {
                    filled = static_cast<int>(c);
                    ++filledCount;
                }
            }
            // A cell wrapped onto a second line continues the row above.
            TextLine* previous = previousIndex < 0 ? nullptr : &out_[previousIndex];
            if (previous && filledCount == 1 && !previous->cells[filled].isEmpty() &&
                lines[l].top - previousBottom < 0.6 * height_) {
                previous->cells[filled] += QLatin1Char(' ') + cells[filled];
                previous->text = previous->cells.join(QStringLiteral(" | "));
                previous->box =
                    previous->box.united(QRectF(QPointF(lines[l].left, lines[l].top),
                                                QPointF(lines[l].right, lines[l].bottom)));
                previousBottom = lines[l].bottom;
                continue;
            }
            TextLine row = makeLine(lines[l].words, region, regionBox);
            row.table = table;
            row.cells = cells;
            row.text = cells.join(QStringLiteral(" | "));
            out_.push_back(std::move(row));
            previousIndex = static_cast<std::ptrdiff_t>(out_.size()) - 1;
            previousBottom = lines[l].bottom;
        }
    }

    // Lines at the edges of a table band with a single cell are the sentences
    // around the table (they hid some of its gutters): they stay lines, and the
    // columns come from the rows alone.
    void emitTableTrimmed(const std::vector<Line>& lines, std::size_t first, std::size_t last,
                          std::vector<std::vector<int>> columns, int region,
                          const QRectF& regionBox) {
        std::vector<int> columnOf(w_.size(), -1);
        for (std::size_t c = 0; c < columns.size(); ++c)
            for (int id : columns[c])
                columnOf[id] = static_cast<int>(c);
        auto cellCount = [&](std::size_t l) {
            std::vector<bool> hit(columns.size(), false);
            for (int id : lines[l].words)
                hit[columnOf[id]] = true;
            return std::count(hit.begin(), hit.end(), true);
        };
        std::size_t a = first, b = last;
        while (a < b && cellCount(a) <= 1)
            ++a;
        while (b > a && cellCount(b) <= 1)
            --b;
        for (std::size_t l = first; l < a; ++l)
            out_.push_back(makeLine(lines[l].words, region, regionBox));
        if ((a != first || b != last) && b > a) {
            std::vector<Interval> common = gaps(lines[a]);
            double left = lines[a].left, right = lines[a].right;
            for (std::size_t l = a + 1; l <= b; ++l) {
                common = intersect(common, gaps(lines[l]));
                left = std::min(left, lines[l].left);
                right = std::max(right, lines[l].right);
            }
            std::vector<Interval> inner = internal(common, left, right);
            if (!inner.empty()) columns = columnsOf(lines, a, b, inner, false).columns;
        }
        if (b > a && columns.size() >= 2) {
            emitTable(lines, a, b, columns, region, regionBox);
        } else {
            for (std::size_t l = a; l <= b; ++l)
                out_.push_back(makeLine(lines[l].words, region, regionBox));
        }
        for (std::size_t l = b + 1; l <= last; ++l)
            out_.push_back(makeLine(lines[l].words, region, regionBox));
    }

    // The lines of a band whose labels (`labelWords`) stand apart from their entries' text.
    // A label wrapped onto more lines ("critical or important" / "function", a term beside
    // its definition) is read whole before its entry's text, on the entry's first line.
    void emitLabelledLines(const std::vector<Line>& lines, std::size_t first, std::size_t last,
                           std::vector<int> labelWords, int region, const QRectF& regionBox) {
        std::sort(labelWords.begin(), labelWords.end());
        auto isLabel = [&](int id) {
            return std::binary_search(labelWords.begin(), labelWords.end(), id);
        };
        double labelRight = -kInf;
        for (int id : labelWords)
            labelRight = std::max(labelRight, w_[id].box.right());
        // An enumerator ("b.", "(ii)", "12.2(a)", "[Knu84]") opens an entry of its own.
        static const QRegularExpression enumerator(
            QStringLiteral(R"(^(?:[^\p{L}]|\p{L}{1,3}[.)]$))"),
            QRegularExpression::UseUnicodePropertiesOption);
        std::vector<std::vector<int>> labels(last - first + 1), texts(last - first + 1);
        for (std::size_t k = first; k <= last; ++k)
            for (int id : lines[k].words)
                (isLabel(id) ? labels : texts)[k - first].push_back(id);
        // Labels of a word each ("void" over "int" in a list of functions) were not wrapped.
        const bool phrases = std::any_of(labels.begin(), labels.end(),
                                         [](const std::vector<int>& l) { return l.size() >= 2; });
        const std::vector<std::vector<int>> written = labels; // each line's own labels
        std::size_t opened = 0; // the line whose label the next label lines may go on
        for (std::size_t k = 1; phrases && k < labels.size(); ++k) {
            const std::vector<int>& above = written[k - 1];
            const std::vector<int>& here = written[k];
            if (here.empty() || above.empty()) {
                opened = k;
                continue;
            }
            const TextWord& next = w_[here.front()];
            const Line& a = lines[first + k - 1];
            const Line& b = lines[first + k];
            // A word goes on from the label above where it would not have fitted after it.
            const bool wrapped =
                w_[above.back()].box.right() + 0.3 * height_ + next.box.width() > labelRight;
            if (b.top - a.bottom <= 0.5 * height_ && wrapped &&
                !enumerator.match(next.text).hasMatch()) {
                labels[opened].insert(labels[opened].end(), here.begin(), here.end());
                labels[k].clear();
            } else {
                opened = k;
            }
        }
        for (std::size_t k = 0; k < labels.size(); ++k) {
            std::vector<int> ids = labels[k];
            ids.insert(ids.end(), texts[k].begin(), texts[k].end());
            if (ids.empty()) continue;
            TextLine line = makeLine(ids, region, regionBox);
            line.opensListEntry = !labels[k].empty();
            out_.push_back(std::move(line));
        }
    }

    void layoutRegion(const std::vector<int>& ids, int region, const QRectF& regionBox) {
        const std::vector<Line> lines = buildLines(ids);
        std::size_t i = 0;
        while (i < lines.size()) {
            // Grow a band of consecutive lines that share a gutter between words.
            std::vector<Interval> common = gaps(lines[i]);
            double left = lines[i].left, right = lines[i].right;
            std::size_t j = i;
            std::vector<Interval> bandGutters;
            while (j + 1 < lines.size()) {
                const Line& next = lines[j + 1];
                // Columns run on without large vertical gaps; a title page's
                // scattered lines do not make columns.
                const double leading =
                    std::max(lines[j].bottom - lines[j].top, next.bottom - next.top);
                const double gap = next.top - lines[j].bottom;
                // ...save where both columns of text happen to leave space at the same
                // height (a paragraph ends in each): columns that go on past the gap, the
                // two lines after it with text on both sides of a gutter as wide as columns
                // have, are one band, read column by column.
                bool columnsGoOn = false;
                if (j >= i + 2 && !bandGutters.empty() &&
                    gap <= params_.maxColumnGapInLines * leading && j + 2 < lines.size()) {
                    const Line& after = lines[j + 2];
                    for (const Interval& g :
                         internal(intersect(intersect(common, gaps(next)), gaps(after)),
                                  std::min({left, next.left, after.left}),
                                  std::max({right, next.right, after.right})))
                        for (const Interval& kept : bandGutters)
                            columnsGoOn = columnsGoOn ||
                                          (g.width() >= params_.twoLineGutterInHeights * height_ &&
                                           g.a < kept.b && g.b > kept.a && spans(next, g) &&
                                           spans(after, g) && columnsAbove(lines, i, j, kept));
                    if (columnsGoOn) {
                        const ColumnSplit split = columnsOf(lines, i, j, bandGutters, false);
                        columnsGoOn = !looksLikeTable(lines, i, j, split.columns);
                    }
                }
                if (gap > params_.maxBandGapInLines * leading && !columnsGoOn) break;
                std::vector<Interval> both = intersect(common, gaps(next));
                const double l2 = std::min(left, next.left), r2 = std::max(right, next.right);
                std::vector<Interval> inner = internal(both, l2, r2);
                if (inner.empty()) break;
                common = std::move(both);
                bandGutters = std::move(inner);
                left = l2;
                right = r2;
                ++j;
            }
            // A column has several lines on each side of its gutter (a sentence
            // space in one line next to a list is not a gutter) ...
            if (j > i) bandGutters = backedGutters(lines, i, j, bandGutters);
            if (bandGutters.empty()) j = i;
            // ... and two lines whose wide word spaces happen to line up are not
            // columns: a narrow gutter must run through several lines.
            double widest = 0;
            for (const Interval& g : bandGutters)
                widest = std::max(widest, g.width());
            if (j == i + 1 && widest < params_.twoLineGutterInHeights * height_) j = i;
            // Code and terminal output align their words with runs of spaces: in a
            // fixed-pitch font those runs are no gutters.
            if (j > i && setInFixedPitch(lines, i, j)) {
                for (std::size_t k = i; k <= j; ++k)
                    out_.push_back(makeLine(lines[k].words, region, regionBox));
                i = j + 1;
                continue;
            }
            if (j > i) {
                ColumnSplit split = columnsOf(lines, i, j, bandGutters, false);
                if (split.columns.size() >= 2 && looksLikeTable(lines, i, j, split.columns)) {
                    emitTableTrimmed(lines, i, j, split.columns, region, regionBox);
                    i = j + 1;
                    continue;
                }
                split = columnsOf(lines, i, j, split.gutters, true);
                if (split.columns.size() >= 2) {
                    for (const auto& column : split.columns) {
                        QRectF box;
                        for (int id : column)
                            box = box.united(w_[id].box);
                        layoutRegion(column, nextRegion_++, box);
                    }
                    i = j + 1;
                    continue;
                }
                // Only list labels stood apart: the lines read as they are, and a line
                // that starts with a label opens an entry.
                emitLabelledLines(lines, i, j, std::move(split.labelWords), region, regionBox);
                i = j + 1;
                continue;
            }
            out_.push_back(makeLine(lines[i].words, region, regionBox));
            ++i;
        }
    }

    const std::vector<TextWord>& w_;
    LayoutParameters params_;
    double height_ = 1;
    double minGutter_ = 1;
    int nextRegion_ = 1;
    int nextTable_ = 0;
    std::vector<TextLine> out_;
};

} // namespace

QString superscriptDigits(const QString& text) {
    static const char16_t kDigits[] = u"\u2070\u00B9\u00B2\u00B3\u2074\u2075\u2076\u2077"
                                      u"\u2078\u2079";
    QString out = text;
    for (QChar& c : out)
        if (c >= QLatin1Char('0') && c <= QLatin1Char('9')) c = QChar(kDigits[c.unicode() - '0']);
    return out;
}

Pitch pitchOf(const QString& text, const std::vector<double>& advances) {
    if (advances.size() != static_cast<std::size_t>(text.size())) return Pitch::Unknown;
    double sum[4] = {0, 0, 0, 0};
    int count[4] = {0, 0, 0, 0};
    for (qsizetype i = 0; i < text.size(); ++i) {
        const auto c = static_cast<int>(widthClass(text[i]));
        if (c == 0 || advances[i] <= 0) continue;
        sum[c] += advances[i];
        ++count[c];
    }
    bool compared = false, different = false, alike = true;
    for (int a = 1; a <= 3; ++a)
        for (int b = a + 1; b <= 3; ++b) {
            if (!count[a] || !count[b]) continue;
            // The wider class over the narrower: about 1 at a fixed pitch, 1.5 to 3
            // in a proportional font.
            const double ratio = (sum[b] / count[b]) / (sum[a] / count[a]);
            compared = true;
            different = different || ratio >= 1.3;
            alike = alike && std::abs(ratio - 1.0) <= 0.08;
        }
    if (!compared) return Pitch::Unknown;
    if (different) return Pitch::Proportional;
    return alike ? Pitch::Fixed : Pitch::Unknown;
}

std::vector<TextLine> layoutPage(const std::vector<TextWord>& words,
                                 const LayoutParameters& params) {
    if (words.empty()) return {};
    return PageLayouter(words, params).run();
}

} // namespace lv::ingest
