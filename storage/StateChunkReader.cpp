#include "storage/StateChunkReader.h"

#include "storage/ChunkCodec.h"
#include "storage/Transaction.h"

#include <sqlite3.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace lv::storage {

namespace {

class BlobReader {
public:
    explicit BlobReader(Connection& c) : c_(&c) {}
    ~BlobReader() {
        if (blob_) sqlite3_blob_close(blob_);
    }
    BlobReader(const BlobReader&) = delete;
    BlobReader& operator=(const BlobReader&) = delete;

    // Reads the whole blob of state_chunks row `rowid` into `out`.
    void read(std::int64_t rowid, ByteBuffer& out, std::size_t size) {
        int rc = blob_ ? sqlite3_blob_reopen(blob_, rowid)
                       : sqlite3_blob_open(c_->handle(), "main", "state_chunks", "data", rowid, 0,
                                           &blob_);
        if (rc != SQLITE_OK) c_->fail(rc, "open chunk row " + std::to_string(rowid));
        if (static_cast<std::size_t>(sqlite3_blob_bytes(blob_)) != size)
            throw c_->error(StorageErrorKind::Corrupt, "chunk row changed while reading");
        out.reserve(size);
        if (size > 0) {
            rc = sqlite3_blob_read(blob_, out.data.get(), static_cast<int>(size), 0);
            if (rc != SQLITE_OK) c_->fail(rc, "read chunk row " + std::to_string(rowid));
        }
        out.size = size;
    }

private:
    Connection* c_;
    sqlite3_blob* blob_ = nullptr;
};

// A chunk read and decoded, waiting for its turn at the sink.
struct Decoded {
    ByteBuffer stored;
    ByteBuffer decoded;
    std::span<const std::byte> bytes;
    std::string problem;
};

void decode(const StoredChunk& chunk, Decoded& d) {
    d.bytes = decodeChunk(d.stored.bytes(), chunk.codec, chunk.rawBytes, chunk.checksum, chunk.seed,
                          d.decoded, d.problem);
    if (!d.problem.empty()) d.problem = "chunk " + std::to_string(chunk.ordinal) + ": " + d.problem;
}

} // namespace

std::string readChunks(Connection& connection, std::span<const StoredChunk> chunks,
                       const ChunkSink* sink) {
    BlobReader reader(connection);
    Decoded d;
    for (const StoredChunk& chunk : chunks) {
        reader.read(chunk.rowid, d.stored, chunk.storedBytes);
        decode(chunk, d);
        if (!d.problem.empty()) return d.problem;
        if (sink) (*sink)(d.bytes);
    }
    return {};
}

std::string readChunksInParallel(const std::filesystem::path& file,
                                 std::span<const StoredChunk> chunks, unsigned threads,
                                 const ChunkSink* sink) {
    if (threads < 2 || chunks.size() < 2) {
        Connection c(file, ConnectionOptions{Access::ReadOnly});
        Transaction read(c, TransactionMode::Deferred);
        std::string problem = readChunks(c, chunks, sink);
        read.commit();
        return problem;
    }
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, chunks.size()));
    // Readers run at most `window` chunks ahead of the sink: bounded memory.
    const std::size_t window = 2 * static_cast<std::size_t>(threads);

    std::mutex mutex;
    std::condition_variable_any changed;
    std::vector<std::optional<Decoded>> slots(chunks.size());
    std::size_t delivered = 0; // chunks handed to the sink so far
    std::exception_ptr failure;

    auto readEvery = [&](std::stop_token stop, unsigned first) {
        try {
            Connection c(file, ConnectionOptions{Access::ReadOnly});
            Transaction read(c, TransactionMode::Deferred);
            BlobReader reader(c);
            for (std::size_t k = first; k < chunks.size(); k += threads) {
                {
                    std::unique_lock lock(mutex);
                    if (!changed.wait(lock, stop, [&] { return k < delivered + window; })) return;
                }
                const StoredChunk& chunk = chunks[k];
                Decoded d;
                auto owner = c.statement(
                    "SELECT state_id, ordinal, length(data) FROM state_chunks WHERE id = ?");
                owner->bindAll(chunk.rowid);
                if (!owner->step() || owner->int64(0) != chunk.stateId ||
                    owner->int64(1) != chunk.ordinal ||
                    static_cast<std::size_t>(owner->int64(2)) != chunk.storedBytes) {
                    d.problem =
                        "chunk " + std::to_string(chunk.ordinal) + ": changed while being read";
                } else {
                    reader.read(chunk.rowid, d.stored, chunk.storedBytes);
                    decode(chunk, d);
                }
                const bool bad = !d.problem.empty();
                {
                    std::lock_guard lock(mutex);
                    slots[k] = std::move(d);
                }
                changed.notify_all();
                if (bad) return; // nothing after a bad chunk reaches the sink
            }
            read.commit();
        } catch (...) {
            {
                std::lock_guard lock(mutex);
                if (!failure) failure = std::current_exception();
            }
            changed.notify_all();
        }
    };

    std::vector<std::jthread> readers;
    readers.reserve(threads);
    for (unsigned t = 0; t < threads; ++t)
        readers.emplace_back([&readEvery, t](std::stop_token stop) { readEvery(stop, t); });
    auto stopReaders = [&] {
        for (auto& r : readers)
            r.request_stop();
        changed.notify_all();
        readers.clear(); // joins
    };

    std::string problem;
    try {
        for (std::size_t k = 0; k < chunks.size(); ++k) {
            Decoded d;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return slots[k].has_value() || failure; });
                if (!slots[k]) std::rethrow_exception(failure);
                d = std::move(*slots[k]);
                slots[k].reset();
            }
            if (!d.problem.empty()) {
                problem = std::move(d.problem);
                break;
            }
            if (sink) (*sink)(d.bytes);
            {
                std::lock_guard lock(mutex);
                ++delivered;
            }
            changed.notify_all();
        }
    } catch (...) {
        stopReaders();
        throw;
    }
    stopReaders();
    return problem;
}

} // namespace lv::storage
