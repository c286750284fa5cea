#include "storage/StateCache.h"

#include "storage/Clock.h"
#include "storage/StateChunkReader.h"
#include "storage/Transaction.h"

#include <sqlite3.h>
#include <xxhash.h>

#include <cstring>
#include <deque>
#include <limits>
#include <stdexcept>

namespace lv::storage {

namespace {

constexpr const char* kStateColumns =
    "id, document_hash, model_fingerprint, prefix_hash, total_bytes, stored_bytes, chunk_count, "
    "metadata, created_at, last_used";

// A use time that is at least now and later than every other state's, so that
// the LRU order is exact even for uses within the same millisecond.
constexpr const char* kNextUse = "max(?, (SELECT coalesce(max(last_used), 0) FROM states) + 1)";

// Chunks larger than this would run into SQLite's blob limit (10^9 bytes here).
constexpr std::size_t kMaxChunkBytes = std::size_t{256} << 20;

StateInfo readState(Statement& s) {
    StateInfo info;
    info.id = s.int64(0);
    info.key.documentHash = s.text(1);
    info.key.modelFingerprint = s.text(2);
    info.key.prefixHash = s.text(3);
    info.totalBytes = static_cast<std::uint64_t>(s.int64(4));
    info.storedBytes = static_cast<std::uint64_t>(s.int64(5));
    info.chunkCount = s.int64(6);
    info.metadataJson = s.text(7);
    info.createdAt = s.int64(8);
    info.lastUsed = s.int64(9);
    return info;
}

std::uint64_t keySeed(const StateKey& key) {
    std::string joined = key.documentHash;
    joined += '\0';
    joined += key.modelFingerprint;
    joined += '\0';
    joined += key.prefixHash;
    return XXH3_64bits(joined.data(), joined.size());
}

std::uint64_t chunkSeed(std::uint64_t base, std::int64_t ordinal) {
    return base + 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(ordinal + 1);
}

std::string describe(const StateInfo& info) {
    auto shortHash = [](const std::string& h) { return h.size() > 12 ? h.substr(0, 12) : h; };
    return "state " + std::to_string(info.id) + " (document " + shortHash(info.key.documentHash) +
           ", model " + info.key.modelFingerprint + ")";
}

void validateKey(Connection& c, const StateKey& key) {
    if (key.documentHash.empty() || key.modelFingerprint.empty())
        throw c.error(StorageErrorKind::InvalidArgument,
                      "a state key needs a document hash and a model fingerprint");
}

} // namespace

const char* stateLoadStatusName(StateLoadStatus status) {
    switch (status) {
    case StateLoadStatus::Loaded:
        return "loaded";
    case StateLoadStatus::NotFound:
        return "not found";
    case StateLoadStatus::ForeignModel:
        return "foreign model";
    case StateLoadStatus::Corrupt:
        return "corrupt";
    }
    return "unknown";
}

// ---------------------------------------------------------------------------
// StateWriter

struct StateWriter::Impl {
    Connection* c = nullptr;
    StateCacheOptions options;
    StateKey key;
    std::unique_ptr<Transaction> tx;
    std::shared_ptr<WorkerPool> workers; // null: encode on the caller's thread
    std::int64_t stateId = 0;
    std::uint64_t seedBase = 0;

    struct Pending {
        std::int64_t ordinal = 0;
        ByteBuffer raw;
        std::optional<EncodedChunk> ready;
        std::future<EncodedChunk> encoded;
    };
    ByteBuffer filling;
    std::vector<ByteBuffer> spareRaw;
    std::vector<ByteBuffer> spareCompressed;
    std::deque<Pending> inFlight;
    std::size_t maxInFlight = 1;
    std::int64_t nextOrdinal = 0;
    std::uint64_t total = 0;
    std::uint64_t stored = 0;
    bool open = true;

    ByteBuffer takeBuffer(std::vector<ByteBuffer>& spares) {
        if (spares.empty()) return {};
        ByteBuffer b = std::move(spares.back());
        spares.pop_back();
        b.size = 0;
        return b;
    }

    void ensureFilling() {
        if (filling.capacity == 0) {
            filling = takeBuffer(spareRaw);
            filling.reserve(options.chunkBytes);
        }
    }

    void dispatch() {
        Pending p;
        p.ordinal = nextOrdinal++;
        p.raw = std::move(filling);
        filling = {};
        const std::span<const std::byte> raw = p.raw.bytes();
        const std::uint64_t seed = chunkSeed(seedBase, p.ordinal);
        if (!workers) {
            p.ready = encodeChunk(raw, seed, options.compression, options.zstdLevel);
        } else {
            p.encoded =
                workers->submit([raw, seed, policy = options.compression, level = options.zstdLevel,
                                 scratch = takeBuffer(spareCompressed)]() mutable {
                    return encodeChunk(raw, seed, policy, level, std::move(scratch));
                });
        }
        inFlight.push_back(std::move(p));
        while (inFlight.size() > maxInFlight)
            storeOldest();
    }

    void storeOldest() {
        Pending p = std::move(inFlight.front());
        inFlight.pop_front();
        EncodedChunk e = p.ready ? std::move(*p.ready) : p.encoded.get();
        const bool compressed = e.codec == ChunkCodec::Zstd;
        const std::span<const std::byte> bytes = compressed ? e.compressed.bytes() : p.raw.bytes();
        {
            auto s = c->statement("INSERT INTO state_chunks (state_id, ordinal, raw_bytes, codec, "
                                  "checksum, data) VALUES (?, ?, ?, ?, ?, ?)");
            s->bind(1, stateId)
                .bind(2, p.ordinal)
                .bind(3, static_cast<std::int64_t>(p.raw.size))
                .bind(4, static_cast<std::int64_t>(e.codec))
                .bind(5, static_cast<std::int64_t>(e.checksum))
                .bindBlobUncopied(6, bytes);
            s->run();
        } // the lease resets the statement before the buffers are reused
        stored += bytes.size();
        spareRaw.push_back(std::move(p.raw));
        if (compressed) spareCompressed.push_back(std::move(e.compressed));
    }

    // Waits for the encoders so that no task still reads a buffer we free.
    void waitForEncoders() noexcept {
        for (Pending& p : inFlight)
            if (p.encoded.valid()) p.encoded.wait();
        inFlight.clear();
    }
};

StateWriter::StateWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateWriter::StateWriter(StateWriter&&) noexcept = default;

StateWriter& StateWriter::operator=(StateWriter&& other) noexcept {
    if (this != &other) {
        abandon();
        impl_ = std::move(other.impl_);
    }
    return *this;
}

StateWriter::~StateWriter() {
    abandon();
}

void StateWriter::write(std::span<const std::byte> bytes) {
    if (!impl_) throw std::logic_error("StateWriter::write on a moved-from writer");
    Impl& w = *impl_;
    if (!w.open) throw w.c->error(StorageErrorKind::Other, "write to a finished state save");
    auto op = w.c->operation("save state");
    try {
        while (!bytes.empty()) {
            w.ensureFilling();
            const std::size_t room = w.options.chunkBytes - w.filling.size;
            const std::size_t n = std::min(room, bytes.size());
            std::memcpy(w.filling.data.get() + w.filling.size, bytes.data(), n);
            w.filling.size += n;
            w.total += n;
            bytes = bytes.subspan(n);
            if (w.filling.size == w.options.chunkBytes) w.dispatch();
        }
    } catch (...) {
        abandon();
        throw;
    }
}

std::uint64_t StateWriter::bytesWritten() const {
    return impl_ ? impl_->total : 0;
}

StateInfo StateWriter::commit() {
    if (!impl_) throw std::logic_error("StateWriter::commit on a moved-from writer");
    Impl& w = *impl_;
    if (!w.open) throw w.c->error(StorageErrorKind::Other, "commit of a finished state save");
    auto op = w.c->operation("save state");
    try {
        if (w.filling.size > 0) w.dispatch();
        while (!w.inFlight.empty())
            w.storeOldest();
        {
            auto s =
                w.c->statement(std::string("UPDATE states SET total_bytes = ?, stored_bytes = ?, "
                                           "chunk_count = ?, last_used = ") +
                               kNextUse + " WHERE id = ?");
            s->bindAll(static_cast<std::int64_t>(w.total), static_cast<std::int64_t>(w.stored),
                       w.nextOrdinal, nowMilliseconds(), w.stateId)
                .run();
        }
        StateCache cache(*w.c, w.options);
        cache.evictToBudget(w.options.budgetBytes, w.stateId);
        StateInfo info;
        {
            auto s = w.c->statement(std::string("SELECT ") + kStateColumns +
                                    " FROM states WHERE id = ?");
            s->bindAll(w.stateId);
            s->step();
            info = readState(*s);
        }
        w.tx->commit();
        w.open = false;
        w.tx.reset();
        return info;
    } catch (...) {
        abandon();
        throw;
    }
}

void StateWriter::abandon() {
    if (!impl_ || !impl_->open) return;
    Impl& w = *impl_;
    w.open = false;
    w.waitForEncoders();
    w.tx.reset(); // rolls back
}

// ---------------------------------------------------------------------------
// StateCache

StateCache::StateCache(Connection& connection, StateCacheOptions options)
    : c_(&connection), options_(std::move(options)) {}

StateWriter StateCache::beginSave(const StateKey& key, std::string metadataJson) {
    auto op = c_->operation("save state");
    validateKey(*c_, key);
    if (options_.chunkBytes == 0 || options_.chunkBytes > kMaxChunkBytes)
        throw c_->error(StorageErrorKind::InvalidArgument,
                        "chunk size " + std::to_string(options_.chunkBytes) + " is outside 1.." +
                            std::to_string(kMaxChunkBytes));
    auto w = std::make_unique<StateWriter::Impl>();
    w->c = c_;
    w->options = options_;
    w->key = key;
    w->seedBase = keySeed(key);
    if (options_.compression != CompressionPolicy::Never) {
        w->workers = options_.workers ? options_.workers : std::make_shared<WorkerPool>();
        w->maxInFlight = w->workers->size() + 1;
    }
    w->tx = std::make_unique<Transaction>(*c_, TransactionMode::Immediate);
    {
        auto drop = c_->statement("DELETE FROM states WHERE document_hash = ? AND "
                                  "model_fingerprint = ? AND prefix_hash = ?");
        drop->bindAll(key.documentHash, key.modelFingerprint, key.prefixHash).run();
    }
    {
        const std::int64_t now = nowMilliseconds();
        auto insert = c_->statement(
            "INSERT INTO states (document_hash, model_fingerprint, prefix_hash, total_bytes, "
            "stored_bytes, chunk_count, metadata, created_at, last_used) "
            "VALUES (?, ?, ?, 0, 0, 0, ?, ?, ?)");
        insert
            ->bindAll(key.documentHash, key.modelFingerprint, key.prefixHash, metadataJson, now,
                      now)
            .run();
        w->stateId = c_->lastInsertRowId();
    }
    return StateWriter(std::move(w));
}

StateInfo StateCache::save(const StateKey& key, std::span<const std::byte> state,
                           std::string metadataJson) {
    StateWriter writer = beginSave(key, std::move(metadataJson));
    writer.write(state);
    return writer.commit();
}

std::optional<StateInfo> StateCache::find(const StateKey& key) {
    auto op = c_->operation("find state");
    auto s = c_->statement(std::string("SELECT ") + kStateColumns +
                           " FROM states WHERE document_hash = ? AND model_fingerprint = ? AND "
                           "prefix_hash = ?");
    s->bindAll(key.documentHash, key.modelFingerprint, key.prefixHash);
    if (!s->step()) return std::nullopt;
    return readState(*s);
}

StateLoadResult StateCache::load(const StateKey& key, const StateSink& sink) {
    auto op = c_->operation("load state");
    validateKey(*c_, key);
    if (auto info = find(key)) return loadInfo(*info, &sink, true);

    StateLoadResult result;
    auto s = c_->statement(std::string("SELECT ") + kStateColumns +
                           " FROM states WHERE document_hash = ? AND prefix_hash = ? "
                           "ORDER BY last_used DESC LIMIT 1");
    s->bindAll(key.documentHash, key.prefixHash);
    if (s->step()) {
        result.status = StateLoadStatus::ForeignModel;
        result.info = readState(*s);
        result.message = describe(*result.info) + " was made by model " +
                         result.info->key.modelFingerprint + ", not " + key.modelFingerprint +
                         ": refused";
    } else {
        result.status = StateLoadStatus::NotFound;
        result.message = "no cached state for this document, model and prompt prefix";
    }
    return result;
}

StateLoadResult StateCache::loadById(std::int64_t id, std::string_view expectedFingerprint,
                                     const StateSink& sink) {
    auto op = c_->operation("load state " + std::to_string(id));
    std::optional<StateInfo> info;
    {
        auto s =
            c_->statement(std::string("SELECT ") + kStateColumns + " FROM states WHERE id = ?");
        s->bindAll(id);
        if (s->step()) info = readState(*s);
    }
    StateLoadResult result;
    if (!info) {
        result.message = "no cached state with id " + std::to_string(id);
        return result;
    }
    if (info->key.modelFingerprint != expectedFingerprint) {
        result.status = StateLoadStatus::ForeignModel;
        result.message = describe(*info) + " was made by model " + info->key.modelFingerprint +
                         ", not " + std::string(expectedFingerprint) + ": refused";
        result.info = std::move(info);
        return result;
    }
    return loadInfo(*info, &sink, true);
}

StateLoadResult StateCache::loadToMemory(const StateKey& key, std::vector<std::byte>& out) {
    out.clear();
    std::optional<StateInfo> info = find(key);
    // The size comes from the library; trust it for reserving only up to a sane bound.
    if (info && info->totalBytes <= (std::uint64_t{64} << 30))
        out.reserve(static_cast<std::size_t>(info->totalBytes));
    StateLoadResult result = load(key, [&out](std::span<const std::byte> bytes) {
        out.insert(out.end(), bytes.begin(), bytes.end());
    });
    if (!result.loaded()) {
        out.clear();
        out.shrink_to_fit();
    }
    return result;
}

StateLoadResult StateCache::verify(std::int64_t id) {
    auto op = c_->operation("verify state " + std::to_string(id));
    std::optional<StateInfo> info;
    {
        auto s =
            c_->statement(std::string("SELECT ") + kStateColumns + " FROM states WHERE id = ?");
        s->bindAll(id);
        if (s->step()) info = readState(*s);
    }
    if (!info) {
        StateLoadResult result;
        result.message = "no cached state with id " + std::to_string(id);
        return result;
    }
    return loadInfo(*info, nullptr, false);
}

StateLoadResult StateCache::loadInfo(const StateInfo& info, const StateSink* sink,
                                     bool touchAndDrop) {
    StateLoadResult result;
    result.info = info;
    const std::uint64_t seedBase = keySeed(info.key);
    std::string problem;
    std::vector<StoredChunk> chunks;
    // A connection with uncommitted writes is the only one that sees them.
    const bool ownWritesPending = sqlite3_txn_state(c_->handle(), "main") == SQLITE_TXN_WRITE;
    const bool parallel = options_.readThreads > 1 && !ownWritesPending && info.chunkCount > 2;
    {
        Transaction read(*c_, TransactionMode::Deferred);
        {
            auto rows = c_->statement("SELECT id, ordinal, raw_bytes, codec, checksum, "
                                      "length(data) FROM state_chunks WHERE state_id = ? "
                                      "ORDER BY ordinal");
            rows->bindAll(info.id);
            std::uint64_t total = 0;
            while (rows->step()) {
                StoredChunk chunk;
                chunk.rowid = rows->int64(0);
                chunk.stateId = info.id;
                chunk.ordinal = rows->int64(1);
                const std::int64_t rawBytes = rows->int64(2);
                chunk.codec = rows->int64(3);
                chunk.checksum = static_cast<std::uint64_t>(rows->int64(4));
                const std::int64_t length = rows->int64(5);
                const auto expected = static_cast<std::int64_t>(chunks.size());
                if (chunk.ordinal != expected) {
                    problem = "chunk " + std::to_string(expected) + ": missing";
                    break;
                }
                if (rawBytes < 0 || length < 0 ||
                    static_cast<std::uint64_t>(rawBytes) > info.totalBytes - total) {
                    problem = "chunk " + std::to_string(expected) + ": size " +
                              std::to_string(rawBytes) + " does not fit the state's " +
                              std::to_string(info.totalBytes);
                    break;
                }
                chunk.rawBytes = static_cast<std::uint64_t>(rawBytes);
                chunk.storedBytes = static_cast<std::size_t>(length);
                chunk.seed = chunkSeed(seedBase, chunk.ordinal);
                total += chunk.rawBytes;
                chunks.push_back(chunk);
            }
            if (problem.empty() && (static_cast<std::int64_t>(chunks.size()) != info.chunkCount ||
                                    total != info.totalBytes))
                problem = "holds " + std::to_string(chunks.size()) + " chunks and " +
                          std::to_string(total) + " bytes, expected " +
                          std::to_string(info.chunkCount) + " chunks and " +
                          std::to_string(info.totalBytes) + " bytes";
        }
        // Nothing reaches the sink unless the list of chunks is whole.
        if (problem.empty() && !parallel) problem = readChunks(*c_, chunks, sink);
        read.commit();
    }
    if (problem.empty() && parallel)
        problem = readChunksInParallel(c_->file(), chunks, options_.readThreads, sink);

    if (!problem.empty()) {
        // Replaced or removed by another connection while it was read: not corrupt.
        auto still = c_->statement("SELECT 1 FROM states WHERE id = ?");
        still->bindAll(info.id);
        if (!still->step()) {
            result.status = StateLoadStatus::NotFound;
            result.message = describe(info) + " was removed while it was being read";
            return result;
        }
    }

    const bool writable = c_->access() == Access::ReadWrite;
    if (!problem.empty()) {
        result.status = StateLoadStatus::Corrupt;
        result.message = describe(info) + " is corrupt: " + problem;
        if (touchAndDrop && writable) {
            try {
                result.dropped = remove(info.id);
                result.message += "; dropped from the cache";
            } catch (const StorageError& e) {
                result.message += std::string("; could not drop it: ") + e.what();
            }
        }
        return result;
    }
    result.status = StateLoadStatus::Loaded;
    if (touchAndDrop && writable) {
        try {
            touch(info.id);
            auto s = c_->statement("SELECT last_used FROM states WHERE id = ?");
            s->bindAll(info.id);
            if (s->step()) result.info->lastUsed = s->int64(0);
        } catch (const StorageError&) {
            // last_used only orders eviction; a state that loaded fine stays loaded
            // even when the disk is too full to record the use.
        }
    }
    return result;
}

void StateCache::touch(std::int64_t id) {
    auto s =
        c_->statement(std::string("UPDATE states SET last_used = ") + kNextUse + " WHERE id = ?");
    s->bindAll(nowMilliseconds(), id).run();
}

std::vector<StateInfo> StateCache::list() {
    auto op = c_->operation("list states");
    auto s = c_->statement(std::string("SELECT ") + kStateColumns +
                           " FROM states ORDER BY last_used DESC, id DESC");
    std::vector<StateInfo> out;
    while (s->step())
        out.push_back(readState(*s));
    return out;
}

bool StateCache::remove(std::int64_t id) {
    auto op = c_->operation("remove state " + std::to_string(id));
    Transaction tx(*c_);
    auto s = c_->statement("DELETE FROM states WHERE id = ?");
    s->bindAll(id).run();
    const bool removed = c_->changes() > 0;
    tx.commit();
    return removed;
}

std::int64_t StateCache::removeForDocumentHash(std::string_view documentHash) {
    auto op = c_->operation("remove states of a document");
    Transaction tx(*c_);
    auto s = c_->statement("DELETE FROM states WHERE document_hash = ?");
    s->bindAll(documentHash).run();
    const std::int64_t removed = c_->changes();
    tx.commit();
    return removed;
}

std::uint64_t StateCache::storedBytes() {
    auto s = c_->statement("SELECT coalesce(sum(stored_bytes), 0) FROM states");
    s->step();
    return static_cast<std::uint64_t>(s->int64(0));
}

std::vector<StateInfo> StateCache::evictToBudget(std::uint64_t budgetBytes,
                                                 std::optional<std::int64_t> keep) {
    auto op = c_->operation("evict states over the budget");
    Transaction tx(*c_);
    std::uint64_t total = storedBytes();
    std::vector<StateInfo> evicted;
    if (total > budgetBytes) {
        std::vector<StateInfo> oldestFirst;
        {
            auto s = c_->statement(std::string("SELECT ") + kStateColumns +
                                   " FROM states ORDER BY last_used ASC, id ASC");
            while (s->step())
                oldestFirst.push_back(readState(*s));
        }
        for (StateInfo& info : oldestFirst) {
            if (total <= budgetBytes) break;
            if (keep && info.id == *keep) continue;
            auto drop = c_->statement("DELETE FROM states WHERE id = ?");
            drop->bindAll(info.id).run();
            total -= std::min(total, info.storedBytes);
            evicted.push_back(std::move(info));
        }
    }
    tx.commit();
    return evicted;
}

} // namespace lv::storage
