// tokenizer.json normalizers: NFC/NFD/NFKC/NFKD (ICU), Lowercase, Replace,
// Prepend, Strip and Sequence, applied to text before pre-tokenization.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

namespace lv::hf {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(std::string& text) const = 0;
};

// Builds the normalizer described by a tokenizer.json "normalizer" object.
// Returns nullptr for JSON null. `where` names the file for error messages.
std::unique_ptr<Normalizer> makeNormalizer(const nlohmann::json& spec, const std::string& where);

} // namespace lv::hf
