// Ctrl-C for long CLI jobs: the first SIGINT asks the running job to cancel
// cleanly (nothing half-made is stored); a second one ends the process.
#pragma once

#include "analysis/AnalysisService.h"

namespace lv::cli {

// Routes SIGINT to job.cancelRequested while alive; restores the old handler after.
class InterruptGuard {
public:
    explicit InterruptGuard(analysis::JobControl& job);
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
};

} // namespace lv::cli
