// tokenizer.json decoders: ByteLevel, Metaspace, ByteFallback, Fuse, Strip,
// Replace and Sequence, turning token strings back into text.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace lv::hf {

class Decoder {
public:
    virtual ~Decoder() = default;
    // Rewrites the list of token strings (Hugging Face's decode_chain); the
    // caller joins what is left.
    virtual void decodeChain(std::vector<std::string>& tokens) const = 0;
};

// nullptr for JSON null.
std::unique_ptr<Decoder> makeDecoder(const nlohmann::json& spec, const std::string& where);

} // namespace lv::hf
