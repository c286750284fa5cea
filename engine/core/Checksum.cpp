#include "core/Checksum.h"

#include <xxhash.h>

#include <cstdio>
#include <new>

namespace lv {

StreamHash::StreamHash() {
    auto* s = XXH3_createState();
    if (!s) throw std::bad_alloc();
    XXH3_64bits_reset(s);
    state_ = s;
}

StreamHash::~StreamHash() {
    XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}

void StreamHash::update(const void* data, std::size_t bytes) {
    XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), data, bytes);
}

std::uint64_t StreamHash::digest() const {
    return XXH3_64bits_digest(static_cast<XXH3_state_t*>(state_));
}

std::uint64_t hash64(const void* data, std::size_t bytes) {
    return XXH3_64bits(data, bytes);
}

std::string hash128Hex(std::string_view bytes) {
    const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                  static_cast<unsigned long long>(h.low64));
    return buf;
}

} // namespace lv
