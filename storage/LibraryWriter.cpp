#include "storage/LibraryWriter.h"

namespace lv::storage {

LibraryWriter::LibraryWriter(const Library& library)
    : connection_(library.openWriter()),
      thread_([this](std::stop_token stop) { run(std::move(stop)); }) {}

LibraryWriter::~LibraryWriter() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
}

void LibraryWriter::enqueue(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (thread_.get_stop_token().stop_requested())
            throw connection_.error(StorageErrorKind::Other, "the library writer is shutting down");
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
}

std::size_t LibraryWriter::pending() const {
    std::lock_guard lock(mutex_);
    return queue_.size() + running_;
}

void LibraryWriter::run(std::stop_token stop) {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            // Wakes on a new job or on stop; after stop, drains what is queued.
            wake_.wait(lock, stop, [this] { return !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
            ++running_;
        }
        // Jobs catch their own exceptions: they travel to the caller's future.
        Completion complete = job(connection_);
        // A job that forgot to commit must not leak its transaction into the next.
        if (connection_.inTransaction()) {
            try {
                connection_.exec("ROLLBACK");
            } catch (...) {
            }
        }
        {
            std::lock_guard lock(mutex_);
            --running_;
        }
        complete();
    }
}

} // namespace lv::storage
