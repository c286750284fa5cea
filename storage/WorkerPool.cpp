#include "storage/WorkerPool.h"

#include <algorithm>

namespace lv::storage {

WorkerPool::WorkerPool(unsigned threads) {
    if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    threads_.reserve(threads);
    for (unsigned i = 0; i < threads; ++i)
        threads_.emplace_back([this](std::stop_token stop) { run(std::move(stop)); });
}

WorkerPool::~WorkerPool() {
    for (auto& t : threads_)
        t.request_stop();
    wake_.notify_all();
    threads_.clear(); // joins
}

void WorkerPool::run(std::stop_token stop) {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, stop, [this] { return !queue_.empty(); });
            if (queue_.empty()) return; // stopped and drained
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();
    }
}

} // namespace lv::storage
