// The text a model reads for a stored document, built from its segments: page
// markers "[p. iv]" for PDFs, numbered lines under a header for files, so that the
// model can cite what it reads; plus the units that those citations resolve to.
#pragma once

#include "analysis/ExtractiveSummarizer.h"

#include "storage/DocumentStore.h"

#include <functional>
#include <string>
#include <vector>

namespace lv::analysis {

DocumentKind documentKindFromName(const std::string& kind);

// One citable unit per body segment (running headers and footers left out).
std::vector<SourceUnit> unitsFromSegments(const storage::DocumentRecord& doc,
                                          const std::vector<storage::SegmentRecord>& segments);

// The model text of units[first, last): PDF pages introduced by "[p. LABEL]",
// files by "=== path ===" with "N| " line numbers, plain text by "[name:N]"
// paragraph markers. The forms match what CitationResolver understands.
std::string promptText(const std::vector<SourceUnit>& units, std::size_t first, std::size_t last,
                       DocumentKind kind);

// Units whose model text (promptText of the unit alone) fits `budget` tokens: a larger
// one (a page, a paragraph or a file with no break the model could stop at) becomes
// consecutive slices, cut at a line break where one is near, else at a space, each keeping
// its unit's citation with the line numbers of the slice. tokenCount: the model's tokens
// of a text.
std::vector<SourceUnit>
unitsWithin(const std::vector<SourceUnit>& units, DocumentKind kind, std::int64_t budget,
            const std::function<std::int64_t(const std::string&)>& tokenCount);

// "Files (3):" and one path a line: the tree a model reads before a codebase.
std::string fileListing(const std::vector<SourceUnit>& units);

// Units of the files a question names ("parser.cpp", "src/io/read.c"), in order.
std::vector<std::size_t> unitsOfNamedFiles(const std::string& question,
                                           const std::vector<SourceUnit>& units);

// Text as a reader sees it (no markers): PDF pages separated by form feeds, files
// under their header lines.
std::string plainText(const storage::DocumentRecord& doc,
                      const std::vector<storage::SegmentRecord>& segments);

} // namespace lv::analysis
