// A sentencepiece tokenizer.model (unigram or BPE, byte fallback) through
// libsentencepiece, with special tokens matched whole in the text.
#pragma once

#include "tokenizer/AddedTokens.h"
#include "tokenizer/Tokenizer.h"

#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace lv {

class SentencePieceTokenizer final : public Tokenizer {
public:
    // Throws TokenizerError naming the file when it is not a sentencepiece model.
    static std::unique_ptr<SentencePieceTokenizer> fromFile(const std::filesystem::path& file);
    ~SentencePieceTokenizer() override;

    TokenizerKind kind() const override { return TokenizerKind::SentencePiece; }
    std::string decode(std::span<const int32_t> ids, bool skipSpecial = true) const override;
    std::string tokenToPiece(int32_t id) const override;
    std::optional<int32_t> pieceToToken(std::string_view piece) const override;
    int32_t vocabSize() const override;
    bool isSpecial(int32_t id) const override;

    // Special tokens from tokenizer_config.json (added_tokens_decoder). Ids
    // inside the model must name the same piece; ids beyond it extend the vocabulary.
    void addSpecialTokens(const std::vector<AddedToken>& tokens);

    // Text longer than this is encoded in chunks cut between two words ("x y"
    // with one space) where no piece of the model can span the cut. BPE
    // models give the ids of one call for any chunk size, and small chunks
    // are faster (default 16 KiB). Unigram models give them too except where
    // two segmentations score exactly alike: sentencepiece then picks by the
    // rounding of its running float score, which depends on the text before.
    // So unigram text is chunked only beyond 4 MiB, to bound memory (about
    // 120 bytes per input byte in one call). 0 disables chunking.
    void setChunkBytes(std::size_t bytes) { chunkBytes_ = bytes; }
    std::size_t chunkBytes() const { return chunkBytes_; }
    // Whether the model allows cuts at all (see setChunkBytes).
    bool canChunk() const { return chunkSafe_; }

protected:
    void encodeText(std::string_view text, std::vector<int32_t>& out) const override;

private:
    SentencePieceTokenizer(const std::filesystem::path& file, std::string model);
    void rebuildMatcher();
    void encodePiece(std::string_view text, bool atOrigin, std::vector<int32_t>& out) const;
    void encodeWith(const sentencepiece::SentencePieceProcessor& sp, std::string_view text,
                    std::vector<int32_t>& out) const;
    // Text of ids that are all model pieces (no specials).
    std::string decodeRun(const std::vector<int>& run) const;
    static constexpr std::size_t kDecodeChunk = 16384;

    std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
    // The same model without the dummy "▁" prefix, for text that follows a
    // special token (what Hugging Face's non-legacy Llama tokenizer does).
    std::unique_ptr<sentencepiece::SentencePieceProcessor> noPrefix_;
    int32_t pieceCount_ = 0;
    bool chunkSafe_ = false;
    bool addDummyPrefix_ = true;
    std::size_t chunkBytes_ = 16 * 1024;
    std::unordered_map<int32_t, std::string> extraPieces_; // ids beyond the model
    std::unordered_set<int32_t> extraSpecial_;
    std::vector<AddedToken> matched_;
    AddedTokenMatcher matcher_;
};

} // namespace lv
