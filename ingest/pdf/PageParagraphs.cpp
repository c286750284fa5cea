#include "ingest/pdf/PageParagraphs.h"

#include "ingest/pdf/Dehyphenation.h"
#include "ingest/text/NumberedHeading.h"

#include <QHash>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace lv::ingest {

namespace {

double medianOf(std::vector<double> v, double fallback) {
    if (v.empty()) return fallback;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

struct RegionShape {
    double left = 1e9;
    double right = -1e9;
    bool justified = false; // most lines reach (about) the right edge
    bool ragged = false;    // ...but few of them exactly
};

bool startsWithFootnoteMarker(const TextLine& line) {
    static const QRegularExpression marker(
        QStringLiteral(R"(^(?:\d{1,3}|[*†‡§¶]+|\(\d{1,3}\)|\[\d{1,3}\]|[a-z]\))\s*\S)"));
    return marker.match(line.text).hasMatch() || line.firstWordHeight < 0.8 * line.fontSize;
}

// Whether a line in small type opens another footnote under the one before it: its marker
// is set smaller than its text, or the page's text refers to its number as a raised
// marker ("loss.²" for "2 See ...") and the footnote before it ended a sentence. Numbered
// lines of a listing set small ("25 // ... byte." / "26 Crc m = ...") are no footnotes.
bool opensFootnote(const TextLine& line, const TextLine& before, const ParagraphContext& context,
                   const QString& pageText) {
    static const QRegularExpression marker(
        QStringLiteral(R"(^(?:(\d{1,3})|\((\d{1,3})\)|[*†‡§¶]+)\s*\S)"));
    static const QRegularExpression end(QStringLiteral(R"([.!?]["'”’)\]]*\s*$)"));
    if (context.pageHeight > 0 && line.box.top() < 0.5 * context.pageHeight) return false;
    const auto m = marker.match(line.text);
    if (!m.hasMatch()) return false;
    if (line.firstWordHeight < 0.8 * line.fontSize) return true;
    if (!end.match(before.text).hasMatch()) return false;
    const QString number = m.captured(1).isEmpty() ? m.captured(2) : m.captured(1);
    return !number.isEmpty() && pageText.contains(superscriptDigits(number));
}

// A table-of-contents entry ends with dot leaders and a page number.
bool endsWithLeader(const QString& text) {
    static const QRegularExpression leader(
        QStringLiteral(R"((?:\.\s?){4,}\s*\S{0,8}\s*$|…\s*\S{0,8}\s*$)"));
    return leader.match(text).hasMatch();
}

// "• item", "– item", "(a) item", "(12) item": each list item is a paragraph.
bool startsListItem(const QString& text) {
    static const QRegularExpression item(
        QStringLiteral(R"(^(?:[•◦▪▫‣∙·●○■□➢►–—*-]\s|\((?:\d{1,3}|[a-z]|[ivx]{1,5})\)\s))"));
    return item.match(text).hasMatch();
}

// "(a) ", "(iv) ", "b) ", "2. ", "4.2 ", "12.3(a) ", "• ": a list entry's label, then text.
// A bare number ("0 for bad parity") is none: sentences wrap onto lines that start so.
bool startsWithLabel(const QString& text) {
    static const QRegularExpression label(QStringLiteral(
        R"(^(?:[•◦▪▫‣∙·●○■□➢►–—*-]|\(?(?:\d{1,3}|[a-z]{1,2}|[ivxlc]{1,6})\)|)"
        R"(\d{1,3}(?:\.\d{1,3})*(?:\.|\.\d{1,3}|\([a-z0-9]{1,4}\))+|[A-Z]\.)\s+\S)"));
    return label.match(text).hasMatch();
}

// Whether a line ends where a list's next entry may begin: after a colon, a semicolon
// (with "and" or "or" after it) or a full stop.
bool endsClause(const QString& text) {
    static const QRegularExpression end(
        QStringLiteral(R"((?:[:;.]|;\s+(?:and|or))["'”’)\]]*\s*$)"));
    return end.match(text).hasMatch();
}

int wordCount(const QString& s) {
    return static_cast<int>(s.split(QLatin1Char(' '), Qt::SkipEmptyParts).size());
}

bool similarSize(const TextLine& a, const TextLine& b) {
    return std::abs(a.fontSize - b.fontSize) <= 0.15 * std::max(a.fontSize, b.fontSize);
}

// "Article 17", "CHAPTER V", "SCHEDULE 2.": a heading that is a number and nothing else.
bool isBareHeading(const QString& text) {
    const auto h = parseNumberedHeading(text);
    if (!h || h->rank >= 50) return false;
    const qsizetype at = h->text.indexOf(h->number);
    if (at < 0) return false;
    for (QChar c : QStringView(h->text).sliced(at + h->number.size()))
        if (c.isLetterOrNumber()) return false;
    return true;
}

// Whether `line` under the bare heading `heading` is its title: a few words of the same
// size right under it, no sentence and no entry of a list or contents.
bool namesSection(const TextLine& heading, const TextLine& line, const RegionShape& shape) {
    static const QRegularExpression end(QStringLiteral(R"([.,;:]["'”’)\]]*\s*$)"));
    const bool full = line.box.left() <= shape.left + 0.5 * line.fontSize &&
                      line.box.right() >= shape.right - 0.5 * line.fontSize;
    return line.table < 0 && similarSize(heading, line) &&
           line.box.top() - heading.box.bottom() <= 0.8 * line.fontSize && !full &&
           wordCount(line.text) <= 12 && !end.match(line.text).hasMatch() &&
           !parseNumberedHeading(line.text) && !startsWithLabel(line.text) &&
           !endsWithLeader(line.text);
}

// Block braces, statement ends, comments and operators that code has on most lines and
// prose, mathematics included, on few.
bool hasCodePunctuation(const QString& text) {
    static const QRegularExpression code(
        QStringLiteral(R"([{};]\s*$|^\s*(?:}|#\w)|//|/\*|->|::|[=!+\-*/<>:]=)"));
    return code.match(text).hasMatch();
}

// "... in the History section." and "as follows:" end a sentence; "and likewise" does not.
bool endsSentence(const QString& text) {
    static const QRegularExpression end(QStringLiteral(R"([.!?:]["'”’)\]]*\s*$)"));
    return end.match(text).hasMatch();
}

// The width of a line's characters: measured where the words carried their advances,
// else half the font size.
double characterWidth(const TextLine& line) {
    return line.charAdvance > 0 ? line.charAdvance : 0.5 * line.fontSize;
}

// Whether the line above `next` ended before the right edge although the first word of
// `next` would have fitted after it: it ended by choice (a paragraph's, an entry's last
// line), not because it was full.
bool endsShort(const TextLine& line, const TextLine& next, double right) {
    const QString word = next.text.section(QLatin1Char(' '), 0, 0, QString::SectionSkipEmpty);
    const double wordWidth = word.size() * characterWidth(next);
    return line.box.right() + 0.3 * line.fontSize + wordWidth < right;
}

// Whether `next` is the line right under `line`, in the same region and size, with no more
// space between them than between the lines of a paragraph (baselines are compared, as a
// raised footnote marker moves a line's top).
bool nextWithoutGap(const TextLine& line, const TextLine& next, double pitch) {
    const double advance = next.box.bottom() - line.box.bottom();
    return next.region == line.region && next.table < 0 && similarSize(line, next) && advance > 0 &&
           advance <= 1.15 * pitch;
}

// Whether `next` goes on right under `line` at its left edge. After a full line at the
// left edge, an indented line so followed continues a hanging indent ("2.1  The Supplier
// shall..." whose other lines align with "The"), where a first line indent is followed by
// a line at the left edge again.
bool goesOnAtIndent(const TextLine& line, const TextLine& next, double pitch) {
    return nextWithoutGap(line, next, pitch) &&
           std::abs(next.box.left() - line.box.left()) <= 0.3 * line.fontSize;
}

// Whether `line` starts where the text after the label of `entry` does ("1.  Member States
// shall..." / "    have all the..."): it goes on with the entry.
bool alignsAfterLabel(const TextLine& entry, const TextLine& line) {
    return entry.secondWordLeft > entry.box.left() && startsWithLabel(entry.text) &&
           std::abs(line.box.left() - entry.secondWordLeft) <= 0.3 * line.fontSize;
}

// Whether the lines stand at three or more indentation levels, most of them short of the
// right edge and with code punctuation, none opening a list item.
bool indentedLikeCode(const std::vector<TextLine>& lines, const std::vector<int>& block) {
    std::vector<double> levels;
    int punctuated = 0, full = 0;
    const double unit = characterWidth(lines[block.front()]);
    for (int i : block) {
        const TextLine& l = lines[i];
        if (startsListItem(l.text) || l.opensListEntry) return false;
        punctuated += hasCodePunctuation(l.text);
        full += l.box.right() >= l.regionBox.right() - 2 * l.fontSize;
        const bool known = std::any_of(levels.begin(), levels.end(),
                                       [&](double x) { return std::abs(x - l.box.left()) < unit; });
        if (!known) levels.push_back(l.box.left());
    }
    const int count = static_cast<int>(block.size());
    return levels.size() >= 3 && punctuated * 2 >= count && full * 4 <= count;
}

// Code listings among a page's lines (`kept`, in reading order): the lines of each
// listing share an id in the result, indexed by line; -1 elsewhere.
//
// A listing is a run of two or more lines set in a fixed-pitch font, with the lines among
// them that show no pitch either way ("}", "end") and no proportional word; or, where the
// font does not tell (a proportional font, an OCR'd page), a block of three or more lines
// between blank lines that stand indented like code.
std::vector<int> findCodeListings(const std::vector<TextLine>& lines, const std::vector<int>& kept,
                                  double pitch) {
    std::vector<int> listing(lines.size(), -1);
    int next = 0;
    auto continues = [&](const TextLine& a, const TextLine& b) {
        const double advance = b.box.top() - a.box.top();
        return a.region == b.region && a.table < 0 && b.table < 0 && similarSize(a, b) &&
               advance > 0 && advance <= 3.5 * std::max(a.fontSize, b.fontSize);
    };
    // Lines of a fixed-pitch run: measured, and no word in a proportional font.
    auto unproportional = [&](std::size_t at) {
        const TextLine& l = lines[kept[at]];
        return l.table < 0 && l.pitch != Pitch::Proportional && !l.spacedText.isEmpty();
    };
    for (std::size_t k = 0; k < kept.size();) {
        if (!unproportional(k)) {
            ++k;
            continue;
        }
        std::size_t end = k + 1;
        while (end < kept.size() && unproportional(end) &&
               continues(lines[kept[end - 1]], lines[kept[end]]))
            ++end;
        // One line in a fixed-pitch font is a term, a command, a name in the text.
        bool fixed = false;
        for (std::size_t m = k; m < end; ++m)
            fixed = fixed || lines[kept[m]].pitch == Pitch::Fixed;
        if (fixed && end - k >= 2) {
            for (std::size_t m = k; m < end; ++m)
                listing[kept[m]] = next;
            ++next;
        }
        k = end;
    }
    // Indentation structure, in blocks that blank lines or changes of size delimit.
    for (std::size_t k = 0; k < kept.size();) {
        std::size_t end = k + 1;
        if (listing[kept[k]] < 0)
            while (end < kept.size() && listing[kept[end]] < 0 &&
                   continues(lines[kept[end - 1]], lines[kept[end]]) &&
                   lines[kept[end]].box.top() - lines[kept[end - 1]].box.top() <= 1.4 * pitch)
                ++end;
        std::vector<int> block(kept.begin() + static_cast<std::ptrdiff_t>(k),
                               kept.begin() + static_cast<std::ptrdiff_t>(end));
        if (block.size() >= 3 && indentedLikeCode(lines, block)) {
            for (int i : block)
                listing[i] = next;
            ++next;
        }
        k = end;
    }
    return listing;
}

// The lines of a listing, one per line, indented by as many spaces as their indentation
// is characters wide; a blank line where the listing had one.
QString listingText(const std::vector<TextLine>& lines, const std::vector<int>& members) {
    double left = 1e9;
    std::vector<double> widths, advances;
    for (std::size_t m = 0; m < members.size(); ++m) {
        const TextLine& l = lines[members[m]];
        left = std::min(left, l.box.left());
        widths.push_back(characterWidth(l));
        if (m > 0) advances.push_back(l.box.top() - lines[members[m - 1]].box.top());
    }
    const double unit = medianOf(widths, 5.0);
    const double step = medianOf(advances, 0.0);
    QString text;
    for (std::size_t m = 0; m < members.size(); ++m) {
        const TextLine& l = lines[members[m]];
        if (m > 0) {
            text += QLatin1Char('\n');
            if (step > 0 && advances[m - 1] > 1.6 * step) text += QLatin1Char('\n');
        }
        text += QString(std::lround((l.box.left() - left) / unit), QLatin1Char(' '));
        text += l.spacedText.isEmpty() ? l.text : l.spacedText;
    }
    return text;
}

struct HangingLists {
    std::vector<int> list;     // by line: the list it belongs to; -1 outside lists
    std::vector<bool> entry;   // by line: it opens an entry (the others continue one)
    std::vector<double> right; // by list: where its full lines end
};

// Hanging-indent lists: runs of lines at two left edges, where the lines at the left one
// open the entries and the indented lines continue them (references, numbered clauses).
// Paragraphs whose first line is indented have the same two edges the other way round;
// they differ in where lines end short: before an indented line, a paragraph has ended
// (its last line stopped short though the next word would have fitted), while a list
// entry goes on (its first line is full). And a paragraph goes on at the left edge after
// its indented first line, where a list's next entry comes.
HangingLists findHangingLists(const std::vector<TextLine>& lines, const std::vector<int>& kept,
                              const std::vector<int>& listing, double pitch) {
    HangingLists out{
        std::vector<int>(lines.size(), -1), std::vector<bool>(lines.size(), false), {}};
    int next = 0;
    auto inRun = [&](const TextLine& a, const TextLine& b) {
        const double advance = b.box.top() - a.box.top();
        return a.region == b.region && a.table < 0 && b.table < 0 && similarSize(a, b) &&
               advance > 0 && advance <= 2.5 * pitch;
    };
    for (std::size_t k = 0; k < kept.size();) {
        std::size_t end = k + 1;
        if (listing[kept[k]] < 0 && lines[kept[k]].table < 0)
            while (end < kept.size() && listing[kept[end]] < 0 &&
                   inRun(lines[kept[end - 1]], lines[kept[end]]))
                ++end;
        std::vector<int> run(kept.begin() + static_cast<std::ptrdiff_t>(k),
                             kept.begin() + static_cast<std::ptrdiff_t>(end));
        k = end;
        if (run.size() < 2) continue;
        std::vector<double> sizes;
        double left = 1e9;
        for (int i : run) {
            sizes.push_back(lines[i].fontSize);
            left = std::min(left, lines[i].box.left());
        }
        const double fs = medianOf(sizes, 10.0);
        // By position in the run: 0: at the left edge; 1: indented as a continuation, as far
        // as the entry's other continuation lines; 3: indented further, continuing an entry
        // of a list nested in a continuation ("(a)" under "2.", its lines aligned after the
        // label); 2: none of these, which ends a list, as does a contents entry (its dot
        // leaders fill it to the edge).
        std::vector<int> places(run.size());
        std::vector<bool> nested(run.size(), false); // opens an entry of a nested list
        double edge = 0;                             // where the lines at place 1 start
        for (std::size_t m = 0; m < run.size(); ++m) {
            const TextLine& line = lines[run[m]];
            const double x = line.box.left();
            const double indent = x - left;
            places[m] = indent <= 0.3 * fs ? 0 : indent >= 0.8 * fs && indent <= 8 * fs ? 1 : 2;
            if (endsWithLeader(line.text)) places[m] = 2;
            if (places[m] == 1 && m > 0 && (places[m - 1] == 1 || places[m - 1] == 3)) {
                const double before = lines[run[m - 1]].box.left();
                if (std::abs(x - before) <= 0.3 * fs)
                    places[m] = places[m - 1];
                else if (places[m - 1] == 1 && x > before &&
                         startsWithLabel(lines[run[m - 1]].text))
                    places[m] = 3;
                else if (places[m - 1] == 3 && std::abs(x - edge) <= 0.3 * fs)
                    places[m] = 1;
                else
                    places[m] = 2;
            }
            if (places[m] == 1) edge = x;
        }
        // A line at the continuation edge that opens with a label opens a nested entry where
        // its own lines go on further indented, or where the line before it ended a clause
        // ("...at least:", "...conduct;"): a label that a sentence wrapped onto the line
        // ("...under clause" / "4.2 and ...") is no entry.
        for (std::size_t m = 1; m < run.size(); ++m)
            nested[m] =
                places[m] == 1 && startsWithLabel(lines[run[m]].text) &&
                ((m + 1 < run.size() && places[m + 1] == 3) || endsClause(lines[run[m - 1]].text));
        for (std::size_t a = 0; a < run.size();) {
            std::size_t b = a;
            while (b < run.size() && places[b] != 2)
                ++b;
            // run[a, b): lines at the two edges. An entry is a line at the left edge that
            // is full (or opens with a label) and goes on onto indented lines; a list is
            // two or more entries in a row, or one opened by a label.
            double right = -1e9;
            for (std::size_t m = a; m < b; ++m)
                right = std::max(right, lines[run[m]].box.right());
            auto opensEntry = [&](std::size_t m) {
                const TextLine& line = lines[run[m]];
                return m + 1 < b && places[m] == 0 && places[m + 1] == 1 &&
                       (line.opensListEntry || !endsShort(line, lines[run[m + 1]], right));
            };
            for (std::size_t m = a; m < b;) {
                const std::size_t first = m;
                int entries = 0;
                while (opensEntry(m)) {
                    ++entries;
                    for (++m; m < b && (places[m] == 1 || places[m] == 3);)
                        ++m;
                }
                if (entries >= 2 || (entries == 1 && lines[run[first]].opensListEntry)) {
                    for (std::size_t e = first; e < m; ++e) {
                        out.list[run[e]] = next;
                        out.entry[run[e]] = places[e] == 0 || nested[e];
                    }
                    out.right.push_back(right);
                    ++next;
                }
                if (entries == 0) ++m;
            }
            a = b + 1;
        }
    }
    return out;
}

} // namespace

std::vector<Paragraph> buildParagraphs(const std::vector<TextLine>& lines,
                                       const std::vector<bool>& skip,
                                       const ParagraphContext& context) {
    std::vector<int> kept;
    for (int i = 0; i < static_cast<int>(lines.size()); ++i)
        if (i >= static_cast<int>(skip.size()) || !skip[i]) kept.push_back(i);
    if (kept.empty()) return {};

    const double body = context.bodyFontSize > 0 ? context.bodyFontSize : lines[kept[0]].fontSize;

    // Typical distance between baselines of consecutive body lines.
    std::vector<double> pitches;
    for (std::size_t k = 1; k < kept.size(); ++k) {
        const TextLine& a = lines[kept[k - 1]];
        const TextLine& b = lines[kept[k]];
        if (a.region != b.region || a.table >= 0 || b.table >= 0) continue;
        if (std::abs(a.fontSize - b.fontSize) > 0.1 * std::max(a.fontSize, b.fontSize)) continue;
        const double pitch = b.box.top() - a.box.top();
        if (pitch > 0 && pitch < 3.0 * a.fontSize) pitches.push_back(pitch);
    }
    const double pitch = medianOf(pitches, 1.2 * body);

    // Region extents and whether their lines are justified (short line = paragraph end).
    QHash<int, RegionShape> shapes;
    QHash<int, std::vector<double>> rights;
    for (int i : kept) {
        const TextLine& l = lines[i];
        RegionShape& s = shapes[l.region];
        s.left = std::min(s.left, l.box.left());
        s.right = std::max(s.right, l.box.right());
        rights[l.region].push_back(l.box.right());
    }
    for (auto it = shapes.begin(); it != shapes.end(); ++it) {
        const auto& r = rights[it.key()];
        int full = 0, flush = 0;
        for (double x : r) {
            if (x >= it->right - 0.6 * body) ++full;
            if (x >= it->right - 0.15 * body) ++flush;
        }
        it->justified = r.size() >= 3 && full * 2 >= static_cast<int>(r.size());
        // Justified text ends its full lines at the edge, to a point; ragged-right text
        // only comes near it, each line short of it by up to a word.
        it->ragged = flush * 2 < full;
    }

    // Where the lines of each line's size end in its region: footnotes may be set to a
    // narrower measure than the text above them, and their full lines end there. Only for
    // small type, where three or more lines show it; else the region's edge.
    std::vector<double> sizeRight(lines.size(), 0);
    for (int i : kept) {
        sizeRight[i] = shapes[lines[i].region].right;
        if (lines[i].fontSize > 0.9 * body) continue;
        int count = 0;
        double right = -1e9;
        for (int j : kept)
            if (lines[j].region == lines[i].region && similarSize(lines[i], lines[j])) {
                ++count;
                right = std::max(right, lines[j].box.right());
            }
        if (count >= 3) sizeRight[i] = right;
    }

    QString pageText; // where footnotes' markers are referred to
    for (int i : kept)
        pageText += lines[i].text + QLatin1Char('\n');

    const std::vector<int> listing = findCodeListings(lines, kept, pitch);
    const HangingLists hanging = findHangingLists(lines, kept, listing, pitch);

    std::vector<Paragraph> out;
    std::vector<std::vector<int>> members; // each paragraph's lines
    const TextLine* prev = nullptr;
    int prevIndex = -1;
    bool prevIsHeading = false;
    bool prevIsBare = false;
    std::vector<bool> titled; // by paragraph: a number's heading with its title under it
    for (std::size_t k = 0; k < kept.size(); ++k) {
        const int i = kept[k];
        const TextLine& cur = lines[i];
        const TextLine* next = k + 1 < kept.size() ? &lines[kept[k + 1]] : nullptr;
        bool start = prev == nullptr;
        const int list = hanging.list[i];
        const int prevList = prevIndex < 0 ? -1 : hanging.list[prevIndex];
        if (!start) {
            const RegionShape& shape = shapes[cur.region];
            const double fs = std::max(cur.fontSize, prev->fontSize);
            const double advance = cur.box.top() - prev->box.top();
            const bool sameTable = cur.table >= 0 && cur.table == prev->table;
            // "docu-" / "ments": a broken word never ends a paragraph, however
            // short its line.
            const bool continuesWord =
                endsWithBrokenWord(prev->text) && !cur.text.isEmpty() && cur.text.front().isLower();
            if (sameTable) {
                start = false;
            } else if (cur.region != prev->region || cur.table != prev->table) {
                start = true;
            } else if (listing[i] != listing[prevIndex]) {
                start = true;
            } else if (listing[i] >= 0) {
                start = false; // a listing's blank lines and indentation are its own
            } else if (std::abs(cur.fontSize - prev->fontSize) > 0.15 * fs) {
                start = true;
            } else if (advance <= 0 || advance > 1.4 * pitch ||
                       cur.box.top() - prev->box.bottom() > 0.8 * fs) {
                start = true;
            } else if (continuesWord) {
                start = false;
            } else if (list >= 0 || prevList >= 0) {
                // Within a hanging-indent list its entries are the paragraphs, save where
                // an entry has several (a sentence ends short of the edge and the text goes
                // on indented); whatever comes before or after the list is another.
                start = list != prevList || hanging.entry[i] ||
                        (!hanging.entry[prevIndex] && endsSentence(prev->text) &&
                         endsShort(*prev, cur, hanging.right[list]));
            } else if (prevIsHeading && prevIsBare && namesSection(*prev, cur, shape)) {
                start = false;
                titled.back() = true;
            } else if (prevIsHeading || endsWithLeader(prev->text) || startsListItem(cur.text) ||
                       cur.opensListEntry) {
                start = true;
            } else if (cur.box.left() - shape.left > 0.8 * cur.fontSize &&
                       prev->box.left() - shape.left < 0.5 * cur.fontSize &&
                       cur.box.right() > shape.right - 2.0 * cur.fontSize &&
                       !(next && nextWithoutGap(*prev, cur, pitch) &&
                         goesOnAtIndent(cur, *next, pitch) &&
                         !endsShort(*prev, cur, shape.right)) &&
                       !alignsAfterLabel(*prev, cur) && !prev->opensListEntry) {
                start = true; // first-line indent
            } else if (shape.justified &&
                       prev->box.right() < sizeRight[prevIndex] - 2.0 * prev->fontSize &&
                       (!shape.ragged || endsShort(*prev, cur, sizeRight[prevIndex]))) {
                // The line above ended short: in justified text, short of the edge; in
                // ragged-right text, whose full lines end short of it by up to a word, where
                // the next word would have fitted on it.
                start = true;
            } else if (cur.fontSize <= 0.9 * body && opensFootnote(cur, *prev, context, pageText)) {
                start = true;
            } else if (parseNumberedHeading(cur.text) && (prev->text.endsWith(QLatin1Char('.')) ||
                                                          prev->text.endsWith(QLatin1Char(':')))) {
                start = true;
            }
        }
        if (start) {
            Paragraph p;
            p.firstLine = i;
            p.region = cur.region;
            out.push_back(p);
            members.emplace_back();
            titled.push_back(false);
        }
        Paragraph& p = out.back();
        p.box = p.box.united(cur.box);
        ++p.lineCount;
        members.back().push_back(i);
        if (cur.table >= 0) p.role = SegmentRole::Table;
        if (listing[i] >= 0) p.role = SegmentRole::Code;
        // A numbered heading on a line of its own ends its paragraph, after its title where
        // the line is only a number ("Article 17" / "Cooperation between authorities").
        const bool headingLine =
            start && cur.table < 0 && parseNumberedHeading(cur.text).has_value() &&
            cur.box.width() < 0.8 * (shapes[cur.region].right - shapes[cur.region].left + 1);
        prevIsBare = headingLine && isBareHeading(cur.text);
        prevIsHeading = headingLine || (!start && titled.back());
        prev = &cur;
        prevIndex = i;
    }

    for (std::size_t k = 0; k < out.size(); ++k) {
        Paragraph& p = out[k];
        std::vector<double> sizes;
        QStringList texts;
        for (int l : members[k]) {
            sizes.push_back(lines[l].fontSize);
            texts.append(lines[l].text);
        }
        p.fontSize = medianOf(sizes, body);
        if (p.role == SegmentRole::Table) {
            p.text = texts.join(QLatin1Char('\n'));
            continue;
        }
        if (p.role == SegmentRole::Code) {
            p.text = listingText(lines, members[k]);
            continue;
        }
        p.text = joinLines(texts);
        const bool larger = p.fontSize >= 1.15 * body;
        const bool numbered = parseNumberedHeading(texts.front()).has_value();
        if (p.lineCount <= 2 && ((numbered && (larger || p.lineCount == 1 || titled[k])) ||
                                 (larger && wordCount(p.text) <= 20)))
            p.role = SegmentRole::Heading;
    }

    // Footnotes: small text in the lower part of the page, starting with a
    // marker; what follows a footnote in the same small size continues it.
    bool inFootnotes = false;
    for (Paragraph& p : out) {
        const bool small = p.fontSize <= 0.9 * body;
        const bool low = context.pageHeight <= 0 || p.box.top() > 0.5 * context.pageHeight;
        if (p.role == SegmentRole::Body && small && low &&
            (inFootnotes || startsWithFootnoteMarker(lines[p.firstLine]))) {
            p.role = SegmentRole::Footnote;
            inFootnotes = true;
        } else if (!small) {
            inFootnotes = false;
        }
    }
    return out;
}

} // namespace lv::ingest
