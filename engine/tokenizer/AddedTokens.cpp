#include "tokenizer/AddedTokens.h"

#include "tokenizer/Utf8.h"

#include <unicode/uchar.h>

#include <algorithm>

namespace lv {

namespace {

// Rust's char::is_alphanumeric() (Alphabetic or numeric) or '_': what
// Hugging Face calls a word character for single_word tokens.
bool isWordChar(char32_t cp) {
    if (cp == '_') return true;
    if (u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_ALPHABETIC)) return true;
    const int8_t type = u_charType(static_cast<UChar32>(cp));
    return type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER || type == U_OTHER_NUMBER;
}

char32_t lastChar(std::string_view s, std::size_t end, std::size_t& start) {
    start = end;
    if (end == 0) return 0;
    start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
        --start;
    std::size_t i = start;
    char32_t cp = 0;
    utf8::decode(s, i, cp);
    return cp;
}

} // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens,
                                     std::vector<std::string> patterns)
    : tokens_(std::move(tokens)) {
    nodes_.emplace_back();
    for (std::size_t t = 0; t < tokens_.size(); ++t) {
        const std::string& pattern = patterns.empty() ? tokens_[t].content : patterns[t];
        if (pattern.empty()) continue;
        int32_t node = 0;
        for (unsigned char c : pattern) {
            int32_t next = child(node, c);
            if (next < 0) {
                next = static_cast<int32_t>(nodes_.size());
                nodes_[static_cast<std::size_t>(node)].next.emplace_back(c, next);
                nodes_.emplace_back();
            }
            node = next;
        }
        // The first token registered for a pattern wins, as in Hugging Face.
        if (nodes_[static_cast<std::size_t>(node)].token < 0)
            nodes_[static_cast<std::size_t>(node)].token = static_cast<int32_t>(t);
        first_[static_cast<unsigned char>(pattern[0])] = true;
    }
}

int32_t AddedTokenMatcher::child(int32_t node, unsigned char byte) const {
    for (const auto& [c, next] : nodes_[static_cast<std::size_t>(node)].next)
        if (c == byte) return next;
    return -1;
}

int32_t AddedTokenMatcher::longestAt(std::string_view text, std::size_t pos,
                                     std::size_t& length) const {
    int32_t node = 0, found = -1;
    for (std::size_t i = pos; i < text.size(); ++i) {
        node = child(node, static_cast<unsigned char>(text[i]));
        if (node < 0) break;
        const int32_t token = nodes_[static_cast<std::size_t>(node)].token;
        if (token >= 0) {
            found = token;
            length = i + 1 - pos;
        }
    }
    return found;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<Segment>& out) const {
    if (text.empty()) return;
    std::size_t segmentStart = 0; // end of the last accepted match
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (!first_[static_cast<unsigned char>(text[pos])]) {
            ++pos;
            continue;
        }
        std::size_t length = 0;
        const int32_t index = longestAt(text, pos, length);
        if (index < 0) {
            ++pos;
            continue;
        }
        const AddedToken& token = tokens_[static_cast<std::size_t>(index)];
        std::size_t start = pos, stop = pos + length;
        pos = stop; // a match is consumed even when a rule below discards it
        if (start < segmentStart) continue;
        if (token.singleWord) {
            std::size_t unused = 0;
            const bool wordBefore = start > 0 && isWordChar(lastChar(text, start, unused));
            bool wordAfter = false;
            if (stop < text.size()) {
                std::size_t i = stop;
                char32_t cp = 0;
                utf8::decode(text, i, cp);
                wordAfter = isWordChar(cp);
            }
            if (wordBefore || wordAfter) continue;
        }
        if (token.lstrip) {
            while (start > segmentStart) {
                std::size_t prev = 0;
                const char32_t cp = lastChar(text, start, prev);
                if (!utf8::isWhiteSpace(cp) || prev < segmentStart) break;
                start = prev;
            }
        }
        if (token.rstrip) {
            while (stop < text.size()) {
                std::size_t i = stop;
                char32_t cp = 0;
                if (!utf8::decode(text, i, cp) || !utf8::isWhiteSpace(cp)) break;
                stop = i;
            }
            pos = stop;
        }
        if (segmentStart < start) out.push_back({segmentStart, start, -1});
        out.push_back({start, stop, token.id});
        segmentStart = stop;
    }
    if (segmentStart < text.size()) out.push_back({segmentStart, text.size(), -1});
}

} // namespace lv
