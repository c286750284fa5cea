// One writer thread, many readers: the write queue runs jobs in order and
// reports results through futures; readers are never blocked by a write in
// progress and read a consistent snapshot.

#include "StorageTestSupport.h"

#include "storage/DocumentStore.h"
#include "storage/Library.h"
#include "storage/LibraryWriter.h"
#include "storage/Schema.h"
#include "storage/SegmentSearch.h"
#include "storage/SettingsStore.h"
#include "storage/StateCache.h"
#include "storage/Transaction.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <future>
#include <memory>
#include <vector>

using namespace lv::storage;
using namespace lv::storage::test;
using namespace std::chrono_literals;

namespace {
// Only a guard against hanging the suite when something deadlocks; the tests'
// assertions are about order and visibility, never about time.
constexpr auto kDeadlockGuard = 120s;
} // namespace

class ConcurrencyTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int fileIndex_ = 0;
    std::optional<Library> library_;

private slots:
    void init() {
        std::string name = "c";
        name += std::to_string(++fileIndex_);
        name += ".db";
        library_.emplace(Library::open(libraryIn(dir_, name.c_str())));
    }

    // The GUI's two workers open a new library at the same moment, and a second process
    // may too: one creates it, every other opener finds it whole (no error, no backup of
    // a library half made, the latest schema).
    void aNewLibraryOpenedByManyAtOnce() {
        for (int round = 0; round < 10; ++round) {
            const auto file = libraryIn(dir_, ("threads" + std::to_string(round) + ".db").c_str());
            std::vector<std::future<LibraryOpenReport>> opens;
            for (int i = 0; i < 6; ++i)
                opens.push_back(std::async(std::launch::async,
                                           [&file] { return Library::open(file).openReport(); }));
            int created = 0;
            for (auto& f : opens) {
                const LibraryOpenReport r = f.get(); // rethrows an opener's error
                created += r.created ? 1 : 0;
                QVERIFY(!r.backupFile);
                QCOMPARE(r.version, latestSchemaVersion());
            }
            QCOMPARE(created, 1);
        }
        for (int round = 0; round < 4; ++round) {
            const QString file = QString::fromStdString(
                libraryIn(dir_, ("processes" + std::to_string(round) + ".db").c_str()).string());
            std::vector<std::unique_ptr<QProcess>> children;
            for (int i = 0; i < 4; ++i) {
                children.push_back(std::make_unique<QProcess>());
                children.back()->start(QStringLiteral(STORAGE_CRASH_WRITER),
                                       {QStringLiteral("open"), file, QStringLiteral("-")});
            }
            for (auto& c : children) {
                QVERIFY(c->waitForFinished(120000));
                QVERIFY2(c->exitStatus() == QProcess::NormalExit && c->exitCode() == 0,
                         qPrintable(QString::fromUtf8(c->readAllStandardError())));
            }
            Connection check = Library::open(file.toStdString()).openReader();
            QCOMPARE(schemaVersion(check), latestSchemaVersion());
            QCOMPARE(integrityCheck(check), std::string("ok"));
        }
    }

    void theWriterRunsJobsInOrder() {
        LibraryWriter writer(*library_);
        std::vector<std::future<int>> results;
        for (int i = 0; i < 300; ++i) {
            results.push_back(writer.submit([i](Connection& c) {
                SettingsStore s(c);
                const int previous = std::stoi(s.getOr("last", "-1"));
                s.set("last", std::to_string(i));
                return previous;
            }));
        }
        for (int i = 0; i < 300; ++i)
            QCOMPARE(results[i].get(), i - 1);
        QCOMPARE(writer.pending(), std::size_t{0});
    }

    void errorsTravelThroughTheFutureAndTheWriterGoesOn() {
        LibraryWriter writer(*library_);
        auto failing = writer.submit([](Connection& c) {
            DocumentStore(c).appendSegments(999, std::vector<NewSegment>(1));
        });
        auto forgetful = writer.submit([](Connection& c) {
            c.exec("BEGIN IMMEDIATE");
            SettingsStore(c).set("uncommitted", "1"); // never committed
        });
        auto next = writer.submit([](Connection& c) {
            const bool cleanStart = !c.inTransaction();
            SettingsStore(c).set("after", "1");
            return cleanStart && !SettingsStore(c).get("uncommitted").has_value();
        });
        try {
            failing.get();
            QFAIL("the failing job succeeded");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::InvalidArgument);
        }
        forgetful.get();
        QVERIFY2(next.get(), "a job's open transaction leaked into the next job");
    }

    void destroyingTheWriterFinishesQueuedJobs() {
        std::vector<std::future<void>> done;
        {
            LibraryWriter writer(*library_);
            for (int i = 0; i < 100; ++i)
                done.push_back(writer.submit(
                    [key = std::to_string(i)](Connection& c) { SettingsStore(c).set(key, "v"); }));
        }
        for (auto& f : done)
            f.get();
        Connection reader = library_->openReader();
        QCOMPARE(SettingsStore(reader).all().size(), std::size_t{100});
    }

    void readersAreNotBlockedByAWriteInProgress() {
        LV_REQUIRE_FILE(kGpl3);
        const auto paragraphs = paragraphsOf(kGpl3);
        const auto state = stateLikeBytes(24 << 20, 21);
        std::int64_t doc = 0;
        {
            Connection c = library_->openWriter();
            doc = DocumentStore(c).addDocument({"/gpl", "h", "text", "GPL", "{}"});
            DocumentStore(c).appendSegments(doc, segmentsOf(paragraphs));
            StateCache(c).save({"h", "m", "p"}, state);
        }
        const auto before = static_cast<std::int64_t>(paragraphs.size());

        LibraryWriter writer(*library_);
        std::promise<void> writing;
        std::promise<void> readerDone;
        auto readerDoneFuture = readerDone.get_future().share();
        auto write = writer.submit([&](Connection& c) {
            Transaction tx(c);
            for (int round = 0; round < 20; ++round)
                DocumentStore(c).appendSegments(doc, segmentsOf(paragraphs));
            StateWriter big = StateCache(c).beginSave({"h", "m", "other prefix"});
            big.write(state);
            // Everything above is written but uncommitted; the reader runs now.
            writing.set_value();
            if (readerDoneFuture.wait_for(kDeadlockGuard) != std::future_status::ready)
                throw std::runtime_error("the reader never finished");
            big.commit();
            tx.commit();
        });
        auto writingFuture = writing.get_future();
        QVERIFY(writingFuture.wait_for(kDeadlockGuard) == std::future_status::ready);

        // On another thread, so that a blocked reader cannot block this test.
        auto read = std::async(std::launch::async, [&] {
            Connection reader = library_->openReader();
            struct Seen {
                std::int64_t segments;
                std::size_t hits;
                std::size_t states;
                bool stateLoaded;
                std::string integrity;
            } seen{};
            seen.segments = DocumentStore(reader).segmentCount(doc);
            seen.hits = SegmentSearch(reader).search("warranty", 1000).size();
            StateCache cache(reader);
            seen.states = cache.list().size();
            std::vector<std::byte> back;
            seen.stateLoaded = cache.loadToMemory({"h", "m", "p"}, back).loaded() && back == state;
            seen.integrity = integrityCheck(reader);
            return seen;
        });
        const bool readerFinished = read.wait_for(kDeadlockGuard) == std::future_status::ready;
        readerDone.set_value();
        QVERIFY2(readerFinished, "the reader was blocked by the writer");
        const auto seen = read.get();
        QCOMPARE(seen.segments, before); // the last commit, not the write in progress
        QVERIFY(seen.hits > 0);
        QCOMPARE(seen.states, std::size_t{1});
        QVERIFY(seen.stateLoaded);
        QCOMPARE(seen.integrity, std::string("ok"));

        write.get();
        Connection reader = library_->openReader();
        QCOMPARE(DocumentStore(reader).segmentCount(doc), before * 21);
        QCOMPARE(StateCache(reader).list().size(), std::size_t{2});
    }

    void theWriterCommitsWhileAReaderHoldsASnapshot() {
        Connection reader = library_->openReader();
        LibraryWriter writer(*library_);
        writer.submit([](Connection& c) { SettingsStore(c).set("version", "1"); }).get();
        {
            Transaction snapshot(reader, TransactionMode::Deferred);
            QCOMPARE(*SettingsStore(reader).get("version"), std::string("1"));
            auto commit =
                writer.submit([](Connection& c) { SettingsStore(c).set("version", "2"); });
            QVERIFY2(commit.wait_for(kDeadlockGuard) == std::future_status::ready,
                     "the writer was blocked by a reader");
            commit.get();
            QCOMPARE(*SettingsStore(reader).get("version"), std::string("1"));
        }
        QCOMPARE(*SettingsStore(reader).get("version"), std::string("2"));
    }

    void aSecondWriterGetsATypedBusyError() {
        Connection first = library_->openWriter();
        Connection second(library_->file(), ConnectionOptions{Access::ReadWrite, false, 50ms});
        Transaction hold(first);
        SettingsStore(first).set("x", "1");
        try {
            Transaction other(second);
            QFAIL("two write transactions at once");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::Busy);
        }
        hold.commit();
        Transaction now(second);
        SettingsStore(second).set("y", "1");
        now.commit();
    }
};

QTEST_GUILESS_MAIN(ConcurrencyTest)
#include "tst_storage_concurrency.moc"
