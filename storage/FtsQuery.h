// Turns whatever a user typed into an FTS5 MATCH expression that cannot be a
// syntax error: every word becomes a quoted string, so FTS5 operators and
// punctuation in the input are plain text.
#pragma once

#include <string>
#include <string_view>

namespace lv::storage {

enum class MatchMode {
    AllTerms, // every term must occur (implicit AND)
    AnyTerm,  // any term may occur (OR); BM25 still favours segments with more
};

// Understood: "a quoted phrase", a trailing * for a prefix (licen*), and an
// upper-case OR between two terms. Everything else is words. Returns "" when
// no searchable word is left (the search then finds nothing).
std::string ftsQueryFromUserText(std::string_view text, MatchMode mode = MatchMode::AllTerms);

} // namespace lv::storage
