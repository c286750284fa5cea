// JSON forms of the analysis values, as longview-cli --json prints them
// (citations and metrics: analysis/AnalysisJson.h).
// The field names are a public contract, documented in docs/CLI.md.
#pragma once

#include "analysis/AnalysisJson.h"
#include "analysis/AnalysisTypes.h"
#include "analysis/ModelCatalog.h"

#include <nlohmann/json.hpp>

namespace lv::cli {

nlohmann::json toJson(const analysis::DocumentInfo& d);
nlohmann::json toJson(const analysis::Summary& s);
nlohmann::json toJson(const analysis::Answer& a);
nlohmann::json toJson(const analysis::Passage& p);
nlohmann::json toJson(const analysis::SessionInfo& s);
nlohmann::json toJson(const analysis::Message& m);
nlohmann::json toJson(const analysis::ModelInfo& m);
nlohmann::json toJson(const analysis::CheckpointEntry& e); // ModelInfo's fields + unusable
nlohmann::json toJson(const analysis::IngestReport& r);

const char* kindName(analysis::DocumentKind kind);

} // namespace lv::cli
