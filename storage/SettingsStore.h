// Library-wide settings as UTF-8 key/value pairs (model path, cache budget...).
#pragma once

#include "storage/Connection.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lv::storage {

class SettingsStore {
public:
    explicit SettingsStore(Connection& connection) : c_(&connection) {}

    void set(std::string_view key, std::string_view value);
    std::optional<std::string> get(std::string_view key);
    std::string getOr(std::string_view key, std::string_view fallback);
    bool remove(std::string_view key);
    std::map<std::string, std::string> all();

private:
    Connection* c_;
};

} // namespace lv::storage
