// Reads and edits the few fields of a serialized sentencepiece ModelProto that
// the tokenizer needs (normalizer and trainer options), from the wire format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lv::spm {

struct NormalizerOptions {
    bool addDummyPrefix = true;
    bool removeExtraWhitespaces = true;
    bool escapeWhitespaces = true;
    bool treatWhitespaceAsSuffix = false; // from the trainer spec
    bool unigram = true;                  // trainer_spec.model_type UNIGRAM (else BPE, WORD, CHAR)
};

// nullopt when the bytes are not a well-formed protobuf message.
std::optional<NormalizerOptions> readNormalizerOptions(std::string_view model);

// The same model with normalizer_spec.add_dummy_prefix set to false; nullopt
// when the bytes cannot be parsed.
std::optional<std::string> withoutDummyPrefix(std::string_view model);

} // namespace lv::spm
