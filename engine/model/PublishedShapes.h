// The config.json of published checkpoints whose shapes the benchmarks run with random
// weights (Model::synthetic), so that a speed is measured on the real shape offline.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lv {

// "granite-4.0-h-350m", "granite-4.0-h-1b", "granite-4.0-h-tiny"; nullopt for any other name.
std::optional<nlohmann::json> publishedShape(const std::string& name);
std::vector<std::string> publishedShapeNames();

} // namespace lv
