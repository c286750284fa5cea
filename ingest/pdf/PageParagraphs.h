// The lines of one page (running headers and footers removed) into paragraphs
// with a role: body, heading, table, footnote or code.
#pragma once

#include "ingest/Document.h"
#include "ingest/pdf/PageLayout.h"

#include <vector>

namespace lv::ingest {

struct Paragraph {
    QString text; // lines joined and de-hyphenated; table rows and code lines one per line
    SegmentRole role = SegmentRole::Body;
    QRectF box;
    double fontSize = 0;
    int region = 0;
    int firstLine = 0; // index into the page's lines
    int lineCount = 0;
};

struct ParagraphContext {
    double pageHeight = 0;
    double bodyFontSize = 0; // the document's dominant text size
};

// `lines` in reading order; lines with `skip[i]` set (margins) are left out.
std::vector<Paragraph> buildParagraphs(const std::vector<TextLine>& lines,
                                       const std::vector<bool>& skip,
                                       const ParagraphContext& context);

} // namespace lv::ingest
