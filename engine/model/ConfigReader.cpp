#include "model/ConfigReader.h"

#include "core/Error.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace lv {

namespace {

std::string brief(const nlohmann::json& v) {
    std::string s = v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

} // namespace

ConfigReader::ConfigReader(nlohmann::json json, std::string file)
    : json_(std::move(json)), file_(std::move(file)) {
    if (!json_.is_object()) throw EngineError(file_ + ": not a JSON object");
}

ConfigReader ConfigReader::fromFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw EngineError(path.string() + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::parse_error& e) {
        throw EngineError(path.string() + ": malformed JSON: " + e.what());
    }
    return ConfigReader(std::move(j), path.string());
}

void ConfigReader::fail(const std::string& key, const std::string& problem) const {
    throw EngineError(file_ + ": field '" + key + "': " + problem);
}

const nlohmann::json* ConfigReader::find(const std::string& key) const {
    auto it = json_.find(key);
    if (it == json_.end() || it->is_null()) return nullptr;
    return &*it;
}

bool ConfigReader::has(const std::string& key) const {
    return find(key) != nullptr;
}

std::int64_t ConfigReader::integer(const std::string& key) const {
    const auto* v = find(key);
    if (!v) fail(key, "missing");
    if (v->is_number_integer()) return v->get<std::int64_t>();
    if (v->is_number_float()) {
        const double d = v->get<double>();
        if (std::floor(d) == d && std::isfinite(d)) return std::int64_t(d);
    }
    fail(key, "expected an integer, got " + brief(*v));
}

std::int64_t ConfigReader::integerOr(const std::string& key, std::int64_t fallback) const {
    return has(key) ? integer(key) : fallback;
}

double ConfigReader::toNumber(const std::string& key, const nlohmann::json& v) const {
    if (v.is_number()) return v.get<double>();
    // transformers serialises non-finite floats as {"__float__": "Infinity"}.
    if (v.is_object() && v.contains("__float__") && v["__float__"].is_string()) {
        const std::string s = v["__float__"].get<std::string>();
        if (s == "Infinity" || s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-Infinity" || s == "-inf") return -std::numeric_limits<double>::infinity();
        if (s == "NaN" || s == "nan") return std::numeric_limits<double>::quiet_NaN();
    }
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s == "Infinity" || s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-Infinity" || s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    fail(key, "expected a number, got " + brief(v));
}

double ConfigReader::number(const std::string& key) const {
    const auto* v = find(key);
    if (!v) fail(key, "missing");
    return toNumber(key, *v);
}

double ConfigReader::numberOr(const std::string& key, double fallback) const {
    return has(key) ? number(key) : fallback;
}

bool ConfigReader::booleanOr(const std::string& key, bool fallback) const {
    const auto* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(key, "expected true or false, got " + brief(*v));
    return v->get<bool>();
}

std::string ConfigReader::string(const std::string& key) const {
    const auto* v = find(key);
    if (!v) fail(key, "missing");
    if (!v->is_string()) fail(key, "expected a string, got " + brief(*v));
    return v->get<std::string>();
}

std::string ConfigReader::stringOr(const std::string& key, const std::string& fallback) const {
    return has(key) ? string(key) : fallback;
}

std::vector<double> ConfigReader::numberList(const std::string& key) const {
    const auto* v = find(key);
    if (!v) fail(key, "missing");
    if (!v->is_array()) fail(key, "expected a list of numbers, got " + brief(*v));
    std::vector<double> out;
    for (const auto& e : *v)
        out.push_back(toNumber(key, e));
    return out;
}

std::vector<std::int64_t> ConfigReader::integerList(const std::string& key) const {
    const auto* v = find(key);
    if (!v) fail(key, "missing");
    if (!v->is_array()) fail(key, "expected a list of integers, got " + brief(*v));
    std::vector<std::int64_t> out;
    for (const auto& e : *v) {
        if (!e.is_number_integer()) fail(key, "expected a list of integers, got " + brief(*v));
        out.push_back(e.get<std::int64_t>());
    }
    return out;
}

std::vector<std::int64_t> ConfigReader::integerOrList(const std::string& key) const {
    const auto* v = find(key);
    if (!v) return {};
    if (v->is_array()) return integerList(key);
    return {integer(key)};
}

namespace {

std::optional<LayerKind> kindFromName(const std::string& s) {
    if (s == "mamba" || s == "mamba2" || s == "linear_attention" || s == "M" || s == "m")
        return LayerKind::Mamba;
    if (s == "attention" || s == "full_attention" || s == "*" || s == "hybrid")
        return LayerKind::Attention;
    if (s == "mlp" || s == "-" || s == "dense") return LayerKind::Mlp;
    if (s == "moe" || s == "E") return LayerKind::Moe;
    return std::nullopt;
}

} // namespace

std::vector<LayerKind> ConfigReader::layerKinds(std::int64_t count, LayerKind fallback) const {
    std::vector<LayerKind> kinds;
    auto fromList = [&](const std::string& key) {
        const auto* v = find(key);
        if (!v->is_array()) fail(key, "expected a list of layer types, got " + brief(*v));
        for (const auto& e : *v) {
            if (!e.is_string()) fail(key, "expected a list of layer types, got " + brief(*v));
            const auto k = kindFromName(e.get<std::string>());
            if (!k) fail(key, "unknown layer type '" + e.get<std::string>() + "'");
            kinds.push_back(*k);
        }
    };
    if (has("layer_types")) {
        fromList("layer_types");
    } else if (has("layers_block_type")) {
        fromList("layers_block_type");
    } else if (has("hybrid_override_pattern")) {
        const std::string p = string("hybrid_override_pattern");
        for (char c : p) {
            const auto k = kindFromName(std::string(1, c));
            if (!k)
                fail("hybrid_override_pattern", "unknown block symbol '" + std::string(1, c) + "'");
            kinds.push_back(*k);
        }
    } else if (has("attn_layer_indices")) {
        kinds.assign(std::size_t(count), LayerKind::Mamba);
        for (auto i : integerList("attn_layer_indices")) {
            if (i < 0 || i >= count)
                fail("attn_layer_indices",
                     "index " + std::to_string(i) + " outside 0.." + std::to_string(count - 1));
            kinds[std::size_t(i)] = LayerKind::Attention;
        }
    } else if (has("attn_layer_period")) {
        const auto period = integer("attn_layer_period");
        const auto offset = integerOr("attn_layer_offset", 0);
        if (period <= 0) fail("attn_layer_period", "must be positive");
        for (std::int64_t i = 0; i < count; ++i)
            kinds.push_back(i % period == offset ? LayerKind::Attention : LayerKind::Mamba);
    } else {
        kinds.assign(std::size_t(count), fallback);
    }
    if (std::int64_t(kinds.size()) != count)
        throw EngineError(file_ + ": " + std::to_string(kinds.size()) +
                          " layer types for num_hidden_layers = " + std::to_string(count));
    return kinds;
}

double ConfigReader::ropeTheta() const {
    if (const auto* rp = find("rope_parameters"); rp && rp->is_object()) {
        const std::string type = rp->value("rope_type", std::string("default"));
        if (type != "default")
            fail("rope_parameters", "rope_type '" + type + "' is not supported (only 'default')");
        if (rp->contains("rope_theta"))
            return toNumber("rope_parameters.rope_theta", (*rp)["rope_theta"]);
    }
    if (const auto* rs = find("rope_scaling"); rs && rs->is_object()) {
        std::string type = rs->value("rope_type", rs->value("type", std::string("default")));
        if (type != "default")
            fail("rope_scaling", "rope type '" + type + "' is not supported (only 'default')");
    }
    return numberOr("rope_theta", 10000.0);
}

double ConfigReader::partialRotaryFactor() const {
    if (const auto* rp = find("rope_parameters");
        rp && rp->is_object() && rp->contains("partial_rotary_factor"))
        return toNumber("rope_parameters.partial_rotary_factor", (*rp)["partial_rotary_factor"]);
    return numberOr("partial_rotary_factor", 1.0);
}

std::pair<double, double> ConfigReader::timeStepLimit() const {
    if (!has("time_step_limit")) return {0.0, std::numeric_limits<double>::infinity()};
    const auto v = numberList("time_step_limit");
    if (v.size() != 2) fail("time_step_limit", "expected [min, max]");
    return {v[0], v[1]};
}

} // namespace lv
