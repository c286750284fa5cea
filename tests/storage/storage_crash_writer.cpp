// Child process for tst_storage_crash: writes to a library and reports each
// commit on stdout, so that the test can kill it (SIGKILL) mid-write, or runs
// under a file size limit to hit "disk full".
//
//   storage_crash_writer ingest   DB TEXTFILE BATCH   append BATCH segments per transaction
//   storage_crash_writer bigstate DB SIZE_MIB         save a kept state, then a huge one
//   storage_crash_writer states   DB SIZE_KIB         save states 0, 1, 2, ... one per commit
//   storage_crash_writer diskfull DB LIMIT_BYTES      hit RLIMIT_FSIZE, then show the DB works

#include "RealText.h"
#include "StateBytes.h"

#include "storage/DocumentStore.h"
#include "storage/Library.h"
#include "storage/SettingsStore.h"
#include "storage/StateCache.h"
#include "storage/Transaction.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <sys/resource.h>

using namespace lv::storage;
using namespace lv::storage::test;

namespace {

// Every state this program saves is reproducible from its key's number.
constexpr std::size_t kKeptStateBytes = 8u << 20;

StateKey keyFor(const std::string& name) {
    return {"doc-" + name, "crash-model", "prefix"};
}

void report(const std::string& line) {
    std::cout << line << std::endl; // endl flushes: the parent reads line by line
}

int ingest(const Library& lib, const std::string& textFile, int batch) {
    Connection c = lib.openWriter();
    DocumentStore docs(c);
    auto existing = docs.documentByPath("/crash/ingest");
    const std::int64_t doc =
        existing ? existing->id : docs.addDocument({"/crash/ingest", "h", "text", "crash", "{}"});
    const auto paragraphs = paragraphsOf(textFile);
    if (paragraphs.empty()) return 2;
    std::vector<NewSegment> segments;
    for (int i = 0; i < batch; ++i) {
        NewSegment s;
        s.text = paragraphs[static_cast<std::size_t>(i) % paragraphs.size()];
        s.pageIndex = i;
        segments.push_back(std::move(s));
    }
    for (int round = 0; round < 100000; ++round) {
        docs.appendSegments(doc, segments);
        report("committed " + std::to_string(docs.segmentCount(doc)));
    }
    return 0;
}

int bigState(const Library& lib, std::size_t sizeMiB) {
    Connection c = lib.openWriter();
    StateCacheOptions options;
    options.chunkBytes = 1u << 20;
    StateCache cache(c, options);
    if (!cache.find(keyFor("kept"))) cache.save(keyFor("kept"), stateLikeBytes(kKeptStateBytes, 1));
    report("kept");
    const auto piece = stateLikeBytes(1u << 20, 2);
    StateWriter w = cache.beginSave(keyFor("big"));
    for (std::size_t i = 0; i < sizeMiB; ++i) {
        w.write(piece);
        report("wrote " + std::to_string(w.bytesWritten()));
    }
    w.commit();
    report("committed big");
    return 0;
}

int manyStates(const Library& lib, std::size_t sizeKiB) {
    Connection c = lib.openWriter();
    StateCacheOptions options;
    options.chunkBytes = 256u << 10;
    StateCache cache(c, options);
    for (int i = 0; i < 100000; ++i) {
        cache.save(keyFor(std::to_string(i)), stateLikeBytes(sizeKiB << 10, 100 + i));
        report("committed " + std::to_string(i));
    }
    return 0;
}

// Runs `write`, which must fail for lack of room; then shows the library still
// reads and takes a small write. Prints "refused <kind>: <message>" and "usable".
template <class Write> bool refusedThenUsable(const Library& lib, Write write) {
    Connection c = lib.openWriter();
    try {
        write(c);
        report("not refused");
        return false;
    } catch (const StorageError& e) {
        report(std::string("refused ") + storageErrorKindName(e.kind()) + ": " + e.what());
    }
    if (c.inTransaction()) {
        report("still in a transaction");
        return false;
    }
    std::vector<std::byte> kept;
    const StateLoadResult r = StateCache(c).loadToMemory(keyFor("kept"), kept);
    if (!r.loaded() || kept != stateLikeBytes(kKeptStateBytes, 1)) {
        report("kept state lost: " + r.message);
        return false;
    }
    SettingsStore(c).set("after-disk-full", "written");
    if (SettingsStore(c).get("after-disk-full") != "written") return false;
    report("usable");
    return true;
}

int diskFull(const Library& lib, std::uint64_t limit) {
    // Past the limit write() fails with EFBIG instead of killing the process.
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit rl{limit, limit};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) return 4;

    const bool stateRefused = refusedThenUsable(lib, [](Connection& c) {
        StateCacheOptions options;
        options.compression = CompressionPolicy::Never;
        StateWriter w = StateCache(c, options).beginSave(keyFor("too-big"));
        const auto piece = randomBytes(1u << 20, 3);
        for (int i = 0; i < 512; ++i)
            w.write(piece);
        w.commit();
    });
    const bool ingestRefused = refusedThenUsable(lib, [](Connection& c) {
        // Like an ingest: the document and its segments in one transaction.
        Transaction tx(c);
        DocumentStore docs(c);
        const auto doc = docs.addDocument({"/full/ingest", "h", "text", "t", "{}"});
        std::vector<NewSegment> segments(20000);
        for (std::size_t i = 0; i < segments.size(); ++i)
            segments[i].text = std::string(2000, static_cast<char>('a' + i % 26)) + " segment";
        docs.appendSegments(doc, segments);
        tx.commit();
    });
    return stateRefused && ingestRefused ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: storage_crash_writer MODE DB ARG [ARG]\n";
        return 2;
    }
    const std::string mode = argv[1];
    try {
        const Library lib = Library::open(argv[2]);
        // Opened above; a backup means it found a library half made by another process.
        if (mode == "open") return lib.openReport().backupFile ? 4 : 0;
        if (mode == "ingest" && argc == 5) return ingest(lib, argv[3], std::atoi(argv[4]));
        if (mode == "bigstate") return bigState(lib, std::strtoull(argv[3], nullptr, 10));
        if (mode == "states") return manyStates(lib, std::strtoull(argv[3], nullptr, 10));
        if (mode == "diskfull") return diskFull(lib, std::strtoull(argv[3], nullptr, 10));
        std::cerr << "storage_crash_writer: unknown mode " << mode << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "storage_crash_writer: " << e.what() << "\n";
        return 1;
    }
}
