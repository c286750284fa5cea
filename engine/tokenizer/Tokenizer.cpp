#include "tokenizer/Tokenizer.h"

#include "tokenizer/Utf8.h"

#include <algorithm>

namespace lv {

const char* tokenizerKindName(TokenizerKind kind) {
    switch (kind) {
    case TokenizerKind::SentencePiece:
        return "sentencepiece";
    case TokenizerKind::HuggingFaceBpe:
        return "tokenizer.json BPE";
    }
    return "unknown";
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecial) const {
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    if (addSpecial) ids.insert(ids.end(), prefix_.begin(), prefix_.end());
    if (utf8::isValid(text)) {
        encodeText(text, ids);
    } else {
        const std::string repaired = utf8::repair(text);
        encodeText(repaired, ids);
    }
    if (addSpecial) ids.insert(ids.end(), suffix_.begin(), suffix_.end());
    return ids;
}

std::vector<int32_t> Tokenizer::specialIds() const {
    std::vector<int32_t> ids;
    for (int32_t id = 0; id < vocabSize(); ++id)
        if (isSpecial(id)) ids.push_back(id);
    return ids;
}

bool Tokenizer::isEndOfGeneration(int32_t id) const {
    return std::find(eos_.begin(), eos_.end(), id) != eos_.end();
}

void Tokenizer::setSpecialAffixes(std::vector<int32_t> prefix, std::vector<int32_t> suffix) {
    prefix_ = std::move(prefix);
    suffix_ = std::move(suffix);
}

} // namespace lv
