// The bytes of a tokenizer file (tokenizer.json, a sentencepiece model), read whole, with the
// error every tokenizer gives for a file that is missing or cannot be read.
#pragma once

#include <filesystem>
#include <string>

namespace lv {

// Throws TokenizerError naming `file` when it is not a regular file or cannot be opened.
std::string readTokenizerFile(const std::filesystem::path& file);

} // namespace lv
