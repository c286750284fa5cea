// A fixed set of threads running submitted tasks; results come back as futures.
// The state cache uses it to compress and checksum chunks while SQLite writes.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace lv::storage {

class WorkerPool {
public:
    // threads == 0: one per hardware thread, at most 8.
    explicit WorkerPool(unsigned threads = 0);
    ~WorkerPool(); // finishes queued tasks

    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    unsigned size() const { return static_cast<unsigned>(threads_.size()); }

    template <class Task>
    auto submit(Task&& task) -> std::future<std::invoke_result_t<std::decay_t<Task>&>> {
        using Result = std::invoke_result_t<std::decay_t<Task>&>;
        auto packaged = std::make_shared<std::packaged_task<Result()>>(std::forward<Task>(task));
        std::future<Result> result = packaged->get_future();
        {
            std::lock_guard lock(mutex_);
            queue_.push_back([packaged] { (*packaged)(); });
        }
        wake_.notify_one();
        return result;
    }

private:
    void run(std::stop_token stop);

    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::deque<std::function<void()>> queue_;
    std::vector<std::jthread> threads_;
};

} // namespace lv::storage
