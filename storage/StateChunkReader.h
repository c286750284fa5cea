// Reads a stored state's chunks back, verified (and decompressed) one by one and
// handed over in order: through one connection, or through several read-only
// connections at once, which keeps more reads in flight on the disk.
#pragma once

#include "storage/Connection.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

namespace lv::storage {

// One row of state_chunks as listed before reading.
struct StoredChunk {
    std::int64_t rowid = 0;
    std::int64_t stateId = 0;
    std::int64_t ordinal = 0;
    std::uint64_t rawBytes = 0;
    std::int64_t codec = 0;
    std::uint64_t checksum = 0;
    std::size_t storedBytes = 0;
    std::uint64_t seed = 0; // the checksum's seed for this chunk
};

using ChunkSink = std::function<void(std::span<const std::byte>)>;

// Reads through `connection`, inside the caller's transaction. Returns "" when
// every chunk verified, else what was wrong with the first bad one; the sink
// (if any) has then received the chunks before it. SQLite errors throw.
std::string readChunks(Connection& connection, std::span<const StoredChunk> chunks,
                       const ChunkSink* sink);

// Same, with `threads` read-only connections to `file`, connection t reading
// chunks t, t + threads, ... Each checks that a row still belongs to its state,
// so a state replaced meanwhile reads as a problem, never as foreign bytes.
std::string readChunksInParallel(const std::filesystem::path& file,
                                 std::span<const StoredChunk> chunks, unsigned threads,
                                 const ChunkSink* sink);

} // namespace lv::storage
