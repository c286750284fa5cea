// Builds the analysis service from longview-cli's global options (--db, --model,
// --device) and shows job progress on a terminal.
#pragma once

#include "analysis/AnalysisService.h"
#include "cli/Command.h"

#include <memory>
#include <optional>
#include <string>

namespace lv::cli {

// Options the commands that use the service accept besides the global ones.
std::vector<OptionSpec> generationOptions();

std::unique_ptr<analysis::AnalysisService> makeService(const Invocation& inv);

// The library id a PATH|ID argument names (all digits and no such file, as
// AnalysisService::resolveDocument reads it), or nullopt for a path. An id past 64 bits is
// a UsageError here, where the service's own parse would fail as an internal error.
std::optional<std::int64_t> documentIdArgument(const std::string& pathOrId);

// AnalysisService::resolveDocument for a PATH|ID argument checked as above.
std::int64_t resolveDocumentArgument(analysis::AnalysisService& service,
                                     const std::string& pathOrId, analysis::JobControl& job);

// Progress lines on stderr ("read 12,288 / 96,000 tokens") when it is a terminal.
void attachProgress(analysis::JobControl& job, CommandIo& io);

} // namespace lv::cli
