#include "storage/Library.h"

#include "storage/DatabaseCopy.h"
#include "storage/Schema.h"

#include <sqlite3.h>

#include <system_error>

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
    FileIdentity id;
    id.applicationId = c.queryInt64("PRAGMA application_id");
    id.version = schemaVersion(c);
    id.objects = c.queryInt64("SELECT count(*) FROM sqlite_schema");
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

} // namespace

Library Library::open(const std::filesystem::path& file) {
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
    c.exec("PRAGMA journal_mode = WAL");

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
