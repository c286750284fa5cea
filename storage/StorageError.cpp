#include "storage/StorageError.h"

#include <sqlite3.h>

namespace lv::storage {

namespace {
std::string composeMessage(const std::filesystem::path& file, const std::string& operation,
                           const std::string& detail, int sqliteCode) {
    std::string message = file.empty() ? std::string("(no file)") : file.string();
    message += ": ";
    message += operation.empty() ? std::string("storage operation") : operation;
    message += " failed: ";
    message += detail;
    if (sqliteCode != 0) message += " [SQLite " + std::to_string(sqliteCode) + "]";
    return message;
}
} // namespace

StorageError::StorageError(StorageErrorKind kind, std::filesystem::path file, std::string operation,
                           std::string detail, int sqliteCode)
    : std::runtime_error(composeMessage(file, operation, detail, sqliteCode)), kind_(kind),
      file_(std::move(file)), operation_(std::move(operation)), detail_(std::move(detail)),
      sqliteCode_(sqliteCode) {}

const char* storageErrorKindName(StorageErrorKind kind) {
    switch (kind) {
    case StorageErrorKind::DiskFull:
        return "disk full";
    case StorageErrorKind::Io:
        return "I/O error";
    case StorageErrorKind::Corrupt:
        return "corrupt";
    case StorageErrorKind::Busy:
        return "busy";
    case StorageErrorKind::ReadOnly:
        return "read-only";
    case StorageErrorKind::Constraint:
        return "constraint";
    case StorageErrorKind::SchemaTooNew:
        return "schema too new";
    case StorageErrorKind::NotALibrary:
        return "not a library";
    case StorageErrorKind::InvalidArgument:
        return "invalid argument";
    case StorageErrorKind::Other:
        return "error";
    }
    return "error";
}

StorageErrorKind storageErrorKindFor(int sqliteCode) {
    switch (sqliteCode & 0xff) {
    case SQLITE_FULL:
        return StorageErrorKind::DiskFull;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return StorageErrorKind::Io;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return StorageErrorKind::Corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return StorageErrorKind::Busy;
    case SQLITE_READONLY:
        return StorageErrorKind::ReadOnly;
    case SQLITE_CONSTRAINT:
        return StorageErrorKind::Constraint;
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
        return StorageErrorKind::InvalidArgument;
    default:
        return StorageErrorKind::Other;
    }
}

} // namespace lv::storage
