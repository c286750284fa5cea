// loadTokenizer(): picks tokenizer.json or tokenizer.model and applies the
// checkpoint's tokenizer_config.json / generation_config.json.

#include "tokenizer/HfTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "tokenizer/Tokenizer.h"
#include "tokenizer/TokenizerConfig.h"

#include <algorithm>
#include <fstream>

namespace lv {

namespace {

bool looksLikeJson(const std::filesystem::path& file) {
    if (file.extension() == ".json") return true;
    std::ifstream in(file, std::ios::binary);
    char c = 0;
    while (in.get(c))
        if (!std::isspace(static_cast<unsigned char>(c))) return c == '{';
    return false;
}

int32_t requireId(const Tokenizer& tokenizer, const std::string& token, const char* field,
                  const std::filesystem::path& configFile) {
    if (auto id = tokenizer.pieceToToken(token)) return *id;
    throw TokenizerError(configFile.string() + ": " + field + " '" + token +
                         "' is not a token of " + tokenizer.source().string());
}

void applyConfig(Tokenizer& tokenizer, const TokenizerConfig& config,
                 const std::filesystem::path& directory) {
    const auto configFile = directory / "tokenizer_config.json";
    if (auto* spm = dynamic_cast<SentencePieceTokenizer*>(&tokenizer)) {
        std::vector<AddedToken> specials;
        for (const auto& t : config.addedTokens)
            if (t.special) specials.push_back(t);
        spm->addSpecialTokens(specials);
    }

    int32_t bos = tokenizer.bosId();
    if (config.bosToken) bos = requireId(tokenizer, *config.bosToken, "bos_token", configFile);
    std::vector<int32_t> eos = tokenizer.eosIds();
    if (config.eosToken) eos = {requireId(tokenizer, *config.eosToken, "eos_token", configFile)};
    for (int32_t id : config.generationEosIds)
        if (id >= 0 && id < tokenizer.vocabSize() &&
            std::find(eos.begin(), eos.end(), id) == eos.end())
            eos.push_back(id);
    tokenizer.setBos(bos);
    tokenizer.setEos(eos);

    // tokenizer_config.json's flags, when present, decide what encode(text,
    // true) adds (transformers rebuilds the post-processor from them).
    if (config.addBosToken || config.addEosToken) {
        std::vector<int32_t> prefix, suffix;
        if (config.addBosToken.value_or(false)) {
            if (bos < 0)
                throw TokenizerError(configFile.string() +
                                     ": add_bos_token is true but there is no bos_token");
            prefix.push_back(bos);
        }
        if (config.addEosToken.value_or(false)) {
            if (eos.empty())
                throw TokenizerError(configFile.string() +
                                     ": add_eos_token is true but there is no eos_token");
            suffix.push_back(eos.front());
        }
        tokenizer.setSpecialAffixes(std::move(prefix), std::move(suffix));
    } else if (tokenizer.kind() == TokenizerKind::SentencePiece) {
        // LlamaTokenizer's defaults: BOS added, EOS not.
        tokenizer.setSpecialAffixes(bos >= 0 ? std::vector<int32_t>{bos} : std::vector<int32_t>{},
                                    {});
    }
}

} // namespace

std::unique_ptr<Tokenizer> loadTokenizer(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::path file;
    std::filesystem::path directory;
    if (std::filesystem::is_directory(path, ec)) {
        directory = path;
        if (std::filesystem::is_regular_file(path / "tokenizer.json", ec))
            file = path / "tokenizer.json";
        else if (std::filesystem::is_regular_file(path / "tokenizer.model", ec))
            file = path / "tokenizer.model";
        else
            throw TokenizerError(path.string() +
                                 ": no tokenizer.json or tokenizer.model in this directory");
    } else if (std::filesystem::exists(path, ec)) {
        file = path;
        directory = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    } else {
        throw TokenizerError(path.string() + ": no such file or directory");
    }

    std::unique_ptr<Tokenizer> tokenizer;
    if (looksLikeJson(file))
        tokenizer = HfTokenizer::fromFile(file);
    else
        tokenizer = SentencePieceTokenizer::fromFile(file);

    // A tokenizer_config.json beside the file belongs to the same checkpoint.
    applyConfig(*tokenizer, readTokenizerConfig(directory), directory);
    return tokenizer;
}

} // namespace lv
