// Running headers, footers and page numbers: lines near the top or bottom edge
// whose text, digits and roman numerals normalised, repeats across pages, and
// lines there that are nothing but a page number.
#pragma once

#include "ingest/pdf/PageLayout.h"

#include <QString>

#include <vector>

namespace lv::ingest {

enum class MarginRole { None, Header, Footer };

struct PageLines {
    double height = 0; // points
    const std::vector<TextLine>* lines = nullptr;
    QString label; // the page's label; a margin line starting or ending with it is a
    int index = 0; // running header ("Chapter 2: Results 17"), as is one with index + 1
};

struct MarginRules {
    double zone = 0.12; // fraction of the page height at the top and the bottom
    int minRepeats = 3; // pages a text must appear on (fewer for very short documents)
};

// For every page, for every line: whether it is a running header or footer.
std::vector<std::vector<MarginRole>> findRunningMargins(const std::vector<PageLines>& pages,
                                                        const MarginRules& rules = {});

// "Page 12 of 40" -> "page # of #", "Chapter IV — Results  iv" -> "chapter # — results #".
QString normaliseMarginText(const QString& text);

// True for "12", "- 12 -", "Page 3", "3 of 10", "iv", "[7]".
bool isPageNumberText(const QString& normalised);

} // namespace lv::ingest
