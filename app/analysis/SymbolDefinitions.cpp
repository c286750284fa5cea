#include "analysis/SymbolDefinitions.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace lv::analysis {

namespace {

bool isIdentifierByte(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Words a question is made of, never what it asks about.
bool isQuestionWord(std::string_view w) {
    static constexpr std::array<std::string_view, 40> kWords = {
        "where",       "what",           "which",  "how",      "why",
        "who",         "when",           "does",   "the",      "and",
        "for",         "defined",        "define", "defines",  "definition",
        "def",         "class",          "struct", "function", "method",
        "type",        "file",           "files",  "used",     "uses",
        "use",         "called",         "call",   "calls",    "declared",
        "implemented", "implementation", "code",   "there",    "this",
        "that",        "with",           "from",   "into",     "about"};
    std::string lower(w);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return std::find(kWords.begin(), kWords.end(), lower) != kWords.end();
}

// A word written as code: an underscore, a digit or a capital after its first letter
// (sockaddr_in, utf8, OrderedDict, MAX).
bool looksLikeCode(const std::string& w) {
    const bool capitals = std::all_of(w.begin(), w.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) || c == '_';
    });
    return capitals || std::any_of(w.begin() + 1, w.end(), [](char c) {
               return c == '_' || std::isdigit(static_cast<unsigned char>(c)) ||
                      std::isupper(static_cast<unsigned char>(c));
           });
}

// The question's words, as written.
std::vector<std::string> wordsOf(const std::string& question) {
    std::vector<std::string> words;
    for (std::size_t i = 0; i < question.size();) {
        std::size_t end = i;
        while (end < question.size() && isIdentifierByte(question[end]))
            ++end;
        if (end > i) words.push_back(question.substr(i, end - i));
        i = std::max(end, i + 1);
    }
    return words;
}

// The question's identifiers: words written as code, and where it asks about code ("where
// is x defined", "def x", "what does x do") any other word of three letters or more that
// is not a question's own; "what does the input look like" names nothing.
std::vector<std::string> identifiersOf(const std::string& question) {
    static constexpr std::array<std::string_view, 17> kCues = {
        "def",    "class",   "struct",   "function",    "method",         "defined",
        "define", "defines", "declared", "implemented", "implementation", "definition",
        "do",     "work",    "works",    "return",      "returns"};
    const std::vector<std::string> words = wordsOf(question);
    const bool cue = std::any_of(words.begin(), words.end(), [](std::string w) {
        std::transform(w.begin(), w.end(), w.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        return std::find(kCues.begin(), kCues.end(), w) != kCues.end();
    });
    std::vector<std::string> out;
    for (const std::string& w : words) {
        if (w.size() < 3 || std::isdigit(static_cast<unsigned char>(w[0])) || isQuestionWord(w))
            continue;
        if (!cue && !looksLikeCode(w)) continue;
        if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
    }
    return out;
}

// Whether the identifier at [at, at + size) of `line` is being defined there.
bool definesAt(std::string_view line, std::size_t at, std::size_t size) {
    static constexpr std::array<std::string_view, 14> kIntroducers = {
        "def",  "class",    "struct",    "enum",  "union", "typedef", "fn",
        "func", "function", "interface", "trait", "type",  "define",  "macro"};
    // The word before it, past spaces, pointers and references ("struct *x", "fn  x").
    std::size_t j = at;
    while (j > 0 &&
           (line[j - 1] == ' ' || line[j - 1] == '\t' || line[j - 1] == '*' || line[j - 1] == '&'))
        --j;
    std::size_t k = j;
    while (k > 0 && isIdentifierByte(line[k - 1]))
        --k;
    const std::string_view before = line.substr(k, j - k);
    std::size_t after = at + size;
    while (after < line.size() && (line[after] == ' ' || line[after] == '\t'))
        ++after;
    const auto last = line.find_last_not_of(" \t\r");
    const bool endsStatement = last != std::string_view::npos && line[last] == ';';
    if (j < at &&
        std::find(kIntroducers.begin(), kIntroducers.end(), before) != kIntroducers.end()) {
        // "#define" only as a directive; the others anywhere ("export default function x").
        if (before == "define")
            return k > 0 && line.substr(0, k).find('#') != std::string_view::npos;
        // A type's keyword also names it where it is used ("struct sockaddr_in *p;"): a
        // definition opens a body, a base list or nothing more on its line.
        if (before == "struct" || before == "class" || before == "enum" || before == "union")
            return !endsStatement && (after >= line.size() || line[after] == '{' ||
                                      line[after] == ':' || line[after] == '(');
        return true;
    }
    // A C-like function: the line starts at its first column with a type word, the name
    // is followed by '(' and the line is no declaration (';') or call inside a body.
    if (after >= line.size() || line[after] != '(') return false;
    if (!std::isalpha(static_cast<unsigned char>(line[0])) || before.empty()) return false;
    return !endsStatement && line[last] != ',' &&
           line.substr(0, k).find_first_of("=(.>") == std::string_view::npos &&
           before != "return" && before != "else" && before != "new";
}

} // namespace

std::vector<SymbolDefinition> definitionsNamedIn(const std::string& question,
                                                 const std::vector<SourceUnit>& units,
                                                 std::size_t limit) {
    std::vector<SymbolDefinition> out;
    for (const std::string& name : identifiersOf(question)) {
        bool found = false;
        for (std::size_t u = 0; u < units.size() && !found && out.size() < limit; ++u) {
            const std::string& text = units[u].text;
            for (std::size_t at = text.find(name); at != std::string::npos && !found;
                 at = text.find(name, at + 1)) {
                const bool whole =
                    (at == 0 || !isIdentifierByte(text[at - 1])) &&
                    (at + name.size() >= text.size() || !isIdentifierByte(text[at + name.size()]));
                if (!whole) continue;
                const std::size_t lineStart =
                    text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
                const std::size_t lineEnd = std::min(text.find('\n', at), text.size());
                const std::string_view line(text.data() + lineStart, lineEnd - lineStart);
                if (!definesAt(line, at - lineStart, name.size())) continue;
                SymbolDefinition d;
                d.unit = u;
                d.line = units[u].citation.lineStart +
                         int(std::count(text.begin(), text.begin() + long(lineStart), '\n'));
                // The defining line and what follows, up to 6 lines or 400 bytes.
                std::size_t stop = lineStart;
                for (int n = 0; n < 6 && stop < text.size(); ++n) {
                    const auto nl = text.find('\n', stop);
                    stop = nl == std::string::npos ? text.size() : nl + 1;
                }
                d.text = text.substr(lineStart, std::min<std::size_t>(stop - lineStart, 400));
                out.push_back(std::move(d));
                found = true;
            }
        }
        if (out.size() >= limit) break;
    }
    return out;
}

} // namespace lv::analysis
