#include "storage/DatabaseCopy.h"

#include <sqlite3.h>

#include <system_error>

namespace lv::storage {

void copyDatabase(Connection& source, const std::filesystem::path& destination) {
    auto op = source.operation("back up to " + destination.string());
    std::error_code ec;
    if (std::filesystem::exists(destination, ec))
        throw source.error(StorageErrorKind::InvalidArgument,
                           "the backup file " + destination.string() + " already exists");

    int rc = SQLITE_OK;
    int finish = SQLITE_OK;
    {
        Connection target(destination, ConnectionOptions{Access::ReadWrite, true});
        sqlite3_backup* backup =
            sqlite3_backup_init(target.handle(), "main", source.handle(), "main");
        if (!backup) {
            rc = sqlite3_extended_errcode(target.handle());
        } else {
            // Whole file in one step: the copy is a single consistent snapshot.
            do {
                rc = sqlite3_backup_step(backup, -1);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
            } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            finish = sqlite3_backup_finish(backup);
        }
    }
    if (rc != SQLITE_DONE || finish != SQLITE_OK) {
        const int code = rc != SQLITE_DONE ? rc : finish;
        std::filesystem::remove(destination, ec);
        throw source.error(storageErrorKindFor(code),
                           "copying to " + destination.string() + " failed", code);
    }
}

std::filesystem::path backupPathFor(const std::filesystem::path& file, int fromVersion) {
    std::error_code ec;
    const std::string base = file.string() + ".v" + std::to_string(fromVersion);
    std::filesystem::path candidate = base + ".backup";
    for (int n = 1; std::filesystem::exists(candidate, ec); ++n)
        candidate = base + "." + std::to_string(n) + ".backup";
    return candidate;
}

} // namespace lv::storage
