// Where the library file lives: --db, else $LONGVIEW_DB, else
// $XDG_DATA_HOME/longview/library.db (default ~/.local/share/longview/library.db).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace lv::storage {

// The XDG default. Throws StorageError when neither $XDG_DATA_HOME nor a home
// directory can be found.
std::filesystem::path defaultLibraryPath();

// dbOption: the value of --db when given. An empty value counts as not given.
std::filesystem::path resolveLibraryPath(const std::optional<std::string>& dbOption);

} // namespace lv::storage
