#include "storage/LibraryLocation.h"

#include "storage/StorageError.h"

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace lv::storage {

namespace {
std::optional<std::string> environment(const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value) return std::nullopt;
    return std::string(value);
}

std::optional<std::filesystem::path> homeDirectory() {
    if (auto home = environment("HOME")) return std::filesystem::path(*home);
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir && *pw->pw_dir)
        return std::filesystem::path(pw->pw_dir);
    return std::nullopt;
}
} // namespace

std::filesystem::path defaultLibraryPath() {
    // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
    if (auto xdg = environment("XDG_DATA_HOME"); xdg && std::filesystem::path(*xdg).is_absolute())
        return std::filesystem::path(*xdg) / "longview" / "library.db";
    if (auto home = homeDirectory()) return *home / ".local" / "share" / "longview" / "library.db";
    throw StorageError(StorageErrorKind::InvalidArgument, {}, "find the library",
                       "neither $XDG_DATA_HOME nor a home directory is set; pass --db FILE or "
                       "set LONGVIEW_DB");
}

std::filesystem::path resolveLibraryPath(const std::optional<std::string>& dbOption) {
    if (dbOption && !dbOption->empty()) return std::filesystem::path(*dbOption);
    if (auto env = environment("LONGVIEW_DB")) return std::filesystem::path(*env);
    return defaultLibraryPath();
}

} // namespace lv::storage
