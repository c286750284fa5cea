#include "storage/Schema.h"

#include "storage/Transaction.h"

#include <array>
#include <string>

namespace lv::storage {

namespace {

void createCoreTables(Connection& c) {
    c.exec(R"sql(
CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    source_path  TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    metadata     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    added_at     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX documents_by_hash ON documents(content_hash);

CREATE TABLE segments (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    text         TEXT NOT NULL,
    page_index   INTEGER,
    page_label   TEXT,
    file_path    TEXT,
    line_start   INTEGER,
    line_end     INTEGER,
    section_path TEXT,
    role         TEXT NOT NULL DEFAULT 'body',
    UNIQUE (document_id, ordinal)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
)sql");
    c.exec("PRAGMA application_id = " + std::to_string(kLibraryApplicationId));
}

void createFullTextIndex(Connection& c) {
    // External content: the text lives once, in segments; triggers keep the index
    // in step with every insert, update and delete (cascades included).
    c.exec(R"sql(
CREATE VIRTUAL TABLE segments_fts USING fts5(
    text,
    content = 'segments',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER segments_fts_after_insert AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER segments_fts_after_delete AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER segments_fts_after_update AFTER UPDATE OF text ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
INSERT INTO segments_fts(segments_fts) VALUES ('rebuild');
)sql");
}

void createTokenArrays(Connection& c) {
    c.exec(R"sql(
CREATE TABLE token_arrays (
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    tokenizer_id TEXT NOT NULL,
    token_count  INTEGER NOT NULL,
    codec        INTEGER NOT NULL,
    checksum     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    data         BLOB NOT NULL,
    PRIMARY KEY (document_id, tokenizer_id)
);
)sql");
}

void createStateCache(Connection& c) {
    // AUTOINCREMENT: a state id is never reused, so that a reader holding an id
    // can tell a replaced state from its successor. The blob is the last column:
    // reading the columns before it never walks the blob's overflow pages.
    c.exec(R"sql(
CREATE TABLE states (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    document_hash     TEXT NOT NULL,
    model_fingerprint TEXT NOT NULL,
    prefix_hash       TEXT NOT NULL,
    total_bytes       INTEGER NOT NULL,
    stored_bytes      INTEGER NOT NULL,
    chunk_count       INTEGER NOT NULL,
    metadata          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    created_at        INTEGER NOT NULL,
    last_used         INTEGER NOT NULL,
    UNIQUE (document_hash, model_fingerprint, prefix_hash)
);
CREATE INDEX states_by_last_used ON states(last_used);

CREATE TABLE state_chunks (
    id        INTEGER PRIMARY KEY,
    state_id  INTEGER NOT NULL REFERENCES states(id) ON DELETE CASCADE,
    ordinal   INTEGER NOT NULL,
    raw_bytes INTEGER NOT NULL,
    codec     INTEGER NOT NULL,
    checksum  INTEGER NOT NULL,
    data      BLOB NOT NULL,
    UNIQUE (state_id, ordinal)
);
)sql");
}

void createSessions(Connection& c) {
    c.exec(R"sql(
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
    title       TEXT NOT NULL DEFAULT '',
    model       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_document ON sessions(document_id);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    ordinal    INTEGER NOT NULL,
    question   TEXT NOT NULL,
    answer     TEXT NOT NULL,
    citations  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(citations)),
    metrics    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
    created_at INTEGER NOT NULL,
    UNIQUE (session_id, ordinal)
);
)sql");
}

void createSummaries(Connection& c) {
    c.exec(R"sql(
CREATE TABLE summaries (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    model        TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL,
    citations    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(citations)),
    metrics      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
    created_at   INTEGER NOT NULL,
    UNIQUE (document_id, model)
);
)sql");
}

constexpr std::array<Migration, 6> kMigrations{{
    {1, "documents, segments, settings", &createCoreTables},
    {2, "segments_fts: FTS5 over segment text, kept in sync by triggers", &createFullTextIndex},
    {3, "token arrays per document and tokenizer", &createTokenArrays},
    {4, "model-state cache: states and their checksummed chunks", &createStateCache},
    {5, "sessions and messages", &createSessions},
    {6, "summaries: the last one per document and model", &createSummaries},
}};

} // namespace

std::span<const Migration> schemaMigrations() {
    return kMigrations;
}

int latestSchemaVersion() {
    return kMigrations.back().version;
}

int schemaVersion(Connection& connection) {
    return static_cast<int>(connection.queryInt64("PRAGMA user_version"));
}

void migrateSchema(Connection& connection, int targetVersion) {
    if (schemaVersion(connection) >= targetVersion) return;
    // All steps in one transaction (each a savepoint inside it): other connections see
    // the version before or the target, never a library half made.
    auto all =
        connection.operation("migrate the schema to version " + std::to_string(targetVersion));
    Transaction whole(connection, TransactionMode::Immediate);
    for (const Migration& m : kMigrations) {
        if (m.version > targetVersion) break;
        if (schemaVersion(connection) >= m.version) continue;
        auto op =
            connection.operation("migrate the schema to version " + std::to_string(m.version) +
                                 " (" + std::string(m.summary) + ")");
        Transaction tx(connection, TransactionMode::Immediate);
        // Read inside the write lock: another process may have migrated meanwhile.
        if (schemaVersion(connection) >= m.version) continue;
        m.apply(connection);
        connection.exec("PRAGMA user_version = " + std::to_string(m.version));
        tx.commit();
    }
    whole.commit();
}

} // namespace lv::storage
