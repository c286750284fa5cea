// PDFs built by the ingest tests themselves: QPdfWriter pages drawn with
// QPainter, then page labels, an outline and an author added by hand.
#pragma once

#include <QByteArray>
#include <QImage>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

class QPainter;

namespace lv::test {

// A page drawn by a callback on an A4 page of 595 x 842 points (origin top left).
using PagePainter = std::function<void(QPainter&)>;

// Writes the pages with QPdfWriter; returns the bytes.
QByteArray writePdf(const std::vector<PagePainter>& pages, const QString& title = {});

struct PageLabelRange {
    int firstPage;  // 0-based
    QString style;  // "D" decimal, "r" lower roman, "R", "a", "A"
    QString prefix; // e.g. "A-"
    int start = 1;
};

struct OutlineNode {
    QString title;
    int page = 0;   // 0-based
    double top = 0; // points from the top of the page
    std::vector<OutlineNode> children;
};

// Appends an incremental update (a new catalog with /PageLabels and /Outlines,
// a new /Info with /Author) to a PDF written by QPdfWriter.
QByteArray addPdfStructure(const QByteArray& pdf, const std::vector<PageLabelRange>& labels,
                           const std::vector<OutlineNode>& outline, const QString& author);

// An image of text, as a scanner would produce it, at `dpi` for an A4 page.
QImage scannedPageImage(const QStringList& lines, int dpi = 300);

// The test report: 6 pages (labels i, ii, 1-4), running header and footer,
// a table, two columns with a hyphenated word, numbered headings, a footnote,
// an image-only page (index 4), "Article 5" and "§ 12" sections.
struct ReportOptions {
    bool labels = true;
    bool outline = true;
};
QByteArray buildReportPdf(const ReportOptions& options = {});

// Text the report's scanned page shows.
QStringList reportScannedLines();

// `pages` pages of a few lines each, with a running footer "Page N".
QByteArray buildLongPdf(int pages);

bool writeFile(const QString& path, const QByteArray& bytes);

} // namespace lv::test
