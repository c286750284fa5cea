#include "backend/ProfiledBackend.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace lv {

void ProfiledBackend::around(const char* op, const Tensor* weight,
                             const std::function<void()>& call) {
    std::string name = op;
    if (weight && weight->rank == 2) {
        char shape[48];
        std::snprintf(shape, sizeof shape, " %lld->%lld", static_cast<long long>(weight->shape[1]),
                      static_cast<long long>(weight->shape[0]));
        name += shape;
    }
    inner().synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    call();
    inner().synchronize();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string key = phase_;
    key += '\0';
    key += name;
    auto it = index_.find(key);
    if (it == index_.end()) {
        if (std::find(phaseOrder_.begin(), phaseOrder_.end(), phase_) == phaseOrder_.end())
            phaseOrder_.push_back(phase_);
        it = index_.emplace(key, entries_.size()).first;
        entries_.push_back({phase_, name, 0, 0.0});
    }
    Entry& e = entries_[it->second];
    ++e.calls;
    e.seconds += s;
}

std::vector<ProfiledBackend::Entry> ProfiledBackend::entries() const {
    std::vector<Entry> out = entries_;
    auto rank = [&](const std::string& phase) {
        return std::find(phaseOrder_.begin(), phaseOrder_.end(), phase) - phaseOrder_.begin();
    };
    std::stable_sort(out.begin(), out.end(), [&](const Entry& a, const Entry& b) {
        const auto ra = rank(a.phase), rb = rank(b.phase);
        return ra != rb ? ra < rb : a.seconds > b.seconds;
    });
    return out;
}

void ProfiledBackend::clear() {
    entries_.clear();
    index_.clear();
    phaseOrder_.clear();
}

std::unique_ptr<Backend::RecordedStep>
ProfiledBackend::recordStep(std::int64_t, const std::function<void()>&, std::string& whyNot) {
    whyNot = "profiling times every op on its own";
    return nullptr;
}

} // namespace lv
