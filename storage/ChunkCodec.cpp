#include "storage/ChunkCodec.h"

#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace lv::storage {

namespace {

// One context per thread: encoding runs on several threads at once.
ZSTD_CCtx* compressionContext() {
    thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(),
                                                                        &ZSTD_freeCCtx);
    return ctx.get();
}

ZSTD_DCtx* decompressionContext() {
    thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(),
                                                                        &ZSTD_freeDCtx);
    return ctx.get();
}

// Compresses four 16 KiB slices spread over the chunk: cheap (a few percent of
// compressing all of it) and representative of tensors laid out one after another.
bool sampleCompressesWell(std::span<const std::byte> raw, int level) {
    constexpr std::size_t kSlice = 16 * 1024;
    if (raw.size() <= 4 * kSlice) return true; // small: just try the whole thing
    std::byte sample[4 * kSlice];
    for (std::size_t k = 0; k < 4; ++k) {
        const std::size_t at = std::min(raw.size() - kSlice, k * (raw.size() / 4));
        std::memcpy(sample + k * kSlice, raw.data() + at, kSlice);
    }
    std::byte out[ZSTD_COMPRESSBOUND(4 * kSlice)];
    const size_t n =
        ZSTD_compressCCtx(compressionContext(), out, sizeof out, sample, sizeof sample, level);
    return !ZSTD_isError(n) && n * 8 < sizeof sample * 7; // shrinks by more than 1/8
}

} // namespace

std::uint64_t chunkChecksum(std::span<const std::byte> raw, std::uint64_t seed) {
    return XXH3_64bits_withSeed(raw.data(), raw.size(), seed);
}

EncodedChunk encodeChunk(std::span<const std::byte> raw, std::uint64_t seed,
                         CompressionPolicy policy, int zstdLevel, ByteBuffer scratch) {
    EncodedChunk out;
    out.checksum = chunkChecksum(raw, seed);
    if (policy == CompressionPolicy::Never || raw.empty()) return out;
    if (policy == CompressionPolicy::Auto && !sampleCompressesWell(raw, zstdLevel)) return out;

    scratch.reserve(ZSTD_compressBound(raw.size()));
    const size_t n = ZSTD_compressCCtx(compressionContext(), scratch.data.get(), scratch.capacity,
                                       raw.data(), raw.size(), zstdLevel);
    if (ZSTD_isError(n)) return out; // store raw; compression is only an optimisation
    // Below 1/8 saved, reading the raw bytes back is faster than decompressing.
    const bool pays =
        policy == CompressionPolicy::Always ? n < raw.size() : n * 8 <= raw.size() * 7;
    if (!pays) return out;
    scratch.size = n;
    out.codec = ChunkCodec::Zstd;
    out.compressed = std::move(scratch);
    return out;
}

std::span<const std::byte> decodeChunk(std::span<const std::byte> stored, std::int64_t codec,
                                       std::uint64_t rawSize, std::uint64_t checksum,
                                       std::uint64_t seed, ByteBuffer& decoded,
                                       std::string& problem) {
    std::span<const std::byte> raw;
    if (codec == static_cast<std::int64_t>(ChunkCodec::Raw)) {
        if (stored.size() != rawSize) {
            problem = "stored size " + std::to_string(stored.size()) + " differs from " +
                      std::to_string(rawSize);
            return {};
        }
        raw = stored;
    } else if (codec == static_cast<std::int64_t>(ChunkCodec::Zstd)) {
        const unsigned long long frameSize = ZSTD_getFrameContentSize(stored.data(), stored.size());
        if (frameSize != rawSize) {
            problem = "compressed frame does not hold " + std::to_string(rawSize) + " bytes";
            return {};
        }
        decoded.reserve(rawSize);
        const size_t n = ZSTD_decompressDCtx(decompressionContext(), decoded.data.get(), rawSize,
                                             stored.data(), stored.size());
        if (ZSTD_isError(n) || n != rawSize) {
            problem =
                std::string("zstd: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame");
            return {};
        }
        decoded.size = n;
        raw = decoded.bytes();
    } else {
        problem = "unknown codec " + std::to_string(codec);
        return {};
    }
    if (chunkChecksum(raw, seed) != checksum) {
        problem = "checksum mismatch";
        return {};
    }
    return raw;
}

} // namespace lv::storage
