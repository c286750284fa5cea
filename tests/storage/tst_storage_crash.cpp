// What SQLite's writecrash and ioerr tests check, at Longview's level: a writer
// killed with SIGKILL in the middle of ingesting or of saving a large state,
// and a write that runs out of room, leave a library that passes
// PRAGMA integrity_check, holds every commit made before, and keeps working.

#include "StorageTestSupport.h"

#include "storage/DocumentStore.h"
#include "storage/Library.h"
#include "storage/SegmentSearch.h"
#include "storage/SettingsStore.h"
#include "storage/StateCache.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace lv::storage;
using namespace lv::storage::test;

namespace {

const StateKey kKept{"doc-kept", "crash-model", "prefix"};
constexpr std::size_t kKeptBytes = 8u << 20;
constexpr int kBatch = 400;

// Runs the child and returns the number in the last line starting with
// `prefix` once that number reaches `killAt`, then kills the child (SIGKILL)
// after a random pause of up to `jitterMs`, so that the kill lands at a
// different point of the next write each time.
struct KillResult {
    long long lastReported = -1;
    bool killed = false;
    QString output;
};

KillResult runAndKill(const QStringList& args, const QString& prefix, long long killAt,
                      int jitterMs) {
    QProcess child;
    child.setProcessChannelMode(QProcess::SeparateChannels);
    child.start(QStringLiteral(STORAGE_CRASH_WRITER), args);
    KillResult result;
    if (!child.waitForStarted(30000)) {
        result.output = "did not start";
        return result;
    }
    while (child.state() == QProcess::Running) {
        if (!child.canReadLine() && !child.waitForReadyRead(120000)) break;
        while (child.canReadLine()) {
            const QString line = QString::fromUtf8(child.readLine()).trimmed();
            result.output += line + "\n";
            if (line.startsWith(prefix)) result.lastReported = line.mid(prefix.size()).toLongLong();
        }
        if (result.lastReported >= killAt) {
            QThread::msleep(QRandomGenerator::global()->bounded(jitterMs + 1));
            // Lines written after the last read may report later commits; read
            // them after the kill so that lastReported is the true lower bound.
            child.kill();
            child.waitForFinished(30000);
            result.killed = child.exitStatus() == QProcess::CrashExit;
            for (const QByteArray& line : child.readAllStandardOutput().split('\n')) {
                const QString l = QString::fromUtf8(line).trimmed();
                if (l.startsWith(prefix)) result.lastReported = l.mid(prefix.size()).toLongLong();
            }
            return result;
        }
    }
    result.output += QString::fromUtf8(child.readAllStandardError());
    return result;
}

void checkHealthy(const std::filesystem::path& file) {
    Library lib = Library::open(file); // recovers the WAL left by the killed writer
    Connection c = lib.openWriter();
    QCOMPARE(integrityCheck(c), std::string("ok"));
    auto fk = c.statement("PRAGMA foreign_key_check");
    QVERIFY2(!fk->step(), "a row points at a missing parent");
    ftsIntegrityCheck(c);
}

} // namespace

class CrashTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { LV_REQUIRE_FILE(kGpl3); }

    void killedWhileIngestingKeepsEveryCommittedBatch() {
        QTemporaryDir dir;
        const auto file = libraryIn(dir);
        long long committed = 0;
        // Kill, recover, continue, four times over: each recovery starts from
        // the state the previous kill left.
        for (int round = 0; round < 4; ++round) {
            const long long killAt = committed + kBatch * (2 + round);
            const KillResult r = runAndKill(
                {"ingest", QString::fromStdString(file.string()), kGpl3, QString::number(kBatch)},
                "committed ", killAt, 40);
            QVERIFY2(r.killed, qPrintable(r.output));
            QVERIFY(r.lastReported >= killAt);

            checkHealthy(file);
            Library lib = Library::open(file);
            Connection c = lib.openReader();
            DocumentStore docs(c);
            const auto doc = docs.documentByPath("/crash/ingest");
            QVERIFY(doc);
            const std::int64_t stored = docs.segmentCount(doc->id);
            // Everything reported is there; at most the one batch whose report
            // the kill cut off is there too; never a part of a batch.
            QVERIFY2(stored >= r.lastReported,
                     qPrintable(QString("%1 < %2").arg(stored).arg(r.lastReported)));
            QVERIFY(stored <= r.lastReported + kBatch);
            QCOMPARE(stored % kBatch, std::int64_t{0});
            // Ordinals are dense and the index knows every segment.
            QCOMPARE(c.queryInt64("SELECT max(ordinal) + 1 FROM segments"), stored);
            QCOMPARE(c.queryInt64("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH "
                                  "'\"program\"'"),
                     c.queryInt64("SELECT count(*) FROM segments WHERE text LIKE '%program%'"));
            committed = stored;
        }
        QVERIFY(committed >= 4 * kBatch);
    }

    void killedWhileSavingALargeStateKeepsTheOthersAndShowsNoHalfState() {
        QTemporaryDir dir;
        const auto file = libraryIn(dir);
        for (int round = 0; round < 3; ++round) {
            // Kill somewhere between 8 and 40 MiB into a 1 GiB state.
            const long long killAt = (8ll + 16 * round) << 20;
            const KillResult r = runAndKill(
                {"bigstate", QString::fromStdString(file.string()), "1024"}, "wrote ", killAt, 30);
            QVERIFY2(r.killed, qPrintable(r.output));
            QVERIFY(r.output.contains("kept"));

            checkHealthy(file);
            Library lib = Library::open(file);
            Connection c = lib.openWriter();
            StateCache cache(c);
            QVERIFY(!cache.find({"doc-big", "crash-model", "prefix"}));
            const auto states = cache.list();
            QCOMPARE(states.size(), std::size_t{1});
            // No orphan chunk of the half-written state survives.
            QCOMPARE(count(c, "state_chunks"), states[0].chunkCount);
            std::vector<std::byte> kept;
            const auto loaded = cache.loadToMemory(kKept, kept);
            QVERIFY2(loaded.loaded(), loaded.message.c_str());
            QVERIFY(kept == stateLikeBytes(kKeptBytes, 1));
            // And the library takes new states.
            cache.save({"after", "crash-model", "p"}, stateLikeBytes(3u << 20, 5));
            QVERIFY(cache.load({"after", "crash-model", "p"}, [](auto) {}).loaded());
            QVERIFY(cache.remove(cache.find({"after", "crash-model", "p"})->id));
        }
    }

    void killedBetweenStateSavesKeepsEveryCommittedState() {
        QTemporaryDir dir;
        const auto file = libraryIn(dir);
        const KillResult r = runAndKill({"states", QString::fromStdString(file.string()), "3000"},
                                        "committed ", 5, 60);
        QVERIFY2(r.killed, qPrintable(r.output));
        checkHealthy(file);
        Library lib = Library::open(file);
        Connection c = lib.openWriter();
        StateCache cache(c);
        const auto states = cache.list();
        QVERIFY(static_cast<long long>(states.size()) >= r.lastReported + 1);
        QVERIFY(static_cast<long long>(states.size()) <= r.lastReported + 2);
        for (const StateInfo& info : states) {
            const int i = std::stoi(info.key.documentHash.substr(4));
            std::vector<std::byte> back;
            const auto loaded = cache.loadToMemory(info.key, back);
            QVERIFY2(loaded.loaded(), loaded.message.c_str());
            QVERIFY(back == stateLikeBytes(std::size_t{3000} << 10, 100 + i));
        }
    }

    void aFullDiskFailsCleanlyAndTheLibraryStaysUsable() {
        QTemporaryDir dir;
        const auto file = libraryIn(dir);
        {
            Library lib = Library::open(file);
            Connection c = lib.openWriter();
            const auto doc = DocumentStore(c).addDocument({"/gpl", "h", "text", "GPL", "{}"});
            DocumentStore(c).appendSegments(doc, segmentsOf(paragraphsOf(kGpl3)));
            StateCache(c).save(kKept, stateLikeBytes(kKeptBytes, 1));
        }
        // Room for a few MiB more than the library holds, far less than the writes need.
        const auto limit = std::filesystem::file_size(file) + (6u << 20);
        QProcess child;
        child.start(QStringLiteral(STORAGE_CRASH_WRITER),
                    {"diskfull", QString::fromStdString(file.string()), QString::number(limit)});
        QVERIFY(child.waitForFinished(300000));
        const QString out = QString::fromUtf8(child.readAllStandardOutput());
        const QString err = QString::fromUtf8(child.readAllStandardError());
        QVERIFY2(child.exitStatus() == QProcess::NormalExit, qPrintable(out + err));
        QVERIFY2(child.exitCode() == 0, qPrintable(out + err));
        // Both writes were refused as "disk full", with a message naming the file
        // and the operation.
        const QStringList refusals = out.split('\n').filter("refused ");
        QCOMPARE(refusals.size(), 2);
        for (const QString& line : refusals) {
            QVERIFY2(line.startsWith("refused disk full: "), qPrintable(line));
            QVERIFY2(line.contains(QString::fromStdString(file.string())), qPrintable(line));
        }
        QVERIFY2(refusals[0].contains("save state"), qPrintable(refusals[0]));
        QVERIFY2(refusals[1].contains("store segments"), qPrintable(refusals[1]));
        QCOMPARE(out.count("usable"), 2);

        checkHealthy(file);
        Library lib = Library::open(file);
        Connection c = lib.openReader();
        QCOMPARE(*SettingsStore(c).get("after-disk-full"), std::string("written"));
        QVERIFY(!DocumentStore(c).documentByPath("/full/ingest"));
        QCOMPARE(StateCache(c).list().size(), std::size_t{1});
        QVERIFY(!SegmentSearch(c).search("warranty", 5).empty());
    }
};

QTEST_GUILESS_MAIN(CrashTest)
#include "tst_storage_crash.moc"
