// UTF-8 helpers shared by the tokenizers: strict decoding, repair of invalid
// input (U+FFFD per maximal invalid subpart, as Python and Rust do), stripping.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lv::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at s[i]; advances i. On an invalid or truncated
// sequence returns false and advances i past the maximal invalid subpart.
bool decode(std::string_view s, std::size_t& i, char32_t& cp);

void append(std::string& out, char32_t cp);

// True when every byte sequence in s is well-formed UTF-8.
bool isValid(std::string_view s);

// s with each maximal invalid subpart replaced by U+FFFD (what Python's
// bytes.decode("utf-8", "replace") and Rust's from_utf8_lossy produce).
std::string repair(std::string_view s);

// The longest prefix of s of at most maxBytes bytes that does not end inside a character
// (a cut for display or storage that keeps the text valid UTF-8).
std::string_view prefix(std::string_view s, std::size_t maxBytes);

// Python str.strip(): removes leading and trailing Unicode white space.
std::string_view stripWhitespace(std::string_view s);

// The Unicode White_Space property (Rust's char::is_whitespace).
bool isWhiteSpace(char32_t cp);

} // namespace lv::utf8
