// Where a codebase defines the identifiers a question names ("where is sockaddr_in
// defined?", "what does parse_header do?"): full-text ranking favours the many places a
// name is used, an engineer asks for the one where it is made.
#pragma once

#include "analysis/ExtractiveSummarizer.h"

#include <string>
#include <vector>

namespace lv::analysis {

struct SymbolDefinition {
    std::size_t unit = 0; // index into the units given
    int line = 0;         // the defining line's number in its file
    std::string text;     // that line and the few after it
};

// Identifiers of the question (words written as code: an underscore, a digit or a capital
// inside; where the question asks for a definition, "where is x defined", "def x", also
// other words of three letters or more) and the units that define them: after a keyword that
// introduces a definition (def, class, struct, enum, union, typedef, fn, func, function, interface,
// trait, type, #define), or as a C-like function whose line starts with its return type and does
// not end with
// ';'. Each identifier's first definition in unit order, at most `limit` in all.
std::vector<SymbolDefinition> definitionsNamedIn(const std::string& question,
                                                 const std::vector<SourceUnit>& units,
                                                 std::size_t limit = 3);

} // namespace lv::analysis
