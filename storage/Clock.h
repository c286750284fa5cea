// Time as the library stores it: milliseconds since the Unix epoch, UTC.
#pragma once

#include <chrono>
#include <cstdint>

namespace lv::storage {

inline std::int64_t nowMilliseconds() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace lv::storage
