#include "runtime/SnapshotCodec.h"

#include "core/Error.h"

#include <cstring>

namespace lv {

namespace {

constexpr char kMagic[8] = {'L', 'V', 'S', 'T', 'A', 'T', 'E', '\0'};
constexpr std::size_t kFixedHeader = 8 + 4 + 4 + 32 + 8 + 8 + 32 + 8 + 4; // before sections
constexpr std::size_t kSectionBytes = 16;
constexpr std::uint32_t kMaxSections = 1u << 20;

template <class T> void put(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T)); // little-endian hosts only (x86-64, aarch64)
    out.append(b, sizeof(T));
}

template <class T> T get(const std::uint8_t*& p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    p += sizeof(T);
    return v;
}

} // namespace

std::uint64_t SnapshotHeader::payloadBytes() const {
    std::uint64_t n = tokenCount * 4 + logitsCount * 4;
    for (const auto& s : sections)
        n += s.bytes;
    return n;
}

std::uint64_t SnapshotHeader::totalBytes() const {
    return kFixedHeader + sections.size() * kSectionBytes + 8 + payloadBytes() + 8;
}

void SnapshotWriter::header(const SnapshotHeader& h) {
    std::string b;
    b.append(kMagic, 8);
    put<std::uint32_t>(b, SnapshotHeader::kFormatVersion);
    put<std::uint32_t>(b, std::uint32_t(kFixedHeader + h.sections.size() * kSectionBytes + 8));
    std::string fp = h.fingerprint;
    fp.resize(32, '0');
    b.append(fp);
    put<std::uint64_t>(b, h.tokenCount);
    put<std::uint8_t>(b, std::uint8_t(DType::F32));
    put<std::uint8_t>(b, std::uint8_t(h.kvDtype));
    b.append(6, '\0');
    for (auto w : h.rng)
        put<std::uint64_t>(b, w);
    put<std::uint64_t>(b, h.logitsCount);
    put<std::uint32_t>(b, std::uint32_t(h.sections.size()));
    for (const auto& s : h.sections) {
        put<std::uint8_t>(b, std::uint8_t(s.kind));
        b.append(3, '\0');
        put<std::int32_t>(b, s.layer);
        put<std::uint64_t>(b, s.bytes);
    }
    put<std::uint64_t>(b, hash64(b.data(), b.size()));
    sink_(b.data(), b.size());
}

void SnapshotWriter::payload(const void* data, std::size_t bytes) {
    if (bytes == 0) return;
    hash_.update(data, bytes);
    sink_(data, bytes);
}

void SnapshotWriter::finish() {
    const std::uint64_t h = hash_.digest();
    sink_(&h, 8);
}

void SnapshotReader::readExact(void* dst, std::size_t bytes, const char* what) {
    auto* p = static_cast<std::uint8_t*>(dst);
    std::size_t done = 0;
    while (done < bytes) {
        const std::size_t n = source_(p + done, bytes - done);
        if (n == 0)
            throw EngineError(std::string("snapshot: truncated (") + what + " ends after " +
                              std::to_string(done) + " of " + std::to_string(bytes) + " bytes)");
        done += n;
    }
}

SnapshotHeader SnapshotReader::header() {
    std::vector<std::uint8_t> b(kFixedHeader);
    // The magic alone first, so that any other file is called what it is.
    std::size_t got = 0;
    while (got < 8) {
        const std::size_t n = source_(b.data() + got, 8 - got);
        if (n == 0) break;
        got += n;
    }
    if (got < 8 || std::memcmp(b.data(), kMagic, 8) != 0)
        throw EngineError("snapshot: not a Longview state snapshot (bad magic)");
    readExact(b.data() + 8, kFixedHeader - 8, "header");
    const std::uint8_t* p = b.data() + 8;
    const auto version = get<std::uint32_t>(p);
    if (version != 1 && version != SnapshotHeader::kFormatVersion)
        throw EngineError("snapshot: format version " + std::to_string(version) +
                          ", this engine reads versions 1 to " +
                          std::to_string(SnapshotHeader::kFormatVersion));
    const auto headerBytes = get<std::uint32_t>(p);
    p += 32 + 8 + 8 + 32 + 8;
    const auto sectionCount = get<std::uint32_t>(p);
    if (sectionCount > kMaxSections ||
        headerBytes != kFixedHeader + std::size_t(sectionCount) * kSectionBytes + 8)
        throw EngineError("snapshot: corrupt header (inconsistent size)");
    b.resize(headerBytes);
    readExact(b.data() + kFixedHeader, headerBytes - kFixedHeader, "header");
    std::uint64_t stored;
    std::memcpy(&stored, b.data() + headerBytes - 8, 8);
    if (stored != hash64(b.data(), headerBytes - 8))
        throw EngineError("snapshot: corrupt header (checksum mismatch)");

    SnapshotHeader h;
    p = b.data() + 16;
    h.fingerprint.assign(reinterpret_cast<const char*>(p), 32);
    p += 32;
    h.tokenCount = get<std::uint64_t>(p);
    const auto dtype = get<std::uint8_t>(p);
    if (dtype != std::uint8_t(DType::F32))
        throw EngineError("snapshot: state dtype " + std::to_string(dtype) + " is not f32");
    const auto kv = get<std::uint8_t>(p); // reserved (zero: f32) in version 1
    if (kv != std::uint8_t(DType::F32) && kv != std::uint8_t(DType::BF16) &&
        kv != std::uint8_t(DType::F16))
        throw EngineError("snapshot: KV dtype " + std::to_string(kv) + " is not f32, bf16 or f16");
    h.kvDtype = DType(kv);
    p += 6;
    for (auto& w : h.rng)
        w = get<std::uint64_t>(p);
    h.logitsCount = get<std::uint64_t>(p);
    p += 4;
    for (std::uint32_t i = 0; i < sectionCount; ++i) {
        SnapshotSection s;
        s.kind = SnapshotSection::Kind(get<std::uint8_t>(p));
        p += 3;
        s.layer = get<std::int32_t>(p);
        s.bytes = get<std::uint64_t>(p);
        h.sections.push_back(s);
    }
    return h;
}

void SnapshotReader::payload(void* dst, std::size_t bytes) {
    readExact(dst, bytes, "payload");
    hash_.update(dst, bytes);
}

void SnapshotReader::finish() {
    std::uint64_t stored;
    readExact(&stored, 8, "checksum");
    if (stored != hash_.digest())
        throw EngineError("snapshot: corrupt payload (checksum mismatch)");
}

} // namespace lv
