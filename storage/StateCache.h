// The model-state cache: engine snapshots (opaque bytes) stored under
// (document hash, model fingerprint, prompt-prefix hash), streamed in checksummed,
// optionally compressed chunks, with a size budget and least-recently-used eviction.
#pragma once

#include "storage/ChunkCodec.h"
#include "storage/Connection.h"
#include "storage/WorkerPool.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lv::storage {

struct StateKey {
    std::string documentHash;
    std::string modelFingerprint;
    std::string prefixHash; // hash of the prompt prefix the state was read with
};

struct StateInfo {
    std::int64_t id = 0;
    StateKey key;
    std::uint64_t totalBytes = 0;  // the state's size
    std::uint64_t storedBytes = 0; // after compression
    std::int64_t chunkCount = 0;
    std::string metadataJson;   // caller's data (token count, dtype...), JSON
    std::int64_t createdAt = 0; // ms since the epoch
    std::int64_t lastUsed = 0;  // ms since the epoch, strictly increasing per use
};

enum class StateLoadStatus {
    Loaded,       // every chunk verified and handed to the sink
    NotFound,     // no state for this key
    ForeignModel, // a state for this document and prefix exists, made by another model
    Corrupt,      // a chunk failed its checks; the state was dropped when possible
};

const char* stateLoadStatusName(StateLoadStatus status);

struct StateLoadResult {
    StateLoadStatus status = StateLoadStatus::NotFound;
    std::optional<StateInfo> info; // the state found (for ForeignModel: the other model's)
    std::string message;           // why it was not loaded: names the state and the problem
    bool dropped = false;          // a corrupt state was deleted from the library

    bool loaded() const { return status == StateLoadStatus::Loaded; }
};

// Receives a state's bytes in order, one verified chunk at a time.
using StateSink = std::function<void(std::span<const std::byte>)>;

struct StateCacheOptions {
    std::size_t chunkBytes = std::size_t{4} << 20;
    // Sum of stored sizes the cache may hold; saving evicts the least recently
    // used states beyond it (never the state being saved).
    std::uint64_t budgetBytes = std::uint64_t{16} << 30;
    CompressionPolicy compression = CompressionPolicy::Auto;
    int zstdLevel = 1;
    // Compresses and checksums chunks while SQLite stores the previous ones.
    // Null: a save makes its own pool for its duration.
    std::shared_ptr<WorkerPool> workers;
    // Read-only connections that read (and verify, and decompress) a state's
    // chunks at once; more reads in flight make cold loads several times
    // faster. 0 or 1: read through the cache's own connection.
    unsigned readThreads = 4;
};

class StateCache;

// One state being saved: write() its bytes in any pieces, then commit(). The
// whole save is one transaction: until commit() nobody sees the new state, and
// a crash or an error leaves the library as it was (old state included).
// Use it on the connection's thread only.
class StateWriter {
public:
    StateWriter(StateWriter&&) noexcept;
    StateWriter& operator=(StateWriter&&) noexcept;
    ~StateWriter(); // abandons an uncommitted save

    void write(std::span<const std::byte> bytes);
    // Stores the last chunk, evicts down to the budget, commits.
    StateInfo commit();
    void abandon();
    std::uint64_t bytesWritten() const;

private:
    friend class StateCache;
    struct Impl;
    explicit StateWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

class StateCache {
public:
    // Loads update last_used and drop corrupt states only through a read-write
    // connection; through a reader they only read.
    explicit StateCache(Connection& connection, StateCacheOptions options = {});

    // Starts a save that replaces any state under the same key when committed.
    StateWriter beginSave(const StateKey& key, std::string metadataJson = "{}");
    StateInfo save(const StateKey& key, std::span<const std::byte> state,
                   std::string metadataJson = "{}");

    // Streams the state to the sink. The sink only ever sees chunks that passed
    // their checksum, but a later chunk can still fail: unless the result is
    // Loaded, the caller must discard what the sink received. A foreign or
    // missing state never reaches the sink.
    StateLoadResult load(const StateKey& key, const StateSink& sink);
    StateLoadResult loadById(std::int64_t id, std::string_view expectedFingerprint,
                             const StateSink& sink);
    // Fills `out` only when the result is Loaded (else leaves it empty).
    StateLoadResult loadToMemory(const StateKey& key, std::vector<std::byte>& out);
    // Reads and checks every chunk of a state; changes nothing.
    StateLoadResult verify(std::int64_t id);

    std::optional<StateInfo> find(const StateKey& key);
    std::vector<StateInfo> list(); // most recently used first
    bool remove(std::int64_t id);
    std::int64_t removeForDocumentHash(std::string_view documentHash);
    std::uint64_t storedBytes();
    // Removes least recently used states until the stored total fits the budget;
    // returns what it removed.
    std::vector<StateInfo> evictToBudget(std::uint64_t budgetBytes,
                                         std::optional<std::int64_t> keep = std::nullopt);

    const StateCacheOptions& options() const { return options_; }

private:
    StateLoadResult loadInfo(const StateInfo& info, const StateSink* sink, bool touchAndDrop);
    void touch(std::int64_t id);

    Connection* c_;
    StateCacheOptions options_;
};

} // namespace lv::storage
