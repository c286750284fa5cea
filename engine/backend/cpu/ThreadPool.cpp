#include "backend/cpu/ThreadPool.h"

#include <algorithm>
#include <utility>

namespace lv::cpu {

namespace {
// Set while a thread runs a piece of a job, so that nested parallelFor calls run inline.
thread_local bool insideJob = false;
} // namespace

ThreadPool::ThreadPool(int threads) {
    const int workers = std::max(threads, 1) - 1;
    workers_.reserve(std::size_t(workers));
    for (int i = 0; i < workers; ++i)
        workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
    stopping_.store(true);
    generation_.fetch_add(1);
    generation_.notify_all();
    workers_.clear(); // joins
}

void ThreadPool::work() {
    insideJob = true;
    for (;;) {
        const std::int64_t begin = next_.fetch_add(grain_, std::memory_order_relaxed);
        if (begin >= count_) break;
        const std::int64_t end = std::min(count_, begin + grain_);
        try {
            body_.call(body_.obj, begin, end);
        } catch (...) {
            std::lock_guard lock(errorMutex_);
            if (!error_) error_ = std::current_exception();
            next_.store(count_, std::memory_order_relaxed); // stop handing out pieces
        }
    }
    insideJob = false;
}

void ThreadPool::workerLoop() {
    std::uint64_t seen = 0;
    for (;;) {
        generation_.wait(seen);
        seen = generation_.load();
        if (stopping_.load()) return;
        work();
        if (active_.fetch_sub(1) == 1) active_.notify_one();
    }
}

void ThreadPool::run(std::int64_t count, std::int64_t grain, Range body) {
    if (count <= 0) return;
    grain = std::max<std::int64_t>(grain, 1);
    if (workers_.empty() || insideJob || count <= grain) {
        for (std::int64_t b = 0; b < count; b += grain)
            body.call(body.obj, b, std::min(count, b + grain));
        return;
    }
    std::lock_guard lock(submit_);
    body_ = body;
    count_ = count;
    grain_ = grain;
    error_ = nullptr;
    next_.store(0);
    active_.store(int(workers_.size()));
    generation_.fetch_add(1);
    generation_.notify_all();
    work();
    for (int a = active_.load(); a != 0; a = active_.load())
        active_.wait(a);
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

} // namespace lv::cpu
