// What a checkpoint's tokenizer_config.json, config.json and
// generation_config.json say about special tokens, BOS/EOS and chat format.
#pragma once

#include "tokenizer/AddedTokens.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lv {

struct TokenizerConfig {
    std::optional<bool> addBosToken, addEosToken;
    std::optional<std::string> bosToken, eosToken, unkToken, padToken;
    std::optional<std::string> chatTemplate; // the Jinja source, "default" entry when several
    std::vector<AddedToken> addedTokens;     // added_tokens_decoder
    std::vector<std::string> additionalSpecialTokens;
    std::string modelType;                  // config.json model_type
    std::vector<int32_t> generationEosIds;  // generation_config.json eos_token_id
    std::optional<int32_t> generationBosId; // generation_config.json bos_token_id
};

// Reads the JSON files of a checkpoint directory; each file may be absent.
// A file that exists but is malformed is a TokenizerError naming it.
TokenizerConfig readTokenizerConfig(const std::filesystem::path& directory);

} // namespace lv
