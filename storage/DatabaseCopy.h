// A consistent copy of a live database file through SQLite's online backup API
// (safe while other connections read or write).
#pragma once

#include "storage/Connection.h"

#include <filesystem>

namespace lv::storage {

// Copies the main database of `source` to `destination`, which must not exist.
void copyDatabase(Connection& source, const std::filesystem::path& destination);

// A free name next to `file` for a copy taken before migrating from version
// `fromVersion`: "library.db.v3.backup", then "library.db.v3.1.backup", ...
std::filesystem::path backupPathFor(const std::filesystem::path& file, int fromVersion);

} // namespace lv::storage
