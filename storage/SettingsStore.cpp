#include "storage/SettingsStore.h"

namespace lv::storage {

void SettingsStore::set(std::string_view key, std::string_view value) {
    auto op = c_->operation("store setting " + std::string(key));
    auto s = c_->statement("INSERT INTO settings (key, value) VALUES (?, ?) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    s->bindAll(key, value).run();
}

std::optional<std::string> SettingsStore::get(std::string_view key) {
    auto op = c_->operation("read setting " + std::string(key));
    auto s = c_->statement("SELECT value FROM settings WHERE key = ?");
    s->bindAll(key);
    if (!s->step()) return std::nullopt;
    return s->text(0);
}

std::string SettingsStore::getOr(std::string_view key, std::string_view fallback) {
    auto value = get(key);
    return value ? *value : std::string(fallback);
}

bool SettingsStore::remove(std::string_view key) {
    auto op = c_->operation("remove setting " + std::string(key));
    auto s = c_->statement("DELETE FROM settings WHERE key = ?");
    s->bindAll(key).run();
    return c_->changes() > 0;
}

std::map<std::string, std::string> SettingsStore::all() {
    auto op = c_->operation("read settings");
    auto s = c_->statement("SELECT key, value FROM settings ORDER BY key");
    std::map<std::string, std::string> out;
    while (s->step())
        out.emplace(s->text(0), s->text(1));
    return out;
}

} // namespace lv::storage
