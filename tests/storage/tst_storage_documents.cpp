// Documents, segments, token arrays, sessions, settings; cascades; transactions,
// the statement cache and the errors the stores raise.

#include "StorageTestSupport.h"

#include "storage/Connection.h"
#include "storage/DocumentStore.h"
#include "storage/Library.h"
#include "storage/SegmentSearch.h"
#include "storage/SessionStore.h"
#include "storage/SettingsStore.h"
#include "storage/SummaryStore.h"
#include "storage/TokenStore.h"
#include "storage/Transaction.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using namespace lv::storage;
using namespace lv::storage::test;

namespace {

NewDocument sampleDocument(const std::string& path) {
    NewDocument d;
    d.sourcePath = path;
    d.contentHash = "sha256-of-" + path;
    d.kind = "pdf";
    d.title = "Title of " + path;
    d.metadataJson = R"({"pages": 3, "author": "Ada"})";
    return d;
}

std::vector<NewSegment> pageSegments() {
    std::vector<NewSegment> out;
    for (int i = 0; i < 3; ++i) {
        NewSegment s;
        s.text = "page " + std::to_string(i) + " text about notice periods";
        s.pageIndex = i;
        s.pageLabel = i == 0 ? "i" : std::to_string(i);
        s.sectionPath = "Part I / Article " + std::to_string(i + 1);
        s.role = i == 0 ? "heading" : "body";
        out.push_back(s);
    }
    NewSegment code;
    code.text = "int main() { return 0; }";
    code.filePath = "src/main.cpp";
    code.lineStart = 10;
    code.lineEnd = 24;
    code.role = "code";
    out.push_back(code);
    return out;
}

} // namespace

class DocumentsTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::optional<Library> library_;

private slots:
    void init() {
        QVERIFY(dir_.isValid());
        std::filesystem::remove(libraryIn(dir_));
        std::filesystem::remove(libraryIn(dir_).string() + "-wal");
        std::filesystem::remove(libraryIn(dir_).string() + "-shm");
        library_.emplace(Library::open(libraryIn(dir_)));
    }

    void documentsRoundTrip() {
        Connection c = library_->openWriter();
        DocumentStore docs(c);
        const auto a = docs.addDocument(sampleDocument("/a.pdf"));
        const auto b = docs.addDocument(sampleDocument("/b.pdf"));
        QVERIFY(a != b);
        auto rec = docs.document(a);
        QVERIFY(rec);
        QCOMPARE(rec->sourcePath, std::string("/a.pdf"));
        QCOMPARE(rec->contentHash, std::string("sha256-of-/a.pdf"));
        QCOMPARE(rec->kind, std::string("pdf"));
        QCOMPARE(rec->title, std::string("Title of /a.pdf"));
        QCOMPARE(rec->metadataJson, std::string(R"({"pages": 3, "author": "Ada"})"));
        QVERIFY(rec->addedAt > 1600000000000);
        QCOMPARE(rec->updatedAt, rec->addedAt);
        QCOMPARE(docs.documentByPath("/b.pdf")->id, b);
        QVERIFY(!docs.documentByPath("/c.pdf"));
        QCOMPARE(docs.documentsWithHash("sha256-of-/b.pdf").size(), std::size_t{1});
        QCOMPARE(docs.documents().size(), std::size_t{2});

        NewDocument changed = sampleDocument("/a.pdf");
        changed.title = "Renamed — ünïcödé ✓";
        changed.contentHash = "new-hash";
        QVERIFY(docs.updateDocument(a, changed));
        QCOMPARE(docs.document(a)->title, changed.title);
        QVERIFY(docs.document(a)->updatedAt >= rec->updatedAt);
        QVERIFY(!docs.updateDocument(9999, changed));
        QVERIFY(docs.removeDocument(b));
        QVERIFY(!docs.removeDocument(b));
        QCOMPARE(docs.documents().size(), std::size_t{1});
    }

    void badDocumentsAreRefusedWithTypedErrors() {
        Connection c = library_->openWriter();
        DocumentStore docs(c);
        docs.addDocument(sampleDocument("/same.pdf"));
        try {
            docs.addDocument(sampleDocument("/same.pdf"));
            QFAIL("a second document with the same path was stored");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::Constraint);
            const std::string what = e.what();
            QVERIFY2(what.find(libraryIn(dir_).string()) != std::string::npos, e.what());
            QVERIFY2(what.find("add document /same.pdf") != std::string::npos, e.what());
            QCOMPARE(e.operation(), std::string("add document /same.pdf"));
        }
        NewDocument bad = sampleDocument("/bad.pdf");
        bad.metadataJson = "{not json";
        QVERIFY_THROWS_EXCEPTION(StorageError, docs.addDocument(bad));
        try {
            docs.appendSegments(424242, pageSegments());
            QFAIL("segments of a missing document were stored");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::InvalidArgument);
        }
        QCOMPARE(count(c, "segments"), std::int64_t{0});
    }

    void segmentsKeepTheirProvenance() {
        Connection c = library_->openWriter();
        DocumentStore docs(c);
        const auto doc = docs.addDocument(sampleDocument("/p.pdf"));
        const auto in = pageSegments();
        const auto firstId = docs.appendSegments(doc, in);
        QVERIFY(firstId > 0);
        const auto more = docs.appendSegments(doc, in); // ordinals continue
        QCOMPARE(docs.segmentCount(doc), std::int64_t{8});
        const auto all = docs.segments(doc);
        QCOMPARE(all.size(), std::size_t{8});
        for (std::size_t i = 0; i < all.size(); ++i) {
            const SegmentRecord& r = all[i];
            const NewSegment& e = in[i % in.size()];
            QCOMPARE(r.ordinal, std::int64_t(i));
            QCOMPARE(r.documentId, doc);
            QCOMPARE(r.text, e.text);
            QCOMPARE(r.pageIndex, e.pageIndex);
            QCOMPARE(r.pageLabel, e.pageLabel);
            QCOMPARE(r.filePath, e.filePath);
            QCOMPARE(r.lineStart, e.lineStart);
            QCOMPARE(r.lineEnd, e.lineEnd);
            QCOMPARE(r.sectionPath, e.sectionPath);
            QCOMPARE(r.role, e.role);
        }
        QCOMPARE(all[4].id, more);
        QCOMPARE(docs.segment(firstId)->text, in[0].text);
        QCOMPARE(docs.segments(doc, 6).size(), std::size_t{2});
        QCOMPARE(docs.segments(doc, 1, 2).size(), std::size_t{2});

        // Replacing swaps the text everywhere, the full-text index included.
        std::vector<NewSegment> replacement(1);
        replacement[0].text = "entirely different wording";
        docs.replaceSegments(doc, replacement);
        QCOMPARE(docs.segmentCount(doc), std::int64_t{1});
        SegmentSearch search(c);
        QVERIFY(search.search("notice", 10).empty());
        QCOMPARE(search.search("wording", 10).size(), std::size_t{1});
        ftsIntegrityCheck(c);
    }

    void removingADocumentCascades() {
        Connection c = library_->openWriter();
        DocumentStore docs(c);
        const auto doc = docs.addDocument(sampleDocument("/gone.pdf"));
        const auto kept = docs.addDocument(sampleDocument("/kept.pdf"));
        docs.appendSegments(doc, pageSegments());
        docs.appendSegments(kept, pageSegments());
        TokenStore(c).put(doc, "granite", std::vector<std::int32_t>(1000, 7));
        SessionStore sessions(c);
        const auto sid = sessions.createSession({doc, "s", "m"});
        sessions.addMessage(sid, {"q", "a"});
        sessions.createSession({kept, "s2", "m"});

        QVERIFY(docs.removeDocument(doc));
        QCOMPARE(count(c, "segments"), std::int64_t{4});
        QCOMPARE(count(c, "token_arrays"), std::int64_t{0});
        QCOMPARE(count(c, "sessions"), std::int64_t{1});
        QCOMPARE(count(c, "messages"), std::int64_t{0});
        // The cascade ran the delete trigger: the index no longer finds them.
        const auto hits = SegmentSearch(c).search("notice periods", 50);
        QCOMPARE(hits.size(), std::size_t{3});
        for (const auto& h : hits)
            QCOMPARE(h.documentId, kept);
        ftsIntegrityCheck(c);
    }

    void tokenArraysRoundTripAndDetectCorruption() {
        Connection c = library_->openWriter();
        const auto doc = DocumentStore(c).addDocument(sampleDocument("/t.txt"));
        TokenStore tokens(c);
        std::vector<std::int32_t> ids(200000);
        for (std::size_t i = 0; i < ids.size(); ++i)
            ids[i] = static_cast<std::int32_t>((i * 2654435761u) % 49152);
        tokens.put(doc, "granite-4.0-h", ids);
        tokens.put(doc, "llama-3", std::vector<std::int32_t>{});
        QCOMPARE(*tokens.get(doc, "granite-4.0-h"), ids);
        QVERIFY(tokens.get(doc, "llama-3")->empty());
        QVERIFY(!tokens.get(doc, "other"));
        QCOMPARE(tokens.tokenizersFor(doc), (std::vector<std::string>{"granite-4.0-h", "llama-3"}));
        // Replace.
        ids.resize(10);
        tokens.put(doc, "granite-4.0-h", ids);
        QCOMPARE(*tokens.get(doc, "granite-4.0-h"), ids);

        // A changed byte is caught by the checksum.
        ids.assign(5000, 0);
        for (std::size_t i = 0; i < ids.size(); ++i)
            ids[i] = static_cast<std::int32_t>(i);
        tokens.put(doc, "granite-4.0-h", ids);
        {
            auto s = c.statement("SELECT rowid FROM token_arrays WHERE tokenizer_id = ?");
            s->bindAll("granite-4.0-h");
            QVERIFY(s->step());
            const auto rowid = s->int64(0);
            sqlite3_blob* blob = nullptr;
            QCOMPARE(sqlite3_blob_open(c.handle(), "main", "token_arrays", "data", rowid, 1, &blob),
                     SQLITE_OK);
            unsigned char byte = 0;
            const int at = sqlite3_blob_bytes(blob) / 2;
            QCOMPARE(sqlite3_blob_read(blob, &byte, 1, at), SQLITE_OK);
            byte ^= 0x10;
            QCOMPARE(sqlite3_blob_write(blob, &byte, 1, at), SQLITE_OK);
            sqlite3_blob_close(blob);
        }
        try {
            tokens.get(doc, "granite-4.0-h");
            QFAIL("a corrupt token array was returned");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::Corrupt);
        }
        QVERIFY(tokens.remove(doc, "granite-4.0-h"));
        QVERIFY(!tokens.remove(doc, "granite-4.0-h"));
    }

    // One summary per (document, model); a newer one replaces it; lookups are by the
    // document's content version; bad JSON is refused; the document takes them along.
    void summariesAreKeptPerDocumentAndModel() {
        Connection c = library_->openWriter();
        DocumentStore docs(c);
        const auto doc = docs.addDocument(sampleDocument("/contract.pdf"));
        SummaryStore summaries(c);
        const auto first = summaries.put({doc, "h1", "", "Extractive one [1].", "[]", "{}"});
        QTest::qWait(2);
        summaries.put({doc, "h1", "granite", "Model one [1].", R"([{"segment":3}])",
                       R"({"tokens_read":10})"});
        QCOMPARE(summaries.count(doc), std::int64_t{2});
        QCOMPARE(summaries.latest(doc, "h1")->text, std::string("Model one [1]."));
        QCOMPARE(summaries.latest(doc, "h1")->citationsJson, std::string(R"([{"segment":3}])"));
        QTest::qWait(2);
        // The extractive summary again: replaces its row, and is now the newest.
        QCOMPARE(summaries.put({doc, "h1", "", "Extractive two [1].", "[]", "{}"}), first);
        QCOMPARE(summaries.count(doc), std::int64_t{2});
        QCOMPARE(summaries.latest(doc, "h1")->text, std::string("Extractive two [1]."));
        // The file changed: the granite summary now describes version h2 only.
        summaries.put({doc, "h2", "granite", "New version.", "[]", "{}"});
        QCOMPARE(summaries.latest(doc, "h2")->text, std::string("New version."));
        QCOMPARE(summaries.latest(doc, "h1")->text, std::string("Extractive two [1]."));
        QVERIFY_THROWS_EXCEPTION(StorageError,
                                 summaries.put({doc, "h1", "x", "t", "not json", "{}"}));
        QVERIFY_THROWS_EXCEPTION(StorageError, summaries.put({98765, "h", "", "t", "[]", "{}"}));
        QVERIFY(docs.removeDocument(doc));
        QCOMPARE(summaries.count(doc), std::int64_t{0});
    }

    void sessionsAndMessages() {
        Connection c = library_->openWriter();
        const auto doc = DocumentStore(c).addDocument(sampleDocument("/s.pdf"));
        SessionStore sessions(c);
        const auto s1 = sessions.createSession({doc, "Notice periods", "granite-4.0-h-1b"});
        const auto s2 = sessions.createSession({std::nullopt, "Loose", ""});
        const auto m1 = sessions.addMessage(s1, {"What is the notice period?", "Thirty days [1].",
                                                 R"([{"segment": 12, "label": "p. 4"}])",
                                                 R"({"ttft_ms": 820, "tok_s": 41.5})"});
        const auto m2 = sessions.addMessage(s1, {"And for tenants?", "Sixty days."});
        QVERIFY(m2 > m1);
        const auto msgs = sessions.messages(s1);
        QCOMPARE(msgs.size(), std::size_t{2});
        QCOMPARE(msgs[0].ordinal, std::int64_t{0});
        QCOMPARE(msgs[1].ordinal, std::int64_t{1});
        QCOMPARE(msgs[0].question, std::string("What is the notice period?"));
        QCOMPARE(msgs[0].citationsJson, std::string(R"([{"segment": 12, "label": "p. 4"}])"));
        QCOMPARE(msgs[0].metricsJson, std::string(R"({"ttft_ms": 820, "tok_s": 41.5})"));
        QCOMPARE(msgs[1].citationsJson, std::string("[]"));
        QCOMPARE(sessions.session(s1)->messageCount, std::int64_t{2});
        QCOMPARE(sessions.sessions(doc).size(), std::size_t{1});
        QCOMPARE(sessions.sessions().size(), std::size_t{2});
        QCOMPARE(sessions.sessions().front().id, s1); // most recently updated first
        QVERIFY(sessions.renameSession(s2, "Renamed"));
        QCOMPARE(sessions.session(s2)->title, std::string("Renamed"));

        QVERIFY_THROWS_EXCEPTION(StorageError, sessions.addMessage(s1, {"q", "a", "not json"}));
        QCOMPARE(sessions.messages(s1).size(), std::size_t{2});
        QVERIFY_THROWS_EXCEPTION(StorageError, sessions.addMessage(98765, {"q", "a"}));
        QVERIFY(sessions.removeSession(s1));
        QCOMPARE(count(c, "messages"), std::int64_t{0});
    }

    void settings() {
        Connection c = library_->openWriter();
        SettingsStore settings(c);
        QVERIFY(!settings.get("model.path"));
        QCOMPARE(settings.getOr("cache.budget", "16G"), std::string("16G"));
        settings.set("model.path", "/models/granite");
        settings.set("model.path", "/models/falcon");
        settings.set("ui.theme", "dark");
        QCOMPARE(*settings.get("model.path"), std::string("/models/falcon"));
        QCOMPARE(settings.all().size(), std::size_t{2});
        QVERIFY(settings.remove("ui.theme"));
        QVERIFY(!settings.remove("ui.theme"));
        // Readers see committed settings.
        Connection reader = library_->openReader();
        QCOMPARE(*SettingsStore(reader).get("model.path"), std::string("/models/falcon"));
    }

    void transactionsRollBackUnlessCommitted() {
        Connection c = library_->openWriter();
        SettingsStore settings(c);
        {
            Transaction tx(c);
            settings.set("a", "1");
        }
        QVERIFY(!settings.get("a"));
        try {
            Transaction tx(c);
            settings.set("b", "1");
            throw std::runtime_error("job failed");
        } catch (const std::runtime_error&) {
        }
        QVERIFY(!settings.get("b"));
        QVERIFY(!c.inTransaction());

        // Nested transactions are savepoints: the inner one rolls back alone.
        {
            Transaction outer(c);
            settings.set("outer", "1");
            {
                Transaction inner(c);
                QVERIFY(inner.nested());
                settings.set("inner", "1");
            }
            {
                Transaction inner(c);
                settings.set("inner2", "1");
                inner.commit();
            }
            outer.commit();
        }
        QVERIFY(settings.get("outer"));
        QVERIFY(!settings.get("inner"));
        QVERIFY(settings.get("inner2"));

        // A store call that fails inside a caller's transaction undoes only itself.
        DocumentStore docs(c);
        {
            Transaction outer(c);
            const auto doc = docs.addDocument(sampleDocument("/x.pdf"));
            docs.appendSegments(doc, pageSegments());
            QVERIFY_THROWS_EXCEPTION(StorageError, docs.appendSegments(777, pageSegments()));
            outer.commit();
        }
        QCOMPARE(count(c, "segments"), std::int64_t{4});
    }

    void cachedStatementsAreReentrant() {
        Connection c = library_->openWriter();
        SettingsStore settings(c);
        settings.set("k1", "v1");
        settings.set("k2", "v2");
        const std::string sql = "SELECT key, value FROM settings ORDER BY key";
        auto outer = c.statement(sql);
        QVERIFY(outer->step());
        {
            // The same SQL while the cached copy is stepping: a private statement.
            auto inner = c.statement(sql);
            QVERIFY(inner->step());
            QCOMPARE(inner->text(0), std::string("k1"));
            QVERIFY(inner->step());
            QCOMPARE(inner->text(0), std::string("k2"));
        }
        QCOMPARE(outer->text(0), std::string("k1"));
        QVERIFY(outer->step());
        QCOMPARE(outer->text(0), std::string("k2"));
        QVERIFY(!outer->step());
    }

    void readersCannotWrite() {
        Connection reader = library_->openReader();
        try {
            SettingsStore(reader).set("x", "y");
            QFAIL("a reader wrote");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageErrorKind::ReadOnly);
            QVERIFY2(QString(e.what()).contains("read-only connection"), e.what());
        }
    }

    // A library the user may not write says which file or folder is in the way, in one
    // line without the SQL that met it. (Tests run as root, whom permissions do not stop:
    // the codes SQLite gives are fed in directly.)
    void readOnlyLibrariesSayWhatCannotBeWritten() {
        ConnectionHandle h;
        h.file = "/srv/shared/library.db";
        h.operations.push_back("open");
        const auto message = [&](int code) {
            try {
                h.fail(code, "'PRAGMA foreign_keys = ON'");
            } catch (const StorageError& e) {
                [&] { QCOMPARE(e.kind(), StorageErrorKind::ReadOnly); }();
                return QString(e.what());
            }
            return QString();
        };
        const QString folder = message(SQLITE_READONLY_DIRECTORY);
        QVERIFY2(folder.startsWith("/srv/shared/library.db: open failed: the folder /srv/shared "
                                   "cannot be written"),
                 qPrintable(folder));
        QVERIFY2(message(SQLITE_READONLY_CANTINIT).contains("library.db-shm"),
                 qPrintable(message(SQLITE_READONLY_CANTINIT)));
        QVERIFY(message(SQLITE_READONLY).contains("the library file cannot be written"));
        for (int code : {SQLITE_READONLY, SQLITE_READONLY_DIRECTORY, SQLITE_READONLY_CANTINIT})
            QVERIFY(!message(code).contains("PRAGMA") && !message(code).contains('\n'));
    }
};

QTEST_GUILESS_MAIN(DocumentsTest)
#include "tst_storage_documents.moc"
