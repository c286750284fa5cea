// Fast non-cryptographic hashing (xxHash XXH3) for model fingerprints and
// snapshot checksums. Streaming, so multi-gigabyte states hash in pieces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lv {

// Incremental 64-bit XXH3; digest() may be called at any point.
class StreamHash {
public:
    StreamHash();
    ~StreamHash();
    StreamHash(const StreamHash&) = delete;
    StreamHash& operator=(const StreamHash&) = delete;

    void update(const void* data, std::size_t bytes);
    std::uint64_t digest() const;

private:
    void* state_; // XXH3_state_t, opaque so that users need no xxhash.h
};

std::uint64_t hash64(const void* data, std::size_t bytes);

// 128-bit XXH3 of the bytes as 32 lowercase hex digits.
std::string hash128Hex(std::string_view bytes);

} // namespace lv
