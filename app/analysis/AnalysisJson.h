// JSON forms of citations and metrics: how sessions store them in the library and
// how longview-cli --json prints them (one form, documented in docs/CLI.md).
#pragma once

#include "analysis/AnalysisTypes.h"

#include <nlohmann/json.hpp>

namespace lv::analysis {

nlohmann::json toJson(const Citation& c);
nlohmann::json toJson(const Metrics& m);
nlohmann::json toJson(const std::vector<Citation>& cs);

// Missing fields take their defaults; anything that is not an object gives defaults.
Citation citationFromJson(const nlohmann::json& j);
Metrics metricsFromJson(const nlohmann::json& j);
std::vector<Citation> citationsFromJson(const nlohmann::json& j);

} // namespace lv::analysis
