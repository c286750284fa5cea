// Added tokens (special and not) matched whole in the text before
// pre-tokenization, with Hugging Face's single_word / lstrip / rstrip rules.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lv {

struct AddedToken {
    int32_t id = -1;
    std::string content;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false; // matched in normalized text rather than raw text
    bool special = false;
};

// Finds added tokens in text: leftmost match first, the longest one where
// several start at the same place; a match is never split or re-tokenized.
class AddedTokenMatcher {
public:
    struct Segment {
        std::size_t begin, end;
        int32_t id; // -1: ordinary text between matches
    };

    AddedTokenMatcher() = default;
    // The patterns are the tokens' contents (or `patterns` when given, e.g.
    // normalized forms), in the order of `tokens`.
    explicit AddedTokenMatcher(std::vector<AddedToken> tokens,
                               std::vector<std::string> patterns = {});

    bool empty() const { return tokens_.empty(); }

    // Cuts text into ordinary segments and matched tokens. An empty text
    // gives no segments.
    void split(std::string_view text, std::vector<Segment>& out) const;

private:
    struct Node {
        int32_t token = -1; // index into tokens_ of a pattern ending here
        std::vector<std::pair<unsigned char, int32_t>> next;
    };
    int32_t child(int32_t node, unsigned char byte) const;
    // Index of the longest pattern starting at text[pos], or -1; sets length.
    int32_t longestAt(std::string_view text, std::size_t pos, std::size_t& length) const;

    std::vector<AddedToken> tokens_;
    std::vector<Node> nodes_;
    std::array<bool, 256> first_{};
};

} // namespace lv
