// Finds the citations a model wrote into its answer ("[p. iv]", "[src/a.cpp:10-20]")
// and resolves each to a segment of the document; citations that point nowhere are dropped.
#pragma once

#include "analysis/ExtractiveSummarizer.h"

#include <string>
#include <vector>

namespace lv::analysis {

struct CitationMarker {
    std::size_t begin = 0; // byte offsets of the bracketed marker in the text
    std::size_t end = 0;
    std::string pageLabel; // "[p. iv]" -> "iv"
    std::string filePath;  // "[src/a.cpp:10-20]" -> "src/a.cpp", 10, 20
    int lineStart = 0;
    int lineEnd = 0;
};

// A file's line range as a citation shows it, and as findCitationMarkers reads it back:
// "src/a.cpp:10", or "src/a.cpp:10-20" where the range has more than one line.
std::string lineRangeLabel(const std::string& filePath, int lineStart, int lineEnd);

// Every well-formed marker, in order of appearance.
std::vector<CitationMarker> findCitationMarkers(const std::string& text);

// Resolves the markers against the document's units (each carrying its page label or
// file range). Duplicates are kept once, in order of first appearance.
std::vector<Citation> resolveCitations(const std::string& text,
                                       const std::vector<SourceUnit>& units);

} // namespace lv::analysis
