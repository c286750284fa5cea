// A bounded byte pipe between the state cache, which pushes verified chunks from
// the writer thread, and Session::restore, which pulls bytes: a multi-gigabyte
// state streams from SQLite into the engine without one big buffer.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <span>
#include <vector>

namespace lv::analysis {

class StatePipe {
public:
    explicit StatePipe(std::size_t maxQueuedChunks = 4) : max_(maxQueuedChunks) {}

    // Producer side. Blocks while the queue is full; returns false once the reader
    // has abandoned the pipe (the producer should stop).
    bool push(std::span<const std::byte> bytes);
    // No more bytes will come; `complete` false means the producer failed.
    void close(bool complete);

    // Consumer side: fills up to n bytes, fewer only at the end.
    std::size_t read(void* dst, std::size_t n);
    void abandon();
    bool completed() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::vector<std::byte>> chunks_;
    std::size_t offset_ = 0; // into chunks_.front()
    std::size_t max_;
    bool closed_ = false;
    bool complete_ = false;
    bool abandoned_ = false;
};

} // namespace lv::analysis
