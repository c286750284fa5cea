// A library file opened for use: created or migrated to the current schema (after
// a backup copy), in WAL mode; hands out the writer and reader connections.
#pragma once

#include "storage/Connection.h"

#include <filesystem>
#include <optional>

namespace lv::storage {

struct LibraryOpenReport {
    bool created = false;                            // the file did not exist or was empty
    int previousVersion = 0;                         // schema version found on disk
    int version = 0;                                 // schema version now
    std::optional<std::filesystem::path> backupFile; // copy taken before migrating
};

class Library {
public:
    // Creates the file (and its folder) when missing. Refuses, with a
    // StorageError naming the file: a schema newer than this build knows
    // (SchemaTooNew), a file that is not a Longview library (NotALibrary).
    // An older schema is copied next to the file, then migrated.
    static Library open(const std::filesystem::path& file);

    const std::filesystem::path& file() const { return file_; }
    const LibraryOpenReport& openReport() const { return report_; }

    // A read-write connection: the one a LibraryWriter owns, or a tool's only one.
    Connection openWriter() const;
    // A read-only connection. In WAL mode readers see the last commit and never
    // block the writer (nor does the writer block them).
    Connection openReader() const;

private:
    Library(std::filesystem::path file, LibraryOpenReport report)
        : file_(std::move(file)), report_(std::move(report)) {}

    std::filesystem::path file_;
    LibraryOpenReport report_;
};

} // namespace lv::storage
