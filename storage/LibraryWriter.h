// The library's single writer: one connection on its own thread that runs
// submitted write jobs in submission order and hands results back as futures.
#pragma once

#include "storage/Connection.h"
#include "storage/Library.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

namespace lv::storage {

class LibraryWriter {
public:
    // Opens the writer connection now, so that a bad file fails here.
    explicit LibraryWriter(const Library& library);
    // Runs the jobs already queued, then stops the thread.
    ~LibraryWriter();
    LibraryWriter(const LibraryWriter&) = delete;
    LibraryWriter& operator=(const LibraryWriter&) = delete;

    // job(Connection&) runs on the writer thread; its result or exception
    // arrives through the future. A job that needs atomicity opens a Transaction.
    template <class Job>
    auto submit(Job&& job) -> std::future<std::invoke_result_t<std::decay_t<Job>&, Connection&>> {
        using Result = std::invoke_result_t<std::decay_t<Job>&, Connection&>;
        auto promise = std::make_shared<std::promise<Result>>();
        auto shared = std::make_shared<std::decay_t<Job>>(std::forward<Job>(job));
        std::future<Result> result = promise->get_future();
        enqueue([promise, shared](Connection& c) -> Completion {
            try {
                if constexpr (std::is_void_v<Result>) {
                    (*shared)(c);
                    return [promise] { promise->set_value(); };
                } else {
                    auto value = std::make_shared<Result>((*shared)(c));
                    return [promise, value] { promise->set_value(std::move(*value)); };
                }
            } catch (...) {
                return
                    [promise, error = std::current_exception()] { promise->set_exception(error); };
            }
        });
        return result;
    }

    // Jobs submitted and not yet finished.
    std::size_t pending() const;

private:
    // A job runs on the writer thread and returns how to hand its result over;
    // the hand-over happens after the job is counted as finished, so that
    // pending() is already lower when the caller's future becomes ready.
    using Completion = std::function<void()>;
    using Job = std::function<Completion(Connection&)>;

    void enqueue(Job job);
    void run(std::stop_token stop);

    Connection connection_;
    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::deque<Job> queue_;
    std::size_t running_ = 0;
    std::jthread thread_; // last: starts after everything it uses exists
};

} // namespace lv::storage
