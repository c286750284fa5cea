// The library's schema as a list of forward migrations, versioned through
// PRAGMA user_version. Migration N takes a version N-1 database to version N.
#pragma once

#include "storage/Connection.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace lv::storage {

// PRAGMA application_id of every Longview library ("LVLB").
inline constexpr std::int32_t kLibraryApplicationId = 0x4C564C42;

struct Migration {
    int version;
    std::string_view summary;
    void (*apply)(Connection&);
};

// In version order, starting at 1.
std::span<const Migration> schemaMigrations();
int latestSchemaVersion();
int schemaVersion(Connection& connection);

// Applies every migration above the current version up to targetVersion, each
// in its own transaction that also sets user_version, so a crash between two
// steps leaves a database at a known version. Never goes backwards.
void migrateSchema(Connection& connection, int targetVersion);

} // namespace lv::storage
