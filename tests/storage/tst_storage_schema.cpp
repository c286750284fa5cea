// The schema: a fresh library, every forward migration on a database holding
// data, the backup taken before migrating, and the files that are refused.

#include "StorageTestSupport.h"

#include "storage/DatabaseCopy.h"
#include "storage/Library.h"
#include "storage/LibraryLocation.h"
#include "storage/Schema.h"
#include "storage/SegmentSearch.h"
#include "storage/SessionStore.h"
#include "storage/StateCache.h"
#include "storage/SummaryStore.h"
#include "storage/TokenStore.h"
#include "storage/Transaction.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace lv::storage;
using namespace lv::storage::test;

namespace {

Connection createAt(const std::filesystem::path& file, int version) {
    Connection c(file, ConnectionOptions{Access::ReadWrite, true});
    c.exec("PRAGMA journal_mode = WAL");
    migrateSchema(c, version);
    return c;
}

bool hasObject(Connection& c, const std::string& name) {
    auto s = c.statement("SELECT 1 FROM sqlite_schema WHERE name = ?");
    s->bindAll(name);
    return s->step();
}

std::int64_t addDocumentRaw(Connection& c, const std::string& path) {
    auto s = c.statement("INSERT INTO documents (source_path, content_hash, kind, title, "
                         "metadata, added_at, updated_at) VALUES (?, 'hash-' || ?, 'text', "
                         "'t', '{}', 1, 1)");
    s->bindAll(path, path).run();
    return c.lastInsertRowId();
}

void addSegmentRaw(Connection& c, std::int64_t doc, std::int64_t ordinal, const std::string& text) {
    auto s = c.statement("INSERT INTO segments (document_id, ordinal, text) VALUES (?, ?, ?)");
    s->bindAll(doc, ordinal, text).run();
}

struct EnvGuard {
    QByteArray name;
    QByteArray saved;
    bool had;
    explicit EnvGuard(const char* n)
        : name(n), saved(qgetenv(n)), had(qEnvironmentVariableIsSet(n)) {}
    ~EnvGuard() {
        if (had)
            qputenv(name.constData(), saved);
        else
            qunsetenv(name.constData());
    }
};

} // namespace

class SchemaTest : public QObject {
    Q_OBJECT
private slots:
    void migrationsAreNumberedFromOneWithoutGaps() {
        int expected = 1;
        for (const Migration& m : schemaMigrations()) {
            QCOMPARE(m.version, expected++);
            QVERIFY(!m.summary.empty());
        }
        QCOMPARE(latestSchemaVersion(), expected - 1);
    }

    void freshLibraryIsCreatedAtTheLatestVersionInWalMode() {
        QTemporaryDir dir;
        const auto file = libraryIn(dir, "nested/folder/library.db");
        Library lib = Library::open(file);
        QVERIFY(std::filesystem::exists(file));
        QVERIFY(lib.openReport().created);
        QCOMPARE(lib.openReport().version, latestSchemaVersion());
        QVERIFY(!lib.openReport().backupFile);
        Connection c = lib.openWriter();
        QCOMPARE(schemaVersion(c), latestSchemaVersion());
        QCOMPARE(c.queryInt64("PRAGMA application_id"), std::int64_t{kLibraryApplicationId});
        QCOMPARE(c.queryInt64("PRAGMA foreign_keys"), std::int64_t{1});
        auto mode = c.statement("PRAGMA journal_mode");
        QVERIFY(mode->step());
        QCOMPARE(mode->text(0), std::string("wal"));
        QCOMPARE(integrityCheck(c), std::string("ok"));

        // Opening again changes nothing and takes no backup.
        Library again = Library::open(file);
        QVERIFY(!again.openReport().created);
        QCOMPARE(again.openReport().previousVersion, latestSchemaVersion());
        QVERIFY(!again.openReport().backupFile);
    }

    // Migration 1: from an empty file to documents, segments, settings.
    void migration1CreatesCoreTables() {
        QTemporaryDir dir;
        Connection c = createAt(libraryIn(dir), 0);
        QCOMPARE(schemaVersion(c), 0);
        migrateSchema(c, 1);
        QCOMPARE(schemaVersion(c), 1);
        for (const char* t : {"documents", "segments", "settings"})
            QVERIFY2(hasObject(c, t), t);
        QVERIFY(!hasObject(c, "segments_fts"));
        QCOMPARE(c.queryInt64("PRAGMA application_id"), std::int64_t{kLibraryApplicationId});
        const auto doc = addDocumentRaw(c, "/a.txt");
        addSegmentRaw(c, doc, 0, "first");
        // Metadata must be JSON; an ordinal is unique per document.
        QVERIFY_THROWS_EXCEPTION(StorageError,
                                 c.exec("UPDATE documents SET metadata = '{oops' WHERE id = 1"));
        QVERIFY_THROWS_EXCEPTION(StorageError, addSegmentRaw(c, doc, 0, "dup"));
    }

    // Migration 2: the full-text index is built over segments stored before it.
    void migration2IndexesExistingSegments() {
        QTemporaryDir dir;
        Connection c = createAt(libraryIn(dir), 1);
        const auto doc = addDocumentRaw(c, "/old.txt");
        addSegmentRaw(c, doc, 0, "the quick brown fox jumps");
        addSegmentRaw(c, doc, 1, "over the lazy dog");
        migrateSchema(c, 2);
        QCOMPARE(schemaVersion(c), 2);
        QVERIFY(hasObject(c, "segments_fts"));
        SegmentSearch search(c);
        auto hits = search.search("fox", 10);
        QCOMPARE(hits.size(), std::size_t{1});
        QCOMPARE(hits[0].documentId, doc);
        // New rows are indexed by the triggers.
        addSegmentRaw(c, doc, 2, "a fox again");
        QCOMPARE(search.search("fox", 10).size(), std::size_t{2});
        ftsIntegrityCheck(c);
    }

    // Migration 3: token arrays, kept with (and removed with) their document.
    void migration3AddsTokenArrays() {
        QTemporaryDir dir;
        Connection c = createAt(libraryIn(dir), 2);
        const auto doc = addDocumentRaw(c, "/doc.txt");
        addSegmentRaw(c, doc, 0, "kept across the migration");
        migrateSchema(c, 3);
        QCOMPARE(schemaVersion(c), 3);
        TokenStore tokens(c);
        const std::vector<std::int32_t> ids{1, 2, 3, 50000, -1};
        tokens.put(doc, "granite", ids);
        QCOMPARE(*tokens.get(doc, "granite"), ids);
        QCOMPARE(SegmentSearch(c).search("migration", 5).size(), std::size_t{1});
        c.exec("DELETE FROM documents");
        QCOMPARE(count(c, "token_arrays"), std::int64_t{0});
    }

    // Migration 4: the state cache, on a library that already has documents.
    void migration4AddsStateCache() {
        QTemporaryDir dir;
        Connection c = createAt(libraryIn(dir), 3);
        const auto doc = addDocumentRaw(c, "/doc.txt");
        TokenStore(c).put(doc, "t", std::vector<std::int32_t>{7, 8});
        migrateSchema(c, 4);
        QCOMPARE(schemaVersion(c), 4);
        StateCache cache(c);
        const auto bytes = stateLikeBytes(100000, 4);
        cache.save({"hash", "model", "prefix"}, bytes);
        std::vector<std::byte> back;
        QVERIFY(cache.loadToMemory({"hash", "model", "prefix"}, back).loaded());
        QVERIFY(back == bytes);
        QCOMPARE(TokenStore(c).get(doc, "t")->size(), std::size_t{2});
    }

    // Migration 5: sessions and messages, removed with their document.
    void migration5AddsSessions() {
        QTemporaryDir dir;
        Connection c = createAt(libraryIn(dir), 4);
        const auto doc = addDocumentRaw(c, "/doc.txt");
        StateCache(c).save({"hash", "model", ""}, stateLikeBytes(1000, 5));
        migrateSchema(c, 5);
        QCOMPARE(schemaVersion(c), 5);
        SessionStore sessions(c);
        const auto sid = sessions.createSession({doc, "first questions", "granite-4.0-h-1b"});
        sessions.addMessage(sid, {"Q?", "A.", R"([{"segment":1}])", R"({"ms":12})"});
        QCOMPARE(sessions.messages(sid).size(), std::size_t{1});
        QCOMPARE(StateCache(c).list().size(), std::size_t{1});
        c.exec("DELETE FROM documents");
        QCOMPARE(count(c, "sessions"), std::int64_t{0});
        QCOMPARE(count(c, "messages"), std::int64_t{0});
    }

    // Migration 6: summaries, one per document and model, removed with their document.
    void migration6AddsSummaries() {
        QTemporaryDir dir;
        Connection c = createAt(libraryIn(dir), 5);
        const auto doc = addDocumentRaw(c, "/doc.txt");
        const auto sid = SessionStore(c).createSession({doc, "kept", ""});
        migrateSchema(c, 6);
        QCOMPARE(schemaVersion(c), 6);
        QCOMPARE(SessionStore(c).session(sid)->title, std::string("kept"));
        SummaryStore summaries(c);
        summaries.put({doc, "v1", "", "Extractive [1].", R"([{"segment":1}])", "{}"});
        const auto r = summaries.latest(doc, "v1");
        QVERIFY(r);
        QCOMPARE(r->text, std::string("Extractive [1]."));
        QVERIFY(r->createdAt > 0);
        QVERIFY(!summaries.latest(doc, "v2")); // another version of the document: none
        c.exec("DELETE FROM documents");
        QCOMPARE(count(c, "summaries"), std::int64_t{0});
    }

    void everyMigrationHasATestAbove() {
        // The six functions above cover versions 1..6; a new migration needs its own.
        QCOMPARE(latestSchemaVersion(), 6);
    }

    void openingAnOlderLibraryBacksItUpThenMigrates_data() {
        QTest::addColumn<int>("fromVersion");
        for (int v = 1; v < latestSchemaVersion(); ++v)
            QTest::addRow("from v%d", v) << v;
    }

    void openingAnOlderLibraryBacksItUpThenMigrates() {
        QFETCH(int, fromVersion);
        QTemporaryDir dir;
        const auto file = libraryIn(dir);
        {
            Connection c = createAt(file, fromVersion);
            const auto doc = addDocumentRaw(c, "/kept.txt");
            addSegmentRaw(c, doc, 0, "segment that must survive the upgrade");
        }
        Library lib = Library::open(file);
        const LibraryOpenReport& r = lib.openReport();
        QCOMPARE(r.previousVersion, fromVersion);
        QCOMPARE(r.version, latestSchemaVersion());
        QVERIFY(!r.created);
        QVERIFY(r.backupFile.has_value());
        QCOMPARE(r.backupFile->parent_path(), file.parent_path());
        QVERIFY(std::filesystem::exists(*r.backupFile));
        {
            Connection backup(*r.backupFile, ConnectionOptions{Access::ReadOnly});
            QCOMPARE(schemaVersion(backup), fromVersion);
            QCOMPARE(count(backup, "segments"), std::int64_t{1});
            QCOMPARE(integrityCheck(backup), std::string("ok"));
        }
        Connection c = lib.openReader();
        QCOMPARE(schemaVersion(c), latestSchemaVersion());
        QCOMPARE(SegmentSearch(c).search("survive upgrade", 5).size(), std::size_t{1});
        QCOMPARE(integrityCheck(c), std::string("ok"));

        // An earlier backup of the same version is never overwritten.
        const auto secondFile = libraryIn(dir, "second.db");
        createAt(secondFile, fromVersion);
        const std::filesystem::path earlier = backupPathFor(secondFile, fromVersion);
        std::ofstream(earlier) << "an earlier backup";
        Library second = Library::open(secondFile);
        QVERIFY(second.openReport().backupFile.has_value());
        QVERIFY(*second.openReport().backupFile != earlier);
        std::ifstream keep(earlier);
        std::string text;
        std::getline(keep, text);
        QCOMPARE(text, std::string("an earlier backup"));
    }

    void aFailingMigrationLeavesThePreviousVersion() {
        QTemporaryDir dir;
        Connection c = createAt(libraryIn(dir), 1);
        // Something in the way of migration 2's virtual table.
        c.exec("CREATE TABLE segments_fts (x)");
        QVERIFY_THROWS_EXCEPTION(StorageError, migrateSchema(c, latestSchemaVersion()));
        QCOMPARE(schemaVersion(c), 1);
        QVERIFY(!c.inTransaction());
        QVERIFY(!hasObject(c, "segments_fts_after_insert"));
    }

    void aNewerSchemaIsRefusedNamingFileAndVersions() {
        QTemporaryDir dir;
        const auto file = libraryIn(dir);
        {
            Library::open(file);
            Connection c(file);
            c.exec("PRAGMA user_version = " + std::to_string(latestSchemaVersion() + 3));
        }
        try {
            Library::open(file);
            QFAIL("a newer schema was accepted");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::SchemaTooNew);
            const std::string what = e.what();
            QVERIFY2(what.find(file.string()) != std::string::npos, e.what());
            QVERIFY2(what.find("version " + std::to_string(latestSchemaVersion() + 3)) !=
                         std::string::npos,
                     e.what());
            QVERIFY2(what.find("version " + std::to_string(latestSchemaVersion())) !=
                         std::string::npos,
                     e.what());
        }
        // Not touched: no backup, version as it was.
        Connection c(file, ConnectionOptions{Access::ReadOnly});
        QCOMPARE(schemaVersion(c), latestSchemaVersion() + 3);
        for (const auto& entry : std::filesystem::directory_iterator(dir.path().toStdString()))
            QVERIFY2(entry.path().extension() != ".backup", entry.path().c_str());
    }

    void filesThatAreNotLibrariesAreRefused() {
        QTemporaryDir dir;
        const auto text = libraryIn(dir, "notes.txt");
        std::ofstream(text) << std::string(5000, 'x');
        try {
            Library::open(text);
            QFAIL("a text file was opened as a library");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::NotALibrary);
            QVERIFY(std::string(e.what()).find("notes.txt") != std::string::npos);
        }

        const auto other = libraryIn(dir, "other.db");
        {
            Connection c(other, ConnectionOptions{Access::ReadWrite, true});
            c.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY)");
        }
        QVERIFY_THROWS_EXCEPTION(StorageError, Library::open(other));

        const auto app = libraryIn(dir, "app.db");
        {
            Connection c(app, ConnectionOptions{Access::ReadWrite, true});
            c.exec("PRAGMA application_id = 1234");
        }
        try {
            Library::open(app);
            QFAIL("another application's database was opened");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::NotALibrary);
        }
    }

    void libraryPathResolution() {
        EnvGuard db("LONGVIEW_DB"), xdg("XDG_DATA_HOME"), home("HOME");
        qputenv("HOME", "/home/someone");
        qunsetenv("XDG_DATA_HOME");
        qunsetenv("LONGVIEW_DB");
        QCOMPARE(resolveLibraryPath(std::nullopt),
                 std::filesystem::path("/home/someone/.local/share/longview/library.db"));
        qputenv("XDG_DATA_HOME", "relative/dir"); // invalid per the XDG spec: ignored
        QCOMPARE(defaultLibraryPath(),
                 std::filesystem::path("/home/someone/.local/share/longview/library.db"));
        qputenv("XDG_DATA_HOME", "/data/xdg");
        QCOMPARE(resolveLibraryPath(std::nullopt),
                 std::filesystem::path("/data/xdg/longview/library.db"));
        qputenv("LONGVIEW_DB", "/tmp/from-env.db");
        QCOMPARE(resolveLibraryPath(std::nullopt), std::filesystem::path("/tmp/from-env.db"));
        QCOMPARE(resolveLibraryPath(std::string("")), std::filesystem::path("/tmp/from-env.db"));
        QCOMPARE(resolveLibraryPath(std::string("/x/flag.db")),
                 std::filesystem::path("/x/flag.db"));
    }
};

QTEST_GUILESS_MAIN(SchemaTest)
#include "tst_storage_schema.moc"
