// A fixed set of worker threads that run the index ranges of one job at a time.
// The CPU backend splits tokens, heads, channels or GEMM tiles over it.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace lv::cpu {

class ThreadPool {
public:
    // `threads` counts the calling thread too; 1 means no workers at all.
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return int(workers_.size()) + 1; }

    // Calls body(begin, end) over [0, count) in pieces of at most `grain` indices, on the
    // workers and on the calling thread, and returns when all pieces are done; the first
    // exception a piece throws is rethrown here. A call from inside a body (nested) or one
    // with a single piece runs serially on the calling thread.
    template <class Body> void parallelFor(std::int64_t count, std::int64_t grain, Body&& body) {
        using B = std::remove_reference_t<Body>;
        run(count, grain,
            Range{
                const_cast<void*>(static_cast<const void*>(&body)),
                [](void* obj, std::int64_t b, std::int64_t e) { (*static_cast<B*>(obj))(b, e); }});
    }

private:
    struct Range {
        void* obj = nullptr;
        void (*call)(void*, std::int64_t, std::int64_t) = nullptr;
    };

    void run(std::int64_t count, std::int64_t grain, Range body);
    void work();
    void workerLoop();

    std::vector<std::jthread> workers_;
    std::mutex submit_; // one job at a time when several threads share the backend

    // The current job, published by bumping generation_.
    Range body_;
    std::int64_t count_ = 0;
    std::int64_t grain_ = 1;
    std::atomic<std::int64_t> next_{0};
    std::atomic<int> active_{0};
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<bool> stopping_{false};
    std::mutex errorMutex_;
    std::exception_ptr error_;
};

} // namespace lv::cpu
