#include "tokenizer/TokenizerConfig.h"

#include "tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace lv {

namespace {

std::optional<nlohmann::json> readJson(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    if (!in) throw TokenizerError(file.string() + ": cannot be opened");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw TokenizerError(file.string() + ": not valid JSON (byte " + std::to_string(e.byte) +
                             "): " + e.what());
    }
}

// bos_token and friends are a string or an AddedToken object {"content": ...}.
std::optional<std::string> tokenText(const nlohmann::json& root, const char* key,
                                     const std::filesystem::path& file) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
        return (*it)["content"].get<std::string>();
    throw TokenizerError(file.string() + ": field '" + key + "' must be a string or " +
                         "{\"content\": ...}, got " + it->dump());
}

std::optional<bool> flag(const nlohmann::json& root, const char* key,
                         const std::filesystem::path& file) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean())
        throw TokenizerError(file.string() + ": field '" + key + "' must be true or false, got " +
                             it->dump());
    return it->get<bool>();
}

TokenizerConfig readConfigFiles(const std::filesystem::path& directory);

} // namespace

TokenizerConfig readTokenizerConfig(const std::filesystem::path& directory) {
    try {
        return readConfigFiles(directory);
    } catch (const nlohmann::json::exception& e) {
        // A value of an unexpected JSON type that the readers did not check.
        throw TokenizerError(directory.string() +
                             ": unexpected content in tokenizer_config.json, config.json or "
                             "generation_config.json: " +
                             e.what());
    }
}

namespace {

TokenizerConfig readConfigFiles(const std::filesystem::path& directory) {
    TokenizerConfig config;
    const auto tokenizerFile = directory / "tokenizer_config.json";
    if (auto root = readJson(tokenizerFile)) {
        if (!root->is_object())
            throw TokenizerError(tokenizerFile.string() + ": expected a JSON object");
        config.addBosToken = flag(*root, "add_bos_token", tokenizerFile);
        config.addEosToken = flag(*root, "add_eos_token", tokenizerFile);
        config.bosToken = tokenText(*root, "bos_token", tokenizerFile);
        config.eosToken = tokenText(*root, "eos_token", tokenizerFile);
        config.unkToken = tokenText(*root, "unk_token", tokenizerFile);
        config.padToken = tokenText(*root, "pad_token", tokenizerFile);
        if (auto it = root->find("chat_template"); it != root->end()) {
            if (it->is_string()) {
                config.chatTemplate = it->get<std::string>();
            } else if (it->is_array()) {
                // Several named templates: the one called "default" is the chat one.
                for (const auto& entry : *it)
                    if (entry.is_object() && entry.value("name", "") == "default" &&
                        entry.contains("template") && entry["template"].is_string())
                        config.chatTemplate = entry["template"].get<std::string>();
            }
        }
        if (auto it = root->find("added_tokens_decoder"); it != root->end() && it->is_object()) {
            for (auto entry = it->begin(); entry != it->end(); ++entry) {
                AddedToken t;
                try {
                    t.id = std::stoi(entry.key());
                } catch (const std::exception&) {
                    throw TokenizerError(tokenizerFile.string() + ": added_tokens_decoder key '" +
                                         entry.key() + "' is not a token id");
                }
                const auto& v = entry.value();
                if (!v.is_object() || !v.contains("content") || !v["content"].is_string())
                    throw TokenizerError(tokenizerFile.string() + ": added_tokens_decoder[" +
                                         entry.key() + "] has no string 'content'");
                t.content = v["content"].get<std::string>();
                t.special = v.value("special", false);
                t.lstrip = v.value("lstrip", false);
                t.rstrip = v.value("rstrip", false);
                t.singleWord = v.value("single_word", false);
                t.normalized = v.value("normalized", !t.special);
                config.addedTokens.push_back(std::move(t));
            }
        }
        if (auto it = root->find("additional_special_tokens"); it != root->end() && it->is_array())
            for (const auto& t : *it) {
                if (t.is_string())
                    config.additionalSpecialTokens.push_back(t.get<std::string>());
                else if (t.is_object() && t.contains("content") && t["content"].is_string())
                    config.additionalSpecialTokens.push_back(t["content"].get<std::string>());
            }
    }

    const auto modelFile = directory / "config.json";
    if (auto root = readJson(modelFile); root && root->is_object())
        if (auto it = root->find("model_type"); it != root->end() && it->is_string())
            config.modelType = it->get<std::string>();

    const auto generationFile = directory / "generation_config.json";
    if (auto root = readJson(generationFile); root && root->is_object()) {
        if (auto it = root->find("eos_token_id"); it != root->end()) {
            if (it->is_number_integer())
                config.generationEosIds.push_back(it->get<int32_t>());
            else if (it->is_array())
                for (const auto& id : *it)
                    if (id.is_number_integer())
                        config.generationEosIds.push_back(id.get<int32_t>());
        }
        if (auto it = root->find("bos_token_id"); it != root->end() && it->is_number_integer())
            config.generationBosId = it->get<int32_t>();
    }
    return config;
}

} // namespace

} // namespace lv
