// Typed, spelling-tolerant access to a Hugging Face config.json.
// Errors name the file, the field and the value; all layer-type spellings map to LayerKind.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lv {

// What one decoder layer (or Nemotron-H block) is, however the config spells it.
enum class LayerKind { Mamba, Attention, Mlp, Moe };

class ConfigReader {
public:
    ConfigReader(nlohmann::json json, std::string file);
    // Reads and parses the file; malformed JSON is an EngineError naming the file.
    static ConfigReader fromFile(const std::filesystem::path& path);

    const nlohmann::json& json() const { return json_; }
    const std::string& file() const { return file_; }

    // True when the key is present and not null.
    bool has(const std::string& key) const;

    std::int64_t integer(const std::string& key) const;
    std::int64_t integerOr(const std::string& key, std::int64_t fallback) const;
    // Numbers accept {"__float__": "Infinity"} and friends, as transformers writes them.
    double number(const std::string& key) const;
    double numberOr(const std::string& key, double fallback) const;
    bool booleanOr(const std::string& key, bool fallback) const;
    std::string string(const std::string& key) const;
    std::string stringOr(const std::string& key, const std::string& fallback) const;
    std::vector<double> numberList(const std::string& key) const;
    std::vector<std::int64_t> integerList(const std::string& key) const;
    // An integer or a list of integers (eos_token_id may be either); empty when absent.
    std::vector<std::int64_t> integerOrList(const std::string& key) const;

    std::string modelType() const { return string("model_type"); }

    // The kind of each of `count` layers from layer_types, layers_block_type,
    // hybrid_override_pattern, attn_layer_indices or attn_layer_period/offset.
    // `fallback` is used when none of them is present.
    std::vector<LayerKind> layerKinds(std::int64_t count, LayerKind fallback) const;

    // RoPE base from rope_parameters.rope_theta or rope_theta (default 10000); throws for
    // rope types other than "default" (the engine implements plain RoPE only).
    double ropeTheta() const;
    // partial_rotary_factor from rope_parameters or the top level (default 1).
    double partialRotaryFactor() const;

    // time_step_limit as (min, max); (0, +inf) when absent.
    std::pair<double, double> timeStepLimit() const;

    // An EngineError "<file>: field '<key>': <problem>".
    [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

private:
    const nlohmann::json* find(const std::string& key) const;
    double toNumber(const std::string& key, const nlohmann::json& v) const;

    nlohmann::json json_;
    std::string file_;
};

} // namespace lv
