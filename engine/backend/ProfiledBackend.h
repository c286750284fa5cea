// Where the time of a forward pass goes, op by op: every call of another backend runs
// between two synchronize() calls and its wall time is added to its op's total.
#pragma once

#include "backend/ForwardingBackend.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lv {

// Totals are kept per phase (the caller names it, e.g. "prefill" and "decode") and per op;
// products are told apart by their weight's shape ("linear 1536->6448"). Synchronising
// around each op adds one launch latency to each, which is noise beside a prefill chunk's
// ops and the point of a decode step's figures (how much of it is latency). Steps are not
// recorded: nothing would run at the time to be measured.
class ProfiledBackend final : public ForwardingBackend {
public:
    using ForwardingBackend::ForwardingBackend;

    struct Entry {
        std::string phase, op;
        std::int64_t calls = 0;
        double seconds = 0;
    };

    void setPhase(std::string phase) { phase_ = std::move(phase); }
    // Phases in the order they were first used, ops by total time within a phase.
    std::vector<Entry> entries() const;
    void clear();

    std::unique_ptr<RecordedStep> recordStep(std::int64_t pos0, const std::function<void()>& ops,
                                             std::string& whyNot) override;

protected:
    void around(const char* op, const Tensor* weight, const std::function<void()>& call) override;

private:
    std::string phase_ = "setup";
    std::vector<Entry> entries_;
    std::map<std::string, std::size_t> index_; // phase + '\0' + op -> entries_
    std::vector<std::string> phaseOrder_;
};

} // namespace lv
