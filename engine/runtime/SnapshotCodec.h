// The byte format of a Session snapshot, written and read in pieces.
//
//   header   "LVSTATE\0" magic, u32 format version, u32 header bytes, 32-char model
//            fingerprint, u64 token count, u8 state dtype (f32), u8 KV dtype (version 2;
//            f32, bf16 or f16) + 6 reserved, 4 x u64 RNG state, u64 logits count, u32
//            section count, sections {u8 kind, 3 reserved, i32 layer, u64 bytes}, u64 XXH3
//            of the header
//   payload  token ids (i32 each), last logits (f32 each), every section's bytes in order
//   trailer  u64 XXH3 of the payload
//
// All integers little-endian; the state is in a canonical layout (conv [C, K-1], SSM
// [H, P, N] or [D, N], K and V [tokens, kvHeads, headDim]) whatever the backend: f32, but
// K and V in the KV dtype the writer's caches had (the GPU's f16 halves a long document's
// state). A reader converts them to its own. Version 1 (KV always f32) is still read.
#pragma once

#include "core/Checksum.h"
#include "runtime/Session.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace lv {

struct SnapshotSection {
    enum class Kind : std::uint8_t { Conv = 1, Ssm = 2, Key = 3, Value = 4 };
    Kind kind = Kind::Conv;
    std::int32_t layer = 0;
    std::uint64_t bytes = 0;
    bool operator==(const SnapshotSection&) const = default;
};

struct SnapshotHeader {
    static constexpr std::uint32_t kFormatVersion = 2;
    std::string fingerprint; // 32 hex digits
    std::uint64_t tokenCount = 0;
    DType kvDtype = DType::F32; // of the Key and Value sections
    std::array<std::uint64_t, 4> rng{};
    std::uint64_t logitsCount = 0;
    std::vector<SnapshotSection> sections;

    std::uint64_t payloadBytes() const;
    std::uint64_t totalBytes() const; // header + payload + trailer
};

class SnapshotWriter {
public:
    explicit SnapshotWriter(const SnapshotSink& sink) : sink_(sink) {}
    void header(const SnapshotHeader& h);
    void payload(const void* data, std::size_t bytes);
    void finish(); // writes the payload checksum

private:
    const SnapshotSink& sink_;
    StreamHash hash_;
};

class SnapshotReader {
public:
    explicit SnapshotReader(const SnapshotSource& source) : source_(source) {}
    // Reads and checks magic, version and header checksum (EngineError otherwise).
    SnapshotHeader header();
    void payload(void* dst, std::size_t bytes); // exactly `bytes`, or "truncated"
    void finish();                              // checks the payload checksum

private:
    void readExact(void* dst, std::size_t bytes, const char* what);
    const SnapshotSource& source_;
    StreamHash hash_;
};

} // namespace lv
