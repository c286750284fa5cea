// A Hugging Face tokenizer.json with a BPE model: added tokens, normalizer,
// pre-tokenizer, BPE with a per-word cache, post-processor and decoder.
#pragma once

#include "tokenizer/AddedTokens.h"
#include "tokenizer/Tokenizer.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <mutex>
#include <unordered_set>

namespace lv {

namespace hf {
class BpeModel;
class Decoder;
class Normalizer;
class PreTokenizer;
} // namespace hf

class HfTokenizer final : public Tokenizer {
public:
    // Throws TokenizerError naming the file and the field at fault.
    static std::unique_ptr<HfTokenizer> fromFile(const std::filesystem::path& file);
    // `source` names the text in error messages.
    static std::unique_ptr<HfTokenizer> fromJsonText(std::string_view json,
                                                     const std::filesystem::path& source);
    ~HfTokenizer() override;

    TokenizerKind kind() const override { return TokenizerKind::HuggingFaceBpe; }
    std::string decode(std::span<const int32_t> ids, bool skipSpecial = true) const override;
    std::string tokenToPiece(int32_t id) const override;
    std::optional<int32_t> pieceToToken(std::string_view piece) const override;
    int32_t vocabSize() const override { return static_cast<int32_t>(pieces_.size()); }
    bool isSpecial(int32_t id) const override { return special_.count(id) != 0; }

    const std::vector<AddedToken>& addedTokens() const { return added_; }

protected:
    void encodeText(std::string_view text, std::vector<int32_t>& out) const override;

private:
    HfTokenizer(const nlohmann::json& root, const std::filesystem::path& source);
    struct WordCache;
    void encodeNormalizedPiece(std::string_view text, bool atOrigin, WordCache& cache,
                               std::vector<int32_t>& out) const;

    std::unique_ptr<hf::BpeModel> model_;
    std::unique_ptr<hf::Normalizer> normalizer_;
    std::unique_ptr<hf::PreTokenizer> preTokenizer_;
    bool byteLevelLast_ = false; // the byte-level mapping is done here, after the cache
    std::unique_ptr<hf::Decoder> decoder_;
    std::vector<AddedToken> added_;
    AddedTokenMatcher rawMatcher_;        // added tokens with normalized = false
    AddedTokenMatcher normalizedMatcher_; // the others, in normalized text
    std::vector<std::string> pieces_;     // id -> token string
    std::vector<bool> hasPiece_;
    std::vector<std::string> byteForms_; // id -> bytes, when the decoder is ByteLevel
    std::unordered_set<int32_t> special_;
    // Ids of pre-tokenized words seen before; shared between calls (one
    // encode at a time holds it, concurrent ones use a private cache).
    mutable std::mutex cacheMutex_;
    std::unique_ptr<WordCache> cache_;
};

} // namespace lv
