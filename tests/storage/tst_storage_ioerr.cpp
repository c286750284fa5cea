// SQLite's ioerr tests at Longview's level: the Nth write (or read) fails, for
// N = 1, 2, 3 ... until the operation gets through. After every failure the
// operation is all or nothing, the library passes integrity_check, keeps what
// it held, and takes the next write; a failed read never marks a state corrupt.

#include "FaultInjectingVfs.h"
#include "StorageTestSupport.h"

#include "storage/DocumentStore.h"
#include "storage/Library.h"
#include "storage/SettingsStore.h"
#include "storage/StateCache.h"
#include "storage/Transaction.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace lv::storage;
using namespace lv::storage::test;

namespace {

constexpr int kMaxSteps = 5000; // far more I/O calls than any one operation below makes

bool isIoFailure(const StorageError& e) {
    return e.kind() == StorageErrorKind::Io || e.kind() == StorageErrorKind::DiskFull;
}

StateCacheOptions smallStates() {
    StateCacheOptions o;
    o.chunkBytes = 256 * 1024;
    o.compression = CompressionPolicy::Never;
    return o;
}

} // namespace

class IoErrorTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::optional<Library> library_;

private slots:
    void initTestCase() {
        LV_REQUIRE_FILE(kGpl3);
        FaultInjectingVfs::install();
        library_.emplace(Library::open(libraryIn(dir_)));
        Connection c = library_->openWriter();
        const auto doc = DocumentStore(c).addDocument({"/seed", "h", "text", "seed", "{}"});
        DocumentStore(c).appendSegments(doc, segmentsOf(paragraphsOf(kGpl3)));
        StateCache(c, smallStates()).save({"seed", "m", "p"}, stateLikeBytes(1 << 20, 1));
    }

    void cleanup() { FaultInjectingVfs::disarm(); }

    void everyFailingWriteDuringAnIngestLeavesAllOrNothing() {
        auto paragraphs = paragraphsOf(kGpl3);
        paragraphs.resize(40);
        const auto segments = segmentsOf(paragraphs);
        int step = 1;
        for (; step < kMaxSteps; ++step) {
            const std::string path = "/ingest/" + std::to_string(step);
            bool threw = false;
            int failures = 0;
            {
                Connection c = library_->openWriter();
                FaultInjectingVfs::arm(FaultInjectingVfs::Target::Writes, step);
                try {
                    Transaction tx(c);
                    DocumentStore docs(c);
                    docs.appendSegments(docs.addDocument({path, "h", "text", "t", "{}"}), segments);
                    tx.commit();
                } catch (const StorageError& e) {
                    threw = true;
                    QVERIFY2(isIoFailure(e), e.what());
                    QVERIFY2(std::string(e.what()).find(library_->file().string()) !=
                                 std::string::npos,
                             e.what());
                }
                failures = FaultInjectingVfs::failures();
                FaultInjectingVfs::disarm();
                QVERIFY(!c.inTransaction());
                SettingsStore(c).set("last step", std::to_string(step)); // same connection works
            }
            Connection check = library_->openWriter();
            QCOMPARE(integrityCheck(check), std::string("ok"));
            ftsIntegrityCheck(check);
            DocumentStore docs(check);
            const auto doc = docs.documentByPath(path);
            QVERIFY2(threw != doc.has_value(), qPrintable(QString("step %1").arg(step)));
            if (doc) QCOMPARE(docs.segmentCount(doc->id), std::int64_t(segments.size()));
            QCOMPARE(docs.segmentCount(docs.documentByPath("/seed")->id),
                     std::int64_t(paragraphsOf(kGpl3).size()));
            if (failures == 0) break; // the whole ingest ran before the Nth write
        }
        qInfo("the operation got through at I/O call %d", step);
        QVERIFY2(step > 3 && step < kMaxSteps, qPrintable(QString::number(step)));
    }

    void everyFailingWriteDuringAStateSaveLeavesAllOrNothing() {
        const auto bytes = stateLikeBytes(1 << 20, 2);
        int step = 1;
        for (; step < kMaxSteps; ++step) {
            const StateKey key{"doc" + std::to_string(step), "m", "p"};
            bool threw = false;
            int failures = 0;
            {
                Connection c = library_->openWriter();
                FaultInjectingVfs::arm(FaultInjectingVfs::Target::Writes, step);
                try {
                    StateCache(c, smallStates()).save(key, bytes);
                } catch (const StorageError& e) {
                    threw = true;
                    QVERIFY2(isIoFailure(e), e.what());
                }
                failures = FaultInjectingVfs::failures();
                FaultInjectingVfs::disarm();
                QVERIFY(!c.inTransaction());
            }
            Connection check = library_->openWriter();
            QCOMPARE(integrityCheck(check), std::string("ok"));
            StateCache cache(check, smallStates());
            std::vector<std::byte> back;
            const auto r = cache.loadToMemory(key, back);
            if (threw) {
                QCOMPARE(r.status, StateLoadStatus::NotFound);
            } else {
                QVERIFY2(r.loaded(), r.message.c_str());
                QVERIFY(back == bytes);
                QVERIFY(cache.remove(r.info->id));
            }
            QVERIFY(cache.loadToMemory({"seed", "m", "p"}, back).loaded());
            if (failures == 0) break;
        }
        qInfo("the operation got through at I/O call %d", step);
        QVERIFY2(step > 3 && step < kMaxSteps, qPrintable(QString::number(step)));
    }

    void aFailingReadIsAnErrorNotACorruptState() {
        const StateKey key{"seed", "m", "p"};
        int step = 1;
        for (; step < kMaxSteps; ++step) {
            bool threw = false;
            int failures = 0;
            StateLoadResult r;
            {
                Connection c = library_->openWriter();
                FaultInjectingVfs::arm(FaultInjectingVfs::Target::Reads, step);
                try {
                    r = StateCache(c, smallStates()).load(key, [](auto) {});
                } catch (const StorageError& e) {
                    threw = true;
                    QVERIFY2(e.kind() == StorageErrorKind::Io, e.what());
                }
                failures = FaultInjectingVfs::failures();
                FaultInjectingVfs::disarm();
            }
            if (!threw) {
                QVERIFY2(r.status != StateLoadStatus::Corrupt, r.message.c_str());
                QVERIFY(!r.dropped);
            }
            Connection check = library_->openWriter();
            std::vector<std::byte> back;
            QVERIFY(StateCache(check).loadToMemory(key, back).loaded());
            QVERIFY(back == stateLikeBytes(1 << 20, 1));
            if (failures == 0) {
                QVERIFY(r.loaded());
                break;
            }
        }
        qInfo("the operation got through at I/O call %d", step);
        QVERIFY2(step > 3 && step < kMaxSteps, qPrintable(QString::number(step)));
    }
};

QTEST_GUILESS_MAIN(IoErrorTest)
#include "tst_storage_ioerr.moc"
