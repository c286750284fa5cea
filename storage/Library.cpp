#include "storage/Library.h"

#include "storage/DatabaseCopy.h"
#include "storage/Schema.h"
#include "storage/Transaction.h"

#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <system_error>
#include <thread>

namespace lv::storage {

namespace {

void createParentFolder(const std::filesystem::path& file) {
    const std::filesystem::path parent = file.parent_path();
    if (parent.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
        throw StorageError(StorageErrorKind::Io, file, "create the library folder",
                           parent.string() + ": " + ec.message());
}

struct FileIdentity {
    std::int64_t applicationId = 0;
    int version = 0;
    std::int64_t objects = 0;
};

FileIdentity identify(Connection& c) {
    // One read snapshot: another connection may be creating the library right now, and
    // an application id read before its commit with a table count read after would
    // make a new library look like someone else's database.
    Transaction snapshot(c, TransactionMode::Deferred);
    FileIdentity id;
    id.applicationId = c.queryInt64("PRAGMA application_id");
    id.version = schemaVersion(c);
    id.objects = c.queryInt64("SELECT count(*) FROM sqlite_schema");
    snapshot.commit();
    return id;
}

// Opens the file and reads what it is; a file that SQLite cannot read as a
// database is reported as not a library rather than as corruption.
Connection openAndIdentify(const std::filesystem::path& file, FileIdentity& id) {
    try {
        Connection c(file, ConnectionOptions{Access::ReadWrite, true});
        id = identify(c);
        return c;
    } catch (const StorageError& e) {
        if (e.kind() == StorageErrorKind::Corrupt && (e.sqliteCode() & 0xff) == SQLITE_NOTADB)
            throw StorageError(StorageErrorKind::NotALibrary, file, "open the library",
                               "not a SQLite database (" + e.detail() + ")", e.sqliteCode());
        throw;
    }
}

// Switching to WAL needs the file to itself, and SQLite answers "busy" at once instead
// of waiting while another process reads it (as one does when it opens the same new
// library): retry for as long as the connection would wait for a lock.
void switchToWal(Connection& c) {
    const auto deadline = std::chrono::steady_clock::now() + ConnectionOptions{}.busyTimeout;
    for (;;) {
        try {
            c.exec("PRAGMA journal_mode = WAL");
            return;
        } catch (const StorageError& e) {
            if (e.kind() != StorageErrorKind::Busy || std::chrono::steady_clock::now() > deadline)
                throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

} // namespace

Library Library::open(const std::filesystem::path& file) {
    // Threads of one process (the GUI's two workers) open the same new library at once:
    // one creates it, the others then find it made. Other processes are kept apart by
    // SQLite's locks: a snapshot to identify the file, one transaction to migrate it.
    static std::mutex opening;
    std::lock_guard lock(opening);
    std::error_code ec;
    const bool existed =
        std::filesystem::exists(file, ec) && std::filesystem::file_size(file, ec) > 0;
    if (!existed) createParentFolder(file);

    FileIdentity id;
    Connection c = openAndIdentify(file, id);
    auto op = c.operation("open the library");

    if (id.applicationId != 0 && id.applicationId != kLibraryApplicationId)
        throw c.error(StorageErrorKind::NotALibrary,
                      "a SQLite database of another application (application_id " +
                          std::to_string(id.applicationId) + "), not a Longview library");
    if (id.applicationId == 0 && (id.version != 0 || id.objects != 0))
        throw c.error(StorageErrorKind::NotALibrary,
                      "a SQLite database that is not a Longview library");
    if (id.version > latestSchemaVersion())
        throw c.error(StorageErrorKind::SchemaTooNew,
                      "schema version " + std::to_string(id.version) +
                          " is newer than this Longview supports (version " +
                          std::to_string(latestSchemaVersion()) +
                          "); open it with a newer Longview or pass another --db");

    // A new file gets 16 KiB pages: a 4 MiB state chunk then spans 256 overflow
    // pages instead of 1025, which makes saving and loading states about 1.5x
    // cheaper in CPU, while rows of text still share pages. Only possible
    // before the first table exists and before WAL mode.
    if (id.version == 0 && id.objects == 0) c.exec("PRAGMA page_size = 16384");
    // Persistent: once set, every later connection to the file uses WAL.
    switchToWal(c);

    LibraryOpenReport report;
    report.created = id.version == 0;
    report.previousVersion = id.version;
    if (id.version > 0 && id.version < latestSchemaVersion()) {
        report.backupFile = backupPathFor(file, id.version);
        copyDatabase(c, *report.backupFile);
    }
    if (id.version < latestSchemaVersion()) migrateSchema(c, latestSchemaVersion());
    report.version = schemaVersion(c);
    return Library(file, std::move(report));
}

Connection Library::openWriter() const {
    return Connection(file_, ConnectionOptions{Access::ReadWrite, false});
}

Connection Library::openReader() const {
    return Connection(file_, ConnectionOptions{Access::ReadOnly, false});
}

} // namespace lv::storage
