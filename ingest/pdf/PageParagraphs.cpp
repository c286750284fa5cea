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
    bool justified = false;
};

bool startsWithFootnoteMarker(const TextLine& line) {
    static const QRegularExpression marker(
        QStringLiteral(R"(^(?:\d{1,3}|[*†‡§¶]+|\(\d{1,3}\)|\[\d{1,3}\]|[a-z]\))\s*\S)"));
    return marker.match(line.text).hasMatch() || line.firstWordHeight < 0.8 * line.fontSize;
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

int wordCount(const QString& s) {
    return static_cast<int>(s.split(QLatin1Char(' '), Qt::SkipEmptyParts).size());
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
        int full = 0;
        for (double x : r)
            if (x >= it->right - 0.6 * body) ++full;
        it->justified = r.size() >= 3 && full * 2 >= static_cast<int>(r.size());
    }

    std::vector<Paragraph> out;
    std::vector<QStringList> texts;
    const TextLine* prev = nullptr;
    bool prevIsHeading = false;
    for (int i : kept) {
        const TextLine& cur = lines[i];
        bool start = prev == nullptr;
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
            } else if (std::abs(cur.fontSize - prev->fontSize) > 0.15 * fs) {
                start = true;
            } else if (advance <= 0 || advance > 1.4 * pitch ||
                       cur.box.top() - prev->box.bottom() > 0.8 * fs) {
                start = true;
            } else if (continuesWord) {
                start = false;
            } else if (prevIsHeading || endsWithLeader(prev->text) || startsListItem(cur.text)) {
                start = true;
            } else if (cur.box.left() - shape.left > 0.8 * cur.fontSize &&
                       prev->box.left() - shape.left < 0.5 * cur.fontSize &&
                       cur.box.right() > shape.right - 2.0 * cur.fontSize) {
                start = true; // first-line indent
            } else if (shape.justified && prev->box.right() < shape.right - 2.0 * prev->fontSize) {
                start = true; // the line above ended short
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
            texts.emplace_back();
        }
        Paragraph& p = out.back();
        p.box = p.box.united(cur.box);
        ++p.lineCount;
        texts.back().append(cur.text);
        if (cur.table >= 0) p.role = SegmentRole::Table;
        // A numbered heading on a line of its own ends its paragraph.
        prevIsHeading =
            start && cur.table < 0 && parseNumberedHeading(cur.text).has_value() &&
            cur.box.width() < 0.8 * (shapes[cur.region].right - shapes[cur.region].left + 1);
        prev = &cur;
    }

    for (std::size_t k = 0; k < out.size(); ++k) {
        Paragraph& p = out[k];
        std::vector<double> sizes;
        for (int l = p.firstLine, seen = 0; seen < p.lineCount; ++l) {
            if (l < static_cast<int>(skip.size()) && skip[l]) continue;
            sizes.push_back(lines[l].fontSize);
            ++seen;
        }
        p.fontSize = medianOf(sizes, body);
        if (p.role == SegmentRole::Table) {
            p.text = texts[k].join(QLatin1Char('\n'));
            continue;
        }
        p.text = joinLines(texts[k]);
        const bool larger = p.fontSize >= 1.15 * body;
        const bool numbered = parseNumberedHeading(texts[k].front()).has_value();
        if (p.lineCount <= 2 &&
            ((numbered && (larger || p.lineCount == 1)) || (larger && wordCount(p.text) <= 20)))
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
