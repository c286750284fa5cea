// The section path of every PDF segment, from the outline (bookmarks) when the
// document has one, from numbered headings ("3.2.1", "Article 5") otherwise;
// numbered headings below an outline entry's own number nest under it.
#pragma once

#include "ingest/Document.h"

#include <vector>

namespace lv::ingest {

struct OutlineEntry {
    QString title;
    int level = 1;      // 1 for top-level bookmarks
    int pageIndex = -1; // 0-based; -1 when the destination is unknown
    double top = -1;    // fraction of the page height from the top; -1 unknown
};

// Sets sectionPath on every segment (in reading order, with pageIndex and
// bounds) and marks the segment each outline entry points at as a heading.
void assignPdfSections(std::vector<Segment>& segments, const std::vector<OutlineEntry>& outline,
                       const std::vector<PageInfo>& pages);

} // namespace lv::ingest
