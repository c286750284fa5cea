// The one exception type storage throws: which file, which operation, what went wrong.
// Callers branch on kind() (disk full, I/O, corrupt, busy, schema too new...).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace lv::storage {

enum class StorageErrorKind {
    DiskFull,        // SQLITE_FULL: the disk (or a file size limit) has no room
    Io,              // SQLITE_IOERR*, SQLITE_CANTOPEN
    Corrupt,         // SQLITE_CORRUPT, SQLITE_NOTADB, or a checksum that does not match
    Busy,            // SQLITE_BUSY / SQLITE_LOCKED after the busy timeout
    ReadOnly,        // SQLITE_READONLY, or a write through a reader connection
    Constraint,      // a UNIQUE / FOREIGN KEY / CHECK constraint refused the data
    SchemaTooNew,    // the file was written by a newer Longview
    NotALibrary,     // a SQLite file that is not a Longview library
    InvalidArgument, // the caller passed something storage cannot store
    Other,
};

const char* storageErrorKindName(StorageErrorKind kind);

class StorageError : public std::runtime_error {
public:
    // sqliteCode: the extended result code, or 0 when the error is not SQLite's.
    StorageError(StorageErrorKind kind, std::filesystem::path file, std::string operation,
                 std::string detail, int sqliteCode = 0);

    StorageErrorKind kind() const { return kind_; }
    const std::filesystem::path& file() const { return file_; }
    const std::string& operation() const { return operation_; }
    const std::string& detail() const { return detail_; }
    int sqliteCode() const { return sqliteCode_; }

private:
    StorageErrorKind kind_;
    std::filesystem::path file_;
    std::string operation_;
    std::string detail_;
    int sqliteCode_;
};

// Maps a SQLite result code (primary or extended) to the kind callers branch on.
StorageErrorKind storageErrorKindFor(int sqliteCode);

} // namespace lv::storage
