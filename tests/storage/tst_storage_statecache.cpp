// The model-state cache: streamed round trips at awkward sizes, compression
// flags, corruption and foreign states refused, LRU eviction, abandoned saves.

#include "StorageTestSupport.h"

#include "storage/Library.h"
#include "storage/StateCache.h"
#include "storage/StateChunkReader.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

#include "storage/Transaction.h"

using namespace lv::storage;
using namespace lv::storage::test;

namespace {

constexpr std::size_t kChunk = 64 * 1024; // small chunks: many of them in a small state

StateCacheOptions smallChunks(CompressionPolicy policy = CompressionPolicy::Auto) {
    StateCacheOptions o;
    o.chunkBytes = kChunk;
    o.compression = policy;
    o.workers = std::make_shared<WorkerPool>(3);
    return o;
}

const StateKey kKey{"doc-sha256", "granite-4.0-h-1b@cfg1234", "prefix-aa"};

// Flips one bit of the stored bytes of chunk `ordinal` of state `stateId`.
void flipStoredByte(Connection& c, std::int64_t stateId, std::int64_t ordinal) {
    auto s = c.statement("SELECT id FROM state_chunks WHERE state_id = ? AND ordinal = ?");
    s->bindAll(stateId, ordinal);
    QVERIFY(s->step());
    const auto rowid = s->int64(0);
    sqlite3_blob* blob = nullptr;
    QCOMPARE(sqlite3_blob_open(c.handle(), "main", "state_chunks", "data", rowid, 1, &blob),
             SQLITE_OK);
    const int at = sqlite3_blob_bytes(blob) / 3;
    unsigned char byte = 0;
    QCOMPARE(sqlite3_blob_read(blob, &byte, 1, at), SQLITE_OK);
    byte ^= 0x04;
    QCOMPARE(sqlite3_blob_write(blob, &byte, 1, at), SQLITE_OK);
    sqlite3_blob_close(blob);
}

std::int64_t codecOf(Connection& c, std::int64_t stateId, std::int64_t ordinal) {
    auto s = c.statement("SELECT codec FROM state_chunks WHERE state_id = ? AND ordinal = ?");
    s->bindAll(stateId, ordinal);
    if (!s->step()) return -1;
    return s->int64(0);
}

} // namespace

class StateCacheTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int fileIndex_ = 0;
    std::optional<Library> library_;

private slots:
    void init() {
        std::string name = "lib";
        name += std::to_string(++fileIndex_);
        name += ".db";
        library_.emplace(Library::open(libraryIn(dir_, name.c_str())));
    }

    void roundTripsAtEverySizeAndPiecing_data() {
        QTest::addColumn<qulonglong>("size");
        QTest::addColumn<qulonglong>("piece");
        QTest::addColumn<int>("policy");
        const qulonglong sizes[] = {0, 1, kChunk - 1, kChunk, kChunk + 1, 5 * kChunk + 12345};
        for (qulonglong size : sizes)
            for (qulonglong piece : {qulonglong{1000}, qulonglong{kChunk}, qulonglong{3 * kChunk}})
                for (int policy : {0, 1, 2})
                    QTest::addRow("size %llu piece %llu policy %d", size, piece, policy)
                        << size << piece << policy;
    }

    void roundTripsAtEverySizeAndPiecing() {
        QFETCH(qulonglong, size);
        QFETCH(qulonglong, piece);
        QFETCH(int, policy);
        Connection c = library_->openWriter();
        StateCache cache(c, smallChunks(static_cast<CompressionPolicy>(policy)));
        const auto bytes = stateLikeBytes(size, size + piece);
        StateWriter w = cache.beginSave(kKey, R"({"tokens": 1234})");
        for (std::size_t at = 0; at < bytes.size(); at += piece)
            w.write(std::span(bytes).subspan(at, std::min<std::size_t>(piece, bytes.size() - at)));
        QCOMPARE(w.bytesWritten(), std::uint64_t(size));
        const StateInfo info = w.commit();
        QCOMPARE(info.totalBytes, std::uint64_t(size));
        QCOMPARE(info.chunkCount, std::int64_t((size + kChunk - 1) / kChunk));
        QCOMPARE(info.metadataJson, std::string(R"({"tokens": 1234})"));
        QCOMPARE(info.key.modelFingerprint, kKey.modelFingerprint);

        std::vector<std::byte> back;
        std::size_t calls = 0;
        const StateLoadResult r = cache.load(kKey, [&](std::span<const std::byte> b) {
            ++calls;
            back.insert(back.end(), b.begin(), b.end());
        });
        QVERIFY2(r.loaded(), r.message.c_str());
        QCOMPARE(calls, std::size_t(info.chunkCount));
        QVERIFY(back == bytes);
        QVERIFY(r.info->lastUsed > info.lastUsed);
        QVERIFY(cache.verify(info.id).loaded());
    }

    void compressionIsUsedWhenItPays() {
        Connection c = library_->openWriter();
        StateCache cache(c, smallChunks(CompressionPolicy::Auto));
        // Chunk 0..3: float32 (barely compressible), 4..7: bf16 (compressible),
        // 8: zeros; random bytes never compress.
        auto bytes = stateLikeBytes(8 * kChunk, 7);
        bytes.resize(9 * kChunk, std::byte{0});
        const StateInfo mixed = cache.save({"d", "m", "mixed"}, bytes);
        QCOMPARE(codecOf(c, mixed.id, 0), std::int64_t(ChunkCodec::Raw));
        QCOMPARE(codecOf(c, mixed.id, 5), std::int64_t(ChunkCodec::Zstd));
        QCOMPARE(codecOf(c, mixed.id, 8), std::int64_t(ChunkCodec::Zstd));
        QVERIFY(mixed.storedBytes < mixed.totalBytes);

        const StateInfo noise = cache.save({"d", "m", "noise"}, randomBytes(4 * kChunk, 8));
        for (int k = 0; k < 4; ++k)
            QCOMPARE(codecOf(c, noise.id, k), std::int64_t(ChunkCodec::Raw));
        QCOMPARE(noise.storedBytes, noise.totalBytes);

        StateCache never(c, smallChunks(CompressionPolicy::Never));
        const StateInfo raw = never.save({"d", "m", "raw"}, std::vector<std::byte>(2 * kChunk));
        QCOMPARE(codecOf(c, raw.id, 0), std::int64_t(ChunkCodec::Raw));

        std::vector<std::byte> back;
        QVERIFY(cache.loadToMemory({"d", "m", "mixed"}, back).loaded());
        QVERIFY(back == bytes);
    }

    void aFlippedByteIsDetectedAndTheStateDropped_data() {
        QTest::addColumn<int>("policy");
        QTest::addColumn<int>("chunk");
        QTest::newRow("raw chunk 0") << int(CompressionPolicy::Never) << 0;
        QTest::newRow("raw chunk 3") << int(CompressionPolicy::Never) << 3;
        QTest::newRow("compressed chunk 2") << int(CompressionPolicy::Always) << 2;
        QTest::newRow("last chunk") << int(CompressionPolicy::Never) << 5;
    }

    void aFlippedByteIsDetectedAndTheStateDropped() {
        QFETCH(int, policy);
        QFETCH(int, chunk);
        Connection c = library_->openWriter();
        StateCache cache(c, smallChunks(static_cast<CompressionPolicy>(policy)));
        const auto bytes = stateLikeBytes(5 * kChunk + 100, 9);
        const StateInfo info = cache.save(kKey, bytes);
        if (policy == int(CompressionPolicy::Always))
            QCOMPARE(codecOf(c, info.id, chunk), std::int64_t(ChunkCodec::Zstd));
        flipStoredByte(c, info.id, chunk);

        QVERIFY(!cache.verify(info.id).loaded()); // verify changes nothing
        QVERIFY(cache.find(kKey));

        std::vector<std::byte> received;
        const StateLoadResult r = cache.load(kKey, [&](std::span<const std::byte> b) {
            received.insert(received.end(), b.begin(), b.end());
        });
        QCOMPARE(r.status, StateLoadStatus::Corrupt);
        QVERIFY2(r.message.find("chunk " + std::to_string(chunk)) != std::string::npos,
                 r.message.c_str());
        QVERIFY(r.dropped);
        // Only the verified chunks before the bad one reached the sink, intact.
        QCOMPARE(received.size(), std::size_t(chunk) * kChunk);
        QVERIFY(std::equal(received.begin(), received.end(), bytes.begin()));
        QVERIFY(!cache.find(kKey));
        QCOMPARE(count(c, "state_chunks"), std::int64_t{0});

        std::vector<std::byte> memory{std::byte{1}};
        cache.save(kKey, bytes);
        flipStoredByte(c, cache.find(kKey)->id, chunk);
        QCOMPARE(cache.loadToMemory(kKey, memory).status, StateLoadStatus::Corrupt);
        QVERIFY(memory.empty()); // nothing of a corrupt state is handed over
    }

    void missingOrTamperedChunksAreDetected() {
        Connection c = library_->openWriter();
        StateCache cache(c, smallChunks(CompressionPolicy::Never));
        const auto bytes = stateLikeBytes(4 * kChunk, 10);

        auto id = cache.save(kKey, bytes).id;
        c.exec("DELETE FROM state_chunks WHERE ordinal = 3 AND state_id = " + std::to_string(id));
        auto r = cache.load(kKey, [](auto) {});
        QCOMPARE(r.status, StateLoadStatus::Corrupt);
        QVERIFY2(r.message.find("expected 4 chunks") != std::string::npos, r.message.c_str());

        id = cache.save(kKey, bytes).id;
        c.exec("DELETE FROM state_chunks WHERE ordinal = 1 AND state_id = " + std::to_string(id));
        QCOMPARE(cache.load(kKey, [](auto) {}).status, StateLoadStatus::Corrupt);

        // Two chunks swapped: each fails its position-seeded checksum.
        id = cache.save(kKey, bytes).id;
        c.exec("UPDATE state_chunks SET ordinal = -1 WHERE ordinal = 0 AND state_id = " +
               std::to_string(id));
        c.exec("UPDATE state_chunks SET ordinal = 0 WHERE ordinal = 1 AND state_id = " +
               std::to_string(id));
        c.exec("UPDATE state_chunks SET ordinal = 1 WHERE ordinal = -1 AND state_id = " +
               std::to_string(id));
        QCOMPARE(cache.load(kKey, [](auto) {}).status, StateLoadStatus::Corrupt);

        // A state relabelled as another model's: its checksums are seeded with its key.
        id = cache.save(kKey, bytes).id;
        c.exec("UPDATE states SET model_fingerprint = 'other-model' WHERE id = " +
               std::to_string(id));
        StateKey relabelled = kKey;
        relabelled.modelFingerprint = "other-model";
        bool sinkCalled = false;
        r = cache.load(relabelled, [&](auto) { sinkCalled = true; });
        QCOMPARE(r.status, StateLoadStatus::Corrupt);
        QVERIFY(!sinkCalled);
    }

    void aForeignModelsStateIsRefused() {
        Connection c = library_->openWriter();
        StateCache cache(c, smallChunks());
        const auto bytes = stateLikeBytes(3 * kChunk, 11);
        const StateInfo info = cache.save(kKey, bytes);

        StateKey other = kKey;
        other.modelFingerprint = "falcon-h1-7b@cfg9999";
        bool sinkCalled = false;
        const auto r = cache.load(other, [&](auto) { sinkCalled = true; });
        QCOMPARE(r.status, StateLoadStatus::ForeignModel);
        QVERIFY(!sinkCalled);
        QVERIFY(r.info);
        QCOMPARE(r.info->key.modelFingerprint, kKey.modelFingerprint);
        QVERIFY2(r.message.find("falcon-h1-7b@cfg9999") != std::string::npos, r.message.c_str());
        QVERIFY(!r.dropped);

        const auto byId =
            cache.loadById(info.id, "falcon-h1-7b@cfg9999", [&](auto) { sinkCalled = true; });
        QCOMPARE(byId.status, StateLoadStatus::ForeignModel);
        QVERIFY(!sinkCalled);

        // The owner's state is untouched and still loads.
        std::vector<std::byte> back;
        QVERIFY(cache.loadToMemory(kKey, back).loaded());
        QVERIFY(back == bytes);
        QVERIFY(cache.loadById(info.id, kKey.modelFingerprint, [](auto) {}).loaded());

        StateKey missing = kKey;
        missing.prefixHash = "another prompt";
        QCOMPARE(cache.load(missing, [](auto) {}).status, StateLoadStatus::NotFound);
        QCOMPARE(cache.loadById(4242, kKey.modelFingerprint, [](auto) {}).status,
                 StateLoadStatus::NotFound);
        QVERIFY_THROWS_EXCEPTION(StorageError, cache.load({"", "", ""}, [](auto) {}));
    }

    void leastRecentlyUsedStatesAreEvictedFirst() {
        Connection c = library_->openWriter();
        StateCacheOptions o = smallChunks(CompressionPolicy::Never);
        o.budgetBytes = 3 * 2 * kChunk; // room for three states of two chunks
        StateCache cache(c, o);
        auto key = [](int i) { return StateKey{"doc" + std::to_string(i), "m", "p"}; };
        const auto bytes = randomBytes(2 * kChunk, 12);
        for (int i = 1; i <= 3; ++i)
            cache.save(key(i), bytes);
        QCOMPARE(cache.list().size(), std::size_t{3});
        QCOMPARE(cache.storedBytes(), std::uint64_t(6 * kChunk));

        // Use 1, then 2: 3 is now the least recently used.
        QVERIFY(cache.load(key(1), [](auto) {}).loaded());
        QVERIFY(cache.load(key(2), [](auto) {}).loaded());
        cache.save(key(4), bytes);
        auto listed = cache.list();
        QCOMPARE(listed.size(), std::size_t{3});
        QCOMPARE(listed[0].key.documentHash, std::string("doc4"));
        QCOMPARE(listed[1].key.documentHash, std::string("doc2"));
        QCOMPARE(listed[2].key.documentHash, std::string("doc1"));
        QVERIFY(!cache.find(key(3)));

        // A reader's load does not count as a use.
        {
            Connection reader = library_->openReader();
            QVERIFY(StateCache(reader).load(key(1), [](auto) {}).loaded());
        }
        cache.save(key(5), bytes);
        QVERIFY(!cache.find(key(1)));
        QVERIFY(cache.find(key(2)) && cache.find(key(4)) && cache.find(key(5)));

        // A state bigger than the whole budget is kept; everything else goes.
        cache.save(key(6), randomBytes(8 * kChunk, 13));
        listed = cache.list();
        QCOMPARE(listed.size(), std::size_t{1});
        QCOMPARE(listed[0].key.documentHash, std::string("doc6"));

        // Explicit eviction and removal.
        cache.save(key(7), bytes);
        QCOMPARE(cache.list().size(), std::size_t{1});
        const auto evicted = cache.evictToBudget(0);
        QCOMPARE(evicted.size(), std::size_t{1});
        QVERIFY(cache.list().empty());
        QCOMPARE(count(c, "state_chunks"), std::int64_t{0});
    }

    void savingReplacesAndAbandoningLeavesNothing() {
        Connection c = library_->openWriter();
        StateCache cache(c, smallChunks());
        const auto first = stateLikeBytes(3 * kChunk, 14);
        const auto second = stateLikeBytes(2 * kChunk + 7, 15);
        cache.save(kKey, first);
        {
            StateWriter w = cache.beginSave(kKey);
            w.write(second);
            // Destroyed without commit: the old state stays, the new one is gone.
        }
        std::vector<std::byte> back;
        QVERIFY(cache.loadToMemory(kKey, back).loaded());
        QVERIFY(back == first);
        QVERIFY(!c.inTransaction());

        cache.save(kKey, second);
        QCOMPARE(cache.list().size(), std::size_t{1});
        QVERIFY(cache.loadToMemory(kKey, back).loaded());
        QVERIFY(back == second);

        QVERIFY(cache.remove(cache.find(kKey)->id));
        QVERIFY(!cache.find(kKey));
        cache.save({"h1", "m", "a"}, first);
        cache.save({"h1", "m2", "b"}, first);
        cache.save({"h2", "m", "a"}, first);
        QCOMPARE(cache.removeForDocumentHash("h1"), std::int64_t{2});
        QCOMPARE(cache.list().size(), std::size_t{1});
    }

    void aSinkThatThrowsLeavesTheStateInPlace() {
        Connection c = library_->openWriter();
        StateCache cache(c, smallChunks());
        cache.save(kKey, stateLikeBytes(3 * kChunk, 16));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, cache.load(kKey, [](auto) {
            throw std::runtime_error("restore failed on the device");
        }));
        QVERIFY(!c.inTransaction());
        QVERIFY(cache.load(kKey, [](auto) {}).loaded());
    }

    void parallelAndSingleConnectionReadsAgree() {
        Connection c = library_->openWriter();
        const auto bytes = stateLikeBytes(9 * kChunk + 333, 17);
        for (unsigned threads : {0u, 1u, 2u, 3u, 8u}) {
            StateCacheOptions o = smallChunks();
            o.readThreads = threads;
            StateCache cache(c, o);
            cache.save(kKey, bytes);
            std::vector<std::byte> back;
            const auto r = cache.loadToMemory(kKey, back);
            QVERIFY2(r.loaded(), r.message.c_str());
            QVERIFY(back == bytes);
        }
        // Inside the writer's own uncommitted transaction, the state it just
        // saved is read through that connection (other connections cannot see it).
        Transaction tx(c);
        StateCache cache(c, smallChunks());
        cache.save({"d", "m", "uncommitted"}, bytes);
        std::vector<std::byte> back;
        QVERIFY(cache.loadToMemory({"d", "m", "uncommitted"}, back).loaded());
        QVERIFY(back == bytes);
    }

    void aStateReplacedWhileBeingReadIsNotTakenForAnother() {
        Connection c = library_->openWriter();
        StateCache cache(c, smallChunks(CompressionPolicy::Never));
        const StateInfo old = cache.save(kKey, stateLikeBytes(6 * kChunk, 18));
        std::vector<StoredChunk> chunks;
        {
            auto s = c.statement("SELECT id, ordinal, raw_bytes, codec, checksum, length(data) "
                                 "FROM state_chunks WHERE state_id = ? ORDER BY ordinal");
            s->bindAll(old.id);
            while (s->step())
                chunks.push_back({s->int64(0), old.id, s->int64(1),
                                  static_cast<std::uint64_t>(s->int64(2)), s->int64(3),
                                  static_cast<std::uint64_t>(s->int64(4)),
                                  static_cast<std::size_t>(s->int64(5)), 0});
        }
        // The list was taken; now the state is replaced by one of the same size,
        // whose chunk rows may take the same row ids.
        const StateInfo replacement = cache.save(kKey, stateLikeBytes(6 * kChunk, 19));
        QVERIFY(replacement.id != old.id);
        bool sinkCalled = false;
        const ChunkSink sink = [&](auto) { sinkCalled = true; };
        const std::string problem = readChunksInParallel(library_->file(), chunks, 3, &sink);
        QVERIFY2(problem.find("changed while being read") != std::string::npos, problem.c_str());
        QVERIFY(!sinkCalled);
        std::vector<std::byte> back;
        QVERIFY(cache.loadToMemory(kKey, back).loaded());
        QVERIFY(back == stateLikeBytes(6 * kChunk, 19));
    }

    void badOptionsAreRefused() {
        Connection c = library_->openWriter();
        StateCacheOptions o;
        o.chunkBytes = 0;
        QVERIFY_THROWS_EXCEPTION(StorageError, StateCache(c, o).beginSave(kKey));
        QVERIFY_THROWS_EXCEPTION(StorageError, StateCache(c).beginSave({"d", "", "p"}));
        QVERIFY_THROWS_EXCEPTION(StorageError, StateCache(c).beginSave(kKey, "{broken"));
        QVERIFY(!c.inTransaction());
    }
};

QTEST_GUILESS_MAIN(StateCacheTest)
#include "tst_storage_statecache.moc"
