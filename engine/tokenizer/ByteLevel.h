// GPT-2's reversible map between bytes and printable characters, used by the
// ByteLevel pre-tokenizer and decoder of byte-level BPE tokenizers.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace lv::bytelevel {

// The UTF-8 text of the character that stands for each byte.
const std::array<std::string, 256>& byteToText();

// Appends the byte-level form of raw bytes to out.
void encode(std::string_view bytes, std::string& out);

// The byte a character stands for, or -1 when it is not one of the 256.
int byteOf(char32_t cp);

// Bytes of a token written in byte-level characters. Returns false (leaving
// out unspecified) when a character is not a byte-level one.
bool decode(std::string_view token, std::string& out);

} // namespace lv::bytelevel
