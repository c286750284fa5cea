#include "analysis/StatePipe.h"

#include <cstring>

namespace lv::analysis {

bool StatePipe::push(std::span<const std::byte> bytes) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return chunks_.size() < max_ || abandoned_; });
    if (abandoned_) return false;
    chunks_.emplace_back(bytes.begin(), bytes.end());
    changed_.notify_all();
    return true;
}

void StatePipe::close(bool complete) {
    std::lock_guard lock(mutex_);
    closed_ = true;
    complete_ = complete;
    changed_.notify_all();
}

std::size_t StatePipe::read(void* dst, std::size_t n) {
    auto* out = static_cast<std::byte*>(dst);
    std::size_t done = 0;
    std::unique_lock lock(mutex_);
    while (done < n) {
        changed_.wait(lock, [&] { return !chunks_.empty() || closed_; });
        if (chunks_.empty()) break; // closed and drained
        auto& front = chunks_.front();
        const std::size_t take = std::min(n - done, front.size() - offset_);
        std::memcpy(out + done, front.data() + offset_, take);
        done += take;
        offset_ += take;
        if (offset_ == front.size()) {
            chunks_.pop_front();
            offset_ = 0;
            changed_.notify_all();
        }
    }
    return done;
}

void StatePipe::abandon() {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    chunks_.clear();
    changed_.notify_all();
}

bool StatePipe::completed() const {
    std::lock_guard lock(mutex_);
    return closed_ && complete_;
}

} // namespace lv::analysis
