// Builds the analysis service from longview-cli's global options (--db, --model,
// --device) and shows job progress on a terminal.
#pragma once

#include "analysis/AnalysisService.h"
#include "cli/Command.h"

#include <memory>

namespace lv::cli {

// Options the commands that use the service accept besides the global ones.
std::vector<OptionSpec> generationOptions();

std::unique_ptr<analysis::AnalysisService> makeService(const Invocation& inv);

// Progress lines on stderr ("read 12,288 / 96,000 tokens") when it is a terminal.
void attachProgress(analysis::JobControl& job, CommandIo& io);

} // namespace lv::cli
