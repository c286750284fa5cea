#include "analysis/SentenceSplitter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_set>

namespace lv::analysis {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Tokens that end with a period without ending a sentence.
const std::unordered_set<std::string>& abbreviations() {
    static const std::unordered_set<std::string> set = {
        "e.g",  "i.e",  "etc",    "cf",   "vs",     "viz",     "al",    "mr",  "mrs",  "ms",
        "dr",   "prof", "st",     "jr",   "sr",     "no",      "nos",   "art", "arts", "sec",
        "secs", "para", "paras",  "par",  "ch",     "chap",    "cl",    "p",   "pp",   "fig",
        "figs", "eq",   "vol",    "ed",   "eds",    "inc",     "ltd",   "co",  "corp", "u.s",
        "u.k",  "e.u",  "approx", "dept", "est",    "min",     "max",   "jan", "feb",  "mar",
        "apr",  "jun",  "jul",    "aug",  "sep",    "sept",    "oct",   "nov", "dec",  "op",
        "cit",  "ibid", "reg",    "regs", "subsec", "subpara", "annex", "app"};
    return set;
}

std::string lowerWordBefore(std::string_view text, std::size_t dot) {
    std::size_t b = dot;
    while (b > 0 && !isSpace(text[b - 1]) && text[b - 1] != '(' && text[b - 1] != '"')
        --b;
    std::string w(text.substr(b, dot - b));
    for (auto& c : w)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return w;
}

bool endsSentenceAt(std::string_view text, std::size_t i) {
    const char c = text[i];
    if (c != '.' && c != '!' && c != '?') return false;
    // Swallow closing quotes and brackets after the mark.
    std::size_t j = i + 1;
    while (j < text.size() &&
           (text[j] == '"' || text[j] == '\'' || text[j] == ')' || text[j] == ']'))
        ++j;
    if (j < text.size() && !isSpace(text[j])) return false; // "1.2", "e.g.x", "file.cpp"
    if (c != '.') return true;
    const std::string word = lowerWordBefore(text, i);
    if (word.empty()) return false;
    if (abbreviations().count(word)) return false;
    // Single letters ("J. Smith", "a.") and enumerators ("1.", "iv.") are not ends.
    if (word.size() == 1) return false;
    if (std::all_of(word.begin(), word.end(),
                    [](char ch) { return std::isdigit((unsigned char)ch); }))
        return word.size() > 3; // years end sentences, list numbers do not
    // Next visible character: a lower-case letter means the sentence goes on.
    std::size_t k = j;
    while (k < text.size() && isSpace(text[k]))
        ++k;
    if (k < text.size() && std::islower(static_cast<unsigned char>(text[k]))) return false;
    return true;
}

bool isBlankLineAt(std::string_view text, std::size_t i) {
    // text[i] == '\n' and the next line is empty.
    std::size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r'))
        ++j;
    return j >= text.size() || text[j] == '\n' || text[j] == '\f';
}

SentenceSpan trimmed(std::string_view text, std::size_t b, std::size_t e) {
    while (b < e && isSpace(text[b]))
        ++b;
    while (e > b && isSpace(text[e - 1]))
        --e;
    return {b, e};
}

} // namespace

std::vector<SentenceSpan> splitSentences(std::string_view text) {
    std::vector<SentenceSpan> out;
    std::size_t start = 0;
    auto emit = [&](std::size_t end) {
        SentenceSpan s = trimmed(text, start, end);
        if (s.end > s.begin) out.push_back(s);
        start = end;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\f') {
            emit(i);
            start = i + 1;
        } else if (c == '\n' && isBlankLineAt(text, i)) {
            emit(i);
        } else if (c == '\n') {
            // A short line without final punctuation followed by a new line is a heading.
            std::size_t lineStart = text.rfind('\n', i == 0 ? 0 : i - 1);
            lineStart = lineStart == std::string_view::npos ? 0 : lineStart + 1;
            // A sentence that began inside this line ("... `tox`. For example, to instruct")
            // makes it no heading: only a whole line is one.
            if (trimmed(text, lineStart, i).begin < trimmed(text, start, i).begin) continue;
            lineStart = std::max(lineStart, start);
            SentenceSpan line = trimmed(text, lineStart, i);
            const std::size_t len = line.end - line.begin;
            if (len > 0 && len < 80 && line.begin == trimmed(text, start, i).begin) {
                const char last = text[line.end - 1];
                if (last != '.' && last != ',' && last != ';' && last != ':' && last != '-' &&
                    std::isupper(static_cast<unsigned char>(text[line.begin])) &&
                    i + 1 < text.size()) {
                    std::size_t k = i + 1;
                    while (k < text.size() && isSpace(text[k]))
                        ++k;
                    if (k < text.size() && std::isupper(static_cast<unsigned char>(text[k])))
                        emit(i);
                }
            }
        } else if (endsSentenceAt(text, i)) {
            std::size_t j = i + 1;
            while (j < text.size() &&
                   (text[j] == '"' || text[j] == '\'' || text[j] == ')' || text[j] == ']'))
                ++j;
            emit(j);
            i = j - 1;
        }
    }
    emit(text.size());
    return out;
}

std::vector<std::string> wordTokens(std::string_view text, bool dropStopWords) {
    static const std::unordered_set<std::string> stop = {
        "a", "an", "the", "and", "or", "but", "if", "then", "else", "of", "to", "in", "on", "at",
        "by", "for", "with", "from", "as", "is", "are", "was", "were", "be", "been", "being", "it",
        "its", "this", "that", "these", "those", "there", "their", "they", "them", "he", "she",
        "his", "her", "we", "our", "you", "your", "i", "me", "my", "not", "no", "so", "such", "any",
        "all", "each", "which", "who", "whom", "what", "when", "where", "how", "shall", "will",
        "would", "may", "might", "can", "could", "should", "must", "do", "does", "did", "has",
        "have", "had", "than", "into", "upon", "under", "over", "also", "other", "more", "most",
        "some", "only", "same", "about", "between", "within",
        // how a question asks for a definition ("where is x defined"), which would match
        // every "#define" of a codebase
        "defined", "declared", "implemented", "located"};
    std::vector<std::string> out;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) {
            if (!(dropStopWords && stop.count(cur))) out.push_back(cur);
            cur.clear();
        }
    };
    for (char ch : text) {
        const unsigned char u = static_cast<unsigned char>(ch);
        if (std::isalnum(u)) {
            cur.push_back(char(std::tolower(u)));
        } else if (u >= 0x80) {
            cur.push_back(ch); // keep multi-byte letters inside the word
        } else {
            flush();
        }
    }
    flush();
    return out;
}

bool hasDotLeaders(std::string_view text) {
    return text.find("....") != std::string_view::npos ||
           text.find(". . . .") != std::string_view::npos;
}

} // namespace lv::analysis
