// How one stored chunk of bytes is encoded: a seeded XXH3-64 checksum of the raw
// bytes, and zstd compression when it pays. Used by the state cache and the
// token arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lv::storage {

// Persisted in the codec column: never renumber.
enum class ChunkCodec : std::int64_t { Raw = 0, Zstd = 1 };

enum class CompressionPolicy {
    Auto,   // compress when a sample and then the chunk shrink by at least 1/8
    Never,  // store raw (fastest; for data known not to compress)
    Always, // compress whenever the result is smaller at all
};

// A byte buffer that is not zero-filled on allocation (chunks are overwritten
// at once), reusable across chunks.
struct ByteBuffer {
    std::unique_ptr<std::byte[]> data;
    std::size_t capacity = 0;
    std::size_t size = 0;

    void reserve(std::size_t n) {
        if (n > capacity) {
            data.reset(new std::byte[n]);
            capacity = n;
        }
    }
    std::span<const std::byte> bytes() const { return {data.get(), size}; }
};

// Seeded so that a chunk copied to another state, another position or a state
// whose key was altered does not verify.
std::uint64_t chunkChecksum(std::span<const std::byte> raw, std::uint64_t seed);

struct EncodedChunk {
    ChunkCodec codec = ChunkCodec::Raw;
    std::uint64_t checksum = 0;
    ByteBuffer compressed; // the bytes to store when codec is Zstd
};

// `scratch` is reused for the compressed bytes (moved into the result).
EncodedChunk encodeChunk(std::span<const std::byte> raw, std::uint64_t seed,
                         CompressionPolicy policy, int zstdLevel, ByteBuffer scratch = {});

// Decodes and verifies stored bytes. Raw chunks are verified in place and the
// returned span points into `stored`; zstd chunks are decompressed into
// `decoded`. On any mismatch (size, codec, decompression, checksum) `problem`
// says what was wrong (it stays empty on success) and the result is empty.
std::span<const std::byte> decodeChunk(std::span<const std::byte> stored, std::int64_t codec,
                                       std::uint64_t rawSize, std::uint64_t checksum,
                                       std::uint64_t seed, ByteBuffer& decoded,
                                       std::string& problem);

} // namespace lv::storage
