// Summaries without a model: sentences ranked by TextRank centrality over a
// sparse TF-IDF similarity graph, picked without redundancy, kept in document order.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <cstddef>
#include <string>
#include <vector>

namespace lv::analysis {

// A piece of the document with the citation that points at it (a page, a file range).
struct SourceUnit {
    Citation citation;
    std::string text;
    std::string role = "body"; // the segment's: body, heading, table, footnote or code
};

struct ExtractedSentence {
    std::size_t unit = 0; // index into the units given
    std::string text;
    double score = 0;
};

struct ExtractiveOptions {
    std::size_t maxSentences = 0; // 0: chosen from the document's length (5..15)
    std::size_t maxWords = 400;
    double redundancy = 0.5; // cosine above which a sentence repeats a picked one
};

std::vector<ExtractedSentence> extractSummary(const std::vector<SourceUnit>& units,
                                              const ExtractiveOptions& options = {});

} // namespace lv::analysis
