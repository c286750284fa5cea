// What a codebase ingest left out, by reason, as the CLI and the GUI report it.
// The reasons are the ingest's own words ("binary", "symbolic link", ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lv::analysis {

// Files of a codebase an ingest left out for one reason.
struct SkippedFiles {
    std::string reason;
    std::int64_t count = 0;            // files (directories for "vendored directory")
    std::vector<std::string> examples; // the first paths, relative to the root
};

// "binary 1 (logo.png); symbolic link 4 (a, b, c, ...)": each reason, its count and up to
// `shown` of its paths (no plurals: a reason is not always a noun).
std::string describeSkipped(const std::vector<SkippedFiles>& skipped, std::size_t shown = 3);

} // namespace lv::analysis
