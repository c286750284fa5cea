// Typed reads of tokenizer JSON fields; a missing or mistyped field is a
// TokenizerError that names the file, the object and the field.
#pragma once

#include "tokenizer/Regex.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

namespace lv::hf {

const nlohmann::json& requireField(const nlohmann::json& object, const char* key,
                                   const std::string& where);
std::string requireString(const nlohmann::json& object, const char* key, const std::string& where);
const nlohmann::json& requireArray(const nlohmann::json& object, const char* key,
                                   const std::string& where);
bool optionalBool(const nlohmann::json& object, const char* key, bool fallback,
                  const std::string& where);
// A string field that may be absent or null.
std::string optionalString(const nlohmann::json& object, const char* key, const std::string& where);

// The "pattern" of a Split pre-tokenizer or Replace normalizer/decoder:
// {"String": "..."} (a literal), {"Regex": "..."}, or a bare string (literal).
std::pair<std::string, Regex::Syntax> splitPattern(const nlohmann::json& object,
                                                   const std::string& where);

} // namespace lv::hf
