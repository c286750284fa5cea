#include "analysis/SkippedFiles.h"

#include <algorithm>

namespace lv::analysis {

std::string describeSkipped(const std::vector<SkippedFiles>& skipped, std::size_t shown) {
    std::string line;
    for (const auto& g : skipped) {
        if (!line.empty()) line += "; ";
        line += g.reason + " " + std::to_string(g.count) + " (";
        const std::size_t listed = std::min(g.examples.size(), shown);
        for (std::size_t i = 0; i < listed; ++i)
            line += (i ? ", " : "") + g.examples[i];
        line += std::int64_t(listed) < g.count ? (listed ? ", ...)" : "...)") : ")";
    }
    return line;
}

} // namespace lv::analysis
