// Full-text search over segment text (FTS5, BM25 ranking) with highlighted
// snippets. User queries are sanitised first, so any input is safe.
#pragma once

#include "storage/Connection.h"
#include "storage/FtsQuery.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lv::storage {

struct SearchHit {
    std::int64_t segmentId = 0;
    std::int64_t documentId = 0;
    double rank = 0;     // BM25 relevance, higher is better (SQLite's bm25() negated)
    std::string snippet; // the best-matching stretch, matches between the markers
};

struct SearchOptions {
    MatchMode mode = MatchMode::AllTerms;
    std::string highlightStart = "\u00ab"; // «
    std::string highlightEnd = "\u00bb";   // »
    std::string ellipsis = "\u2026";       // …
    int snippetTokens = 24;                // 1..64
};

class SegmentSearch {
public:
    explicit SegmentSearch(Connection& connection) : c_(&connection) {}

    // Best first. documentId: search one document only.
    std::vector<SearchHit> search(std::string_view query, int limit,
                                  std::optional<std::int64_t> documentId = std::nullopt,
                                  const SearchOptions& options = {});

private:
    Connection* c_;
};

} // namespace lv::storage
