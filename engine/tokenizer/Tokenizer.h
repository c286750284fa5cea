// The tokenizer interface: text <-> token ids for sentencepiece models and
// Hugging Face tokenizer.json (BPE), plus loadTokenizer() for files and checkpoints.
#pragma once

#include "core/Error.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lv {

// A tokenizer file or checkpoint that cannot be used. The message names the
// file and what is wrong with it (field, value).
class TokenizerError : public EngineError {
public:
    using EngineError::EngineError;
};

enum class TokenizerKind { SentencePiece, HuggingFaceBpe };

const char* tokenizerKindName(TokenizerKind kind);

// Thread-safe for concurrent encode()/decode() calls once loaded.
class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    virtual TokenizerKind kind() const = 0;

    // Token ids of text. With addSpecial false this is the raw encoding: no
    // BOS/EOS, only the special tokens written literally in the text (e.g.
    // "<|im_start|>") become their ids. With addSpecial true, BOS/EOS are added
    // as the checkpoint says (tokenizer_config.json add_bos_token/add_eos_token,
    // else tokenizer.json's post_processor, else the sentencepiece BOS).
    // Invalid UTF-8 in text is replaced by U+FFFD first; never throws on text.
    std::vector<int32_t> encode(std::string_view text, bool addSpecial = false) const;

    // Text of ids. Special tokens are left out when skipSpecial is true (what
    // Hugging Face's decode(skip_special_tokens=True) does); ids that name no
    // token are skipped. Byte sequences that are not UTF-8 become U+FFFD.
    virtual std::string decode(std::span<const int32_t> ids, bool skipSpecial = true) const = 0;

    // The vocabulary entry of id as stored in the model ("Ġthe", "▁the",
    // "<0x0A>", "<|endoftext|>"); empty for an id outside the vocabulary.
    virtual std::string tokenToPiece(int32_t id) const = 0;
    virtual std::optional<int32_t> pieceToToken(std::string_view piece) const = 0;

    // Number of ids, added tokens included (largest id + 1).
    virtual int32_t vocabSize() const = 0;
    virtual bool isSpecial(int32_t id) const = 0;
    // Every special id (control tokens, added special tokens), ascending.
    std::vector<int32_t> specialIds() const;

    // -1 when the tokenizer has none.
    int32_t bosId() const { return bos_; }
    // The primary end-of-sequence id, -1 when there is none.
    int32_t eosId() const { return eos_.empty() ? -1 : eos_.front(); }
    // Every id that ends generation (eos_token and generation_config.json's
    // eos_token_id list), primary first.
    const std::vector<int32_t>& eosIds() const { return eos_; }
    bool isEndOfGeneration(int32_t id) const;

    // Ids that encode(text, true) puts before and after the text.
    const std::vector<int32_t>& specialPrefix() const { return prefix_; }
    const std::vector<int32_t>& specialSuffix() const { return suffix_; }

    // The file the tokenizer was read from.
    const std::filesystem::path& source() const { return source_; }

    // Used by loadTokenizer() to apply a checkpoint's tokenizer_config.json.
    void setBos(int32_t id) { bos_ = id; }
    void setEos(std::vector<int32_t> ids) { eos_ = std::move(ids); }
    void setSpecialAffixes(std::vector<int32_t> prefix, std::vector<int32_t> suffix);

protected:
    explicit Tokenizer(std::filesystem::path source) : source_(std::move(source)) {}
    // Raw encoding of text that is already valid UTF-8.
    virtual void encodeText(std::string_view text, std::vector<int32_t>& out) const = 0;

private:
    std::filesystem::path source_;
    int32_t bos_ = -1;
    std::vector<int32_t> eos_;
    std::vector<int32_t> prefix_, suffix_;
};

// Reads a tokenizer from a file (tokenizer.json or a sentencepiece .model) or
// a checkpoint directory (tokenizer.json preferred over tokenizer.model). A
// tokenizer_config.json (and generation_config.json) beside it sets BOS/EOS
// handling and special tokens. Throws TokenizerError naming the file.
std::unique_ptr<Tokenizer> loadTokenizer(const std::filesystem::path& path);

} // namespace lv
