#include "tokenizer/JsonFields.h"

#include "tokenizer/Tokenizer.h"

namespace lv::hf {

const nlohmann::json& requireField(const nlohmann::json& object, const char* key,
                                   const std::string& where) {
    if (!object.is_object()) throw TokenizerError(where + ": expected a JSON object");
    auto it = object.find(key);
    if (it == object.end()) throw TokenizerError(where + ": missing field '" + key + "'");
    return *it;
}

std::string requireString(const nlohmann::json& object, const char* key, const std::string& where) {
    const auto& v = requireField(object, key, where);
    if (!v.is_string())
        throw TokenizerError(where + ": field '" + key + "' must be a string, got " + v.dump());
    return v.get<std::string>();
}

const nlohmann::json& requireArray(const nlohmann::json& object, const char* key,
                                   const std::string& where) {
    const auto& v = requireField(object, key, where);
    if (!v.is_array())
        throw TokenizerError(where + ": field '" + key + "' must be an array, got " +
                             std::string(v.type_name()));
    return v;
}

bool optionalBool(const nlohmann::json& object, const char* key, bool fallback,
                  const std::string& where) {
    if (!object.is_object()) return fallback;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_boolean())
        throw TokenizerError(where + ": field '" + key + "' must be true or false, got " +
                             it->dump());
    return it->get<bool>();
}

std::string optionalString(const nlohmann::json& object, const char* key,
                           const std::string& where) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string())
        throw TokenizerError(where + ": field '" + key + "' must be a string, got " + it->dump());
    return it->get<std::string>();
}

std::pair<std::string, Regex::Syntax> splitPattern(const nlohmann::json& object,
                                                   const std::string& where) {
    const auto& p = requireField(object, "pattern", where);
    if (p.is_string()) return {p.get<std::string>(), Regex::Syntax::Literal};
    if (p.is_object()) {
        if (p.contains("Regex") && p["Regex"].is_string())
            return {p["Regex"].get<std::string>(), Regex::Syntax::Pattern};
        if (p.contains("String") && p["String"].is_string())
            return {p["String"].get<std::string>(), Regex::Syntax::Literal};
    }
    throw TokenizerError(
        where + ": field 'pattern' must be {\"String\": ...} or {\"Regex\": ...}, got " + p.dump());
}

} // namespace lv::hf
