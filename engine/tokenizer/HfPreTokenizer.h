// tokenizer.json pre-tokenizers: Split (the model's regex), ByteLevel, Digits,
// Metaspace, Punctuation, Whitespace, WhitespaceSplit and Sequence.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace lv::hf {

// Text cut into pieces that the model tokenizes one by one.
struct PreTokenized {
    struct Piece {
        std::size_t begin, end; // byte range in text
        bool atOrigin;          // starts at offset 0 of the original input
    };
    std::string text;
    std::vector<Piece> pieces;

    void reset(std::string_view t, bool atOrigin) {
        text.assign(t);
        pieces.clear();
        if (!text.empty()) pieces.push_back({0, text.size(), atOrigin});
    }
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Refines or rewrites the pieces of pt; scratch is reusable working space.
    virtual void apply(PreTokenized& pt, PreTokenized& scratch) const = 0;
};

// Builds the pre-tokenizer described by a tokenizer.json "pre_tokenizer"
// object; nullptr for JSON null.
std::unique_ptr<PreTokenizer> makePreTokenizer(const nlohmann::json& spec,
                                               const std::string& where);

} // namespace lv::hf
