#include "storage/Connection.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>

namespace lv::storage {

std::string ConnectionHandle::operationName() const {
    return operations.empty() ? std::string("database access") : operations.back();
}

StorageError ConnectionHandle::error(StorageErrorKind kind, std::string detail,
                                     int sqliteCode) const {
    return StorageError(kind, file, operationName(), std::move(detail), sqliteCode);
}

// What the user can do something about, without the statement that met it: the library,
// its folder (where SQLite must create the journal and WAL files beside it) or the
// shared-memory file beside it cannot be written.
std::string ConnectionHandle::readOnlyDetail(int sqliteCode) const {
    const std::string folder = file.parent_path().empty() ? "." : file.parent_path().string();
    switch (sqliteCode) {
    case SQLITE_READONLY_DIRECTORY:
        return "the folder " + folder +
               " cannot be written, and SQLite keeps its journal files beside the library";
    case SQLITE_READONLY_CANTINIT:
    case SQLITE_READONLY_CANTLOCK:
    case SQLITE_READONLY_RECOVERY:
        return "the library's shared-memory file (" + file.filename().string() + "-shm) in " +
               folder + " cannot be created or written";
    case SQLITE_READONLY_DBMOVED:
        return "the library file was moved or deleted while open";
    default:
        return access == Access::ReadOnly
                   ? "a write through a read-only connection"
                   : "the library file cannot be written (no write permission, or a read-only "
                     "file system)";
    }
}

void ConnectionHandle::fail(int sqliteCode, std::string_view what) const {
    StorageErrorKind kind = storageErrorKindFor(sqliteCode);
    const int sys = db ? sqlite3_system_errno(db) : 0;
    // A write refused for lack of room shows up as SQLITE_IOERR_WRITE when the
    // limit is a file size limit (EFBIG) or a quota (EDQUOT); for the user it is
    // the same situation as SQLITE_FULL.
    const bool writing = sqliteCode == SQLITE_IOERR_WRITE || sqliteCode == SQLITE_IOERR_FSYNC ||
                         sqliteCode == SQLITE_IOERR_TRUNCATE || sqliteCode == SQLITE_IOERR_SHMSIZE;
    if (writing && (sys == ENOSPC || sys == EFBIG || sys == EDQUOT))
        kind = StorageErrorKind::DiskFull;
    if (kind == StorageErrorKind::ReadOnly)
        throw error(kind, readOnlyDetail(sqliteCode), sqliteCode);
    std::string detail(what);
    if (!detail.empty()) detail += ": ";
    if (kind == StorageErrorKind::DiskFull) {
        detail += "no room to write: the disk is full or a file size limit was reached";
        if (sys == ENOSPC || sys == EFBIG || sys == EDQUOT)
            detail += std::string(" (") + std::strerror(sys) + ")";
    } else if (db && (sqlite3_extended_errcode(db) == sqliteCode ||
                      (sqlite3_errcode(db) & 0xff) == (sqliteCode & 0xff))) {
        // sqlite3_errmsg describes the most recent failing call; use it when it
        // speaks about this error.
        detail += sqlite3_errmsg(db);
    } else {
        detail += sqlite3_errstr(sqliteCode);
    }
    throw error(kind, std::move(detail), sqliteCode);
}

OperationScope::OperationScope(ConnectionHandle& handle, std::string name) : handle_(&handle) {
    handle_->operations.push_back(std::move(name));
}

OperationScope::~OperationScope() {
    handle_->operations.pop_back();
}

namespace {
void closeHandle(ConnectionHandle& h) {
    h.cache.clear(); // finalize every cached statement before closing
    if (h.db) sqlite3_close_v2(h.db);
    h.db = nullptr;
}
} // namespace

Connection::Connection(std::filesystem::path file, ConnectionOptions options)
    : handle_(std::make_unique<ConnectionHandle>()) {
    ConnectionHandle& h = *handle_;
    h.file = std::move(file);
    h.access = options.access;
    OperationScope scope(h, "open");

    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (options.access == Access::ReadOnly)
        flags |= SQLITE_OPEN_READONLY;
    else
        flags |= SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0);

    const int rc = sqlite3_open_v2(h.file.c_str(), &h.db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string detail = "cannot open the database";
        if (h.db) detail += std::string(": ") + sqlite3_errmsg(h.db);
        closeHandle(h);
        throw StorageError(storageErrorKindFor(rc), h.file, "open", detail, rc);
    }
    try {
        sqlite3_extended_result_codes(h.db, 1);
        sqlite3_busy_timeout(h.db, static_cast<int>(options.busyTimeout.count()));
        // Guard the schema against writes through SQL, and refuse "double-quoted"
        // string literals so that a typo in a column name is an error.
        sqlite3_db_config(h.db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
        sqlite3_db_config(h.db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
        sqlite3_db_config(h.db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
        // 16 MiB of page cache (the default is 2 MiB) for FTS merges and B-trees.
        exec("PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384");
        if (options.access == Access::ReadWrite) {
            // WAL + NORMAL: a process crash never loses a commit; a power cut may
            // lose the last ones but never corrupts. FAST: do not zero the freed
            // overflow pages of an evicted state (Debian enables secure_delete).
            // journal_size_limit: after a checkpoint, shrink a WAL that a large
            // state save grew, instead of keeping gigabytes of it on disk.
            exec("PRAGMA synchronous = NORMAL; PRAGMA secure_delete = FAST; "
                 "PRAGMA journal_size_limit = 67108864");
        }
    } catch (...) {
        closeHandle(h);
        throw;
    }
}

Connection::~Connection() {
    if (handle_) closeHandle(*handle_);
}

Connection::Connection(Connection&&) noexcept = default;

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        if (handle_) closeHandle(*handle_);
        handle_ = std::move(other.handle_);
    }
    return *this;
}

const std::filesystem::path& Connection::file() const {
    return handle_->file;
}
Access Connection::access() const {
    return handle_->access;
}
sqlite3* Connection::handle() const {
    return handle_->db;
}

void Connection::exec(std::string_view sql) {
    const std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(handle_->db, text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message); // sqlite3_errmsg still holds the same text
    if (rc != SQLITE_OK) {
        std::string what = text.size() > 60 ? text.substr(0, 57) + "..." : text;
        handle_->fail(rc, "'" + what + "'");
    }
}

CachedStatement Connection::statement(std::string_view sql) {
    auto [it, inserted] = handle_->cache.try_emplace(std::string(sql));
    ConnectionHandle::CacheEntry& entry = it->second;
    if (!entry.statement) {
        try {
            entry.statement = std::make_unique<Statement>(*handle_, sql, true);
        } catch (...) {
            handle_->cache.erase(it);
            throw;
        }
    }
    if (entry.inUse) return CachedStatement(Statement(*handle_, sql, false));
    entry.inUse = true;
    return CachedStatement(*entry.statement, &entry.inUse);
}

std::int64_t Connection::queryInt64(std::string_view sql) {
    Statement s(*handle_, sql, false);
    if (!s.step()) throw handle_->error(StorageErrorKind::Other, "query returned no row");
    return s.int64(0);
}

std::int64_t Connection::lastInsertRowId() const {
    return sqlite3_last_insert_rowid(handle_->db);
}
std::int64_t Connection::changes() const {
    return sqlite3_changes64(handle_->db);
}
bool Connection::inTransaction() const {
    return sqlite3_get_autocommit(handle_->db) == 0;
}

OperationScope Connection::operation(std::string name) {
    return OperationScope(*handle_, std::move(name));
}

StorageError Connection::error(StorageErrorKind kind, std::string detail, int sqliteCode) const {
    return handle_->error(kind, std::move(detail), sqliteCode);
}

void Connection::fail(int sqliteCode, std::string_view what) const {
    handle_->fail(sqliteCode, what);
}

} // namespace lv::storage
