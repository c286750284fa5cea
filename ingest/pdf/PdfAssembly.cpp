#include "ingest/pdf/PdfAssembly.h"

#include "ingest/pdf/Dehyphenation.h"
#include "ingest/pdf/PageParagraphs.h"
#include "ingest/pdf/RunningMargins.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace lv::ingest {

double dominantFontSize(const std::vector<PageResult>& pages) {
    QHash<int, qint64> weight; // half-point buckets
    for (const PageResult& p : pages)
        for (const TextLine& l : p.lines)
            if (l.table < 0) weight[static_cast<int>(std::lround(l.fontSize * 2))] += l.text.size();
    int best = 0;
    qint64 bestWeight = -1;
    for (auto it = weight.cbegin(); it != weight.cend(); ++it)
        if (it.value() > bestWeight || (it.value() == bestWeight && it.key() < best)) {
            best = it.key();
            bestWeight = it.value();
        }
    return best > 0 ? best / 2.0 : 10.0;
}

namespace {

Segment lineSegment(const TextLine& line, const PageResult& page, SegmentRole role) {
    Segment s;
    s.text = line.text.trimmed();
    s.role = role;
    s.pageIndex = page.index;
    s.pageLabel = page.label;
    s.bounds = line.box;
    return s;
}

// A paragraph left open at the foot of a column (a broken word, or no sentence's end)
// continues at the head of the next one where that starts in lower case; the column's
// footnotes may stand between them.
void joinAcrossColumns(std::vector<Paragraph>& paragraphs) {
    for (std::size_t k = 1; k < paragraphs.size();) {
        const Paragraph& b = paragraphs[k];
        const bool opensColumn = paragraphs[k - 1].region != b.region;
        std::size_t at = k - 1;
        while (at > 0 && paragraphs[at].role == SegmentRole::Footnote)
            --at;
        Paragraph& a = paragraphs[at];
        const QString open = a.text.trimmed();
        const bool leftOpen =
            !open.isEmpty() && (endsWithBrokenWord(open) || open.back().isLetterOrNumber() ||
                                open.back() == QLatin1Char(','));
        // The next column's head stands beside the foot it goes on from, higher up on the
        // page, or right under it as the next line would (a region that a label beside the
        // text closed). Columns further down the page, past a gap (under a title across
        // the page and its authors), do not go on from it, save to finish a broken word.
        const double gap = b.box.top() - a.box.bottom();
        const bool beside =
            gap < 0 || gap <= 0.8 * std::max(a.fontSize, b.fontSize) || endsWithBrokenWord(open);
        if (opensColumn && a.role == SegmentRole::Body && b.role == SegmentRole::Body &&
            a.region != b.region && beside && leftOpen && !b.text.isEmpty() &&
            b.text.front().isLower()) {
            appendLine(a.text, b.text);
            a.box = a.box.united(b.box);
            a.lineCount += b.lineCount;
            paragraphs.erase(paragraphs.begin() + static_cast<std::ptrdiff_t>(k));
            continue;
        }
        ++k;
    }
}

// A "heading" at the head of a page or column that ends a sentence which the text before
// it left open ("...in accordance with" / "Article 15."): the sentence's end, not a
// heading. `before`: the last body text or heading of the pages before.
void demoteSentenceEnds(std::vector<Paragraph>& paragraphs, QString& before) {
    int region = -1;
    for (Paragraph& p : paragraphs) {
        if (p.role == SegmentRole::Heading && p.region != region && !before.isEmpty() &&
            (before.back().isLower() || before.back() == QLatin1Char(',')) &&
            p.text.endsWith(QLatin1Char('.')))
            p.role = SegmentRole::Body;
        if (p.role == SegmentRole::Body || p.role == SegmentRole::Heading) {
            before = p.text.trimmed();
            region = p.region;
        }
    }
}

} // namespace

void assemblePdf(Document& doc, const std::vector<PageResult>& pages,
                 const std::vector<OutlineEntry>& outline) {
    doc.pages.clear();
    doc.segments.clear();
    std::vector<PageLines> views;
    views.reserve(pages.size());
    for (const PageResult& p : pages) {
        doc.pages.push_back({p.index, p.label, p.size, p.rotation, p.source});
        views.push_back({p.size.height(), &p.lines, p.label, p.index});
    }
    const auto margins = findRunningMargins(views);
    const double body = dominantFontSize(pages);
    QString lastText; // the last body text or heading so far

    for (std::size_t pi = 0; pi < pages.size(); ++pi) {
        const PageResult& page = pages[pi];
        const auto& roles = margins[pi];
        std::vector<bool> skip(page.lines.size(), false);
        std::vector<int> headers, footers;
        for (std::size_t l = 0; l < page.lines.size(); ++l) {
            if (roles[l] == MarginRole::None) continue;
            skip[l] = true;
            (roles[l] == MarginRole::Header ? headers : footers).push_back(static_cast<int>(l));
        }
        auto byY = [&page](int a, int b) {
            return page.lines[a].box.top() != page.lines[b].box.top()
                       ? page.lines[a].box.top() < page.lines[b].box.top()
                       : page.lines[a].box.left() < page.lines[b].box.left();
        };
        std::sort(headers.begin(), headers.end(), byY);
        std::sort(footers.begin(), footers.end(), byY);
        for (int l : headers)
            doc.segments.push_back(lineSegment(page.lines[l], page, SegmentRole::Header));

        std::vector<Paragraph> paragraphs =
            buildParagraphs(page.lines, skip, {page.size.height(), body});
        joinAcrossColumns(paragraphs);
        demoteSentenceEnds(paragraphs, lastText);
        for (const Paragraph& p : paragraphs) {
            Segment s;
            s.text = p.text;
            s.role = p.role;
            s.pageIndex = page.index;
            s.pageLabel = page.label;
            s.bounds = p.box;
            doc.segments.push_back(std::move(s));
        }
        for (int l : footers)
            doc.segments.push_back(lineSegment(page.lines[l], page, SegmentRole::Footer));
    }
    assignPdfSections(doc.segments, outline, doc.pages);

    int scanned = 0, nonBlank = 0, missing = 0;
    for (const PageResult& p : pages) {
        if (p.source != TextSource::Blank) ++nonBlank;
        if (p.source == TextSource::Ocr || p.source == TextSource::Missing) ++scanned;
        if (p.source == TextSource::Missing) ++missing;
    }
    doc.metadata.scannedPages = scanned;
    doc.metadata.mostlyScanned = nonBlank > 0 && scanned * 2 > nonBlank;
    if (doc.metadata.mostlyScanned)
        doc.warnings.append(
            QStringLiteral("%1: mostly scanned: %2 of %3 pages have no text layer%4")
                .arg(doc.sourcePath)
                .arg(scanned)
                .arg(nonBlank)
                .arg(missing > 0 ? QStringLiteral(", %1 could not be read").arg(missing)
                                 : QStringLiteral(" (recognised with OCR)")));
}

} // namespace lv::ingest
