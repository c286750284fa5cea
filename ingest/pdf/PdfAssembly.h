// The second pass over a PDF's extracted pages: running headers and footers
// found across pages, paragraphs and their roles, section paths, scan summary.
#pragma once

#include "ingest/Document.h"
#include "ingest/pdf/PageExtraction.h"
#include "ingest/pdf/PdfSections.h"

#include <vector>

namespace lv::ingest {

// Fills doc.pages and doc.segments (and the scan counts of doc.metadata).
void assemblePdf(Document& doc, const std::vector<PageResult>& pages,
                 const std::vector<OutlineEntry>& outline);

// The document's dominant text size: the most common line height, weighted by
// the amount of text set in it.
double dominantFontSize(const std::vector<PageResult>& pages);

} // namespace lv::ingest
