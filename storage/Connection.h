// One SQLite connection to a library file: opened with Longview's pragmas, a cache
// of prepared statements, and errors that name the file and the operation.
#pragma once

#include "storage/Statement.h"
#include "storage/StorageError.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;

namespace lv::storage {

enum class Access { ReadWrite, ReadOnly };

struct ConnectionOptions {
    Access access = Access::ReadWrite;
    bool create = false; // create the file when missing (ReadWrite only)
    // How long a statement waits for another connection's lock before SQLITE_BUSY.
    std::chrono::milliseconds busyTimeout{10000};
};

// The state a connection and its statements share; stable while the Connection
// object moves.
struct ConnectionHandle {
    sqlite3* db = nullptr;
    std::filesystem::path file;
    Access access = Access::ReadWrite;
    std::vector<std::string> operations; // innermost last
    struct CacheEntry {
        std::unique_ptr<Statement> statement;
        bool inUse = false;
    };
    std::unordered_map<std::string, CacheEntry> cache;

    std::string operationName() const;
    StorageError error(StorageErrorKind kind, std::string detail, int sqliteCode = 0) const;
    // Throws the StorageError for a failed SQLite call, with sqlite3_errmsg's text.
    [[noreturn]] void fail(int sqliteCode, std::string_view what) const;
    // The detail of a SQLITE_READONLY* code, in the user's terms.
    std::string readOnlyDetail(int sqliteCode) const;
};

// Names the operation in progress for error messages, e.g. "save state".
class OperationScope {
public:
    OperationScope(ConnectionHandle& handle, std::string name);
    ~OperationScope();
    OperationScope(const OperationScope&) = delete;
    OperationScope& operator=(const OperationScope&) = delete;

private:
    ConnectionHandle* handle_;
};

class Connection {
public:
    // Opens the file with foreign keys on, the busy timeout set, synchronous=NORMAL
    // (durable across process crashes in WAL mode) and secure_delete=FAST. Does not
    // change the journal mode: Library::open puts the file into WAL once.
    explicit Connection(std::filesystem::path file, ConnectionOptions options = {});
    ~Connection();
    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;

    const std::filesystem::path& file() const;
    Access access() const;
    sqlite3* handle() const;

    // Runs one or more statements that return no rows.
    void exec(std::string_view sql);
    // A statement from this connection's cache (prepared on first use).
    CachedStatement statement(std::string_view sql);
    // The value of a pragma or a one-row, one-column query, as int64.
    std::int64_t queryInt64(std::string_view sql);

    std::int64_t lastInsertRowId() const;
    std::int64_t changes() const;
    bool inTransaction() const;

    OperationScope operation(std::string name);
    // An error of this connection: file and current operation filled in.
    StorageError error(StorageErrorKind kind, std::string detail, int sqliteCode = 0) const;
    [[noreturn]] void fail(int sqliteCode, std::string_view what) const;
    void check(int sqliteCode, std::string_view what) const {
        if (sqliteCode != 0) fail(sqliteCode, what);
    }

    ConnectionHandle& connectionHandle() { return *handle_; }

private:
    std::unique_ptr<ConnectionHandle> handle_;
};

} // namespace lv::storage
