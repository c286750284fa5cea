#include "storage/SegmentSearch.h"

#include <algorithm>

namespace lv::storage {

namespace {

// The tokenizer cuts "allow_nan" into "allow" and "nan", so a match of both is marked
// «allow»_«nan»; marked as one it reads as the identifier asked for.
std::string joinedIdentifierMarks(const std::string& snippet, const SearchOptions& options) {
    const std::string seam = options.highlightEnd + "_" + options.highlightStart;
    std::string out;
    std::size_t from = 0;
    for (auto at = snippet.find(seam); at != std::string::npos; at = snippet.find(seam, from)) {
        out.append(snippet, from, at - from).push_back('_');
        from = at + seam.size();
    }
    return out.append(snippet, from);
}

} // namespace

std::vector<SearchHit> SegmentSearch::search(std::string_view query, int limit,
                                             std::optional<std::int64_t> documentId,
                                             const SearchOptions& options) {
    auto op = c_->operation("search segments");
    const std::string expression = ftsQueryFromUserText(query, options.mode);
    if (expression.empty() || limit <= 0) return {};
    auto s = c_->statement("SELECT s.id, s.document_id, bm25(segments_fts) AS score, "
                           "snippet(segments_fts, 0, ?1, ?2, ?3, ?4) "
                           "FROM segments_fts JOIN segments AS s ON s.id = segments_fts.rowid "
                           "WHERE segments_fts MATCH ?5 AND (?6 IS NULL OR s.document_id = ?6) "
                           "ORDER BY score LIMIT ?7");
    s->bind(1, options.highlightStart)
        .bind(2, options.highlightEnd)
        .bind(3, options.ellipsis)
        .bind(4, std::clamp(options.snippetTokens, 1, 64))
        .bind(5, expression)
        .bind(6, documentId)
        .bind(7, limit);
    std::vector<SearchHit> hits;
    while (s->step()) {
        SearchHit h;
        h.segmentId = s->int64(0);
        h.documentId = s->int64(1);
        h.rank = -s->real(2);
        h.snippet = joinedIdentifierMarks(s->text(3), options);
        hits.push_back(std::move(h));
    }
    return hits;
}

} // namespace lv::storage
