#include "storage/TokenStore.h"

#include "storage/ChunkCodec.h"
#include "storage/Clock.h"

#include <xxhash.h>

#include <bit>
#include <cstring>

namespace lv::storage {

namespace {

// Stored little-endian whatever the host; the seed ties an array to its tokenizer.
std::uint64_t tokenSeed(std::string_view tokenizerId) {
    return XXH3_64bits(tokenizerId.data(), tokenizerId.size());
}

std::vector<std::byte> toLittleEndian(std::span<const std::int32_t> tokens) {
    std::vector<std::byte> bytes(tokens.size() * 4);
    if constexpr (std::endian::native == std::endian::little) {
        if (!tokens.empty()) std::memcpy(bytes.data(), tokens.data(), bytes.size());
    } else {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const auto v = static_cast<std::uint32_t>(tokens[i]);
            for (int b = 0; b < 4; ++b)
                bytes[i * 4 + b] = std::byte((v >> (8 * b)) & 0xff);
        }
    }
    return bytes;
}

} // namespace

void TokenStore::put(std::int64_t documentId, std::string_view tokenizerId,
                     std::span<const std::int32_t> tokens) {
    auto op = c_->operation("store tokens of document " + std::to_string(documentId));
    const std::vector<std::byte> raw = toLittleEndian(tokens);
    const EncodedChunk e = encodeChunk(raw, tokenSeed(tokenizerId), CompressionPolicy::Auto, 3);
    const std::span<const std::byte> stored =
        e.codec == ChunkCodec::Zstd ? e.compressed.bytes() : std::span<const std::byte>(raw);
    auto s = c_->statement(
        "INSERT OR REPLACE INTO token_arrays (document_id, tokenizer_id, token_count, codec, "
        "checksum, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s->bindAll(documentId, tokenizerId, static_cast<std::int64_t>(tokens.size()),
               static_cast<std::int64_t>(e.codec), static_cast<std::int64_t>(e.checksum),
               nowMilliseconds());
    s->bindBlobUncopied(7, stored);
    s->run();
}

std::optional<std::vector<std::int32_t>> TokenStore::get(std::int64_t documentId,
                                                         std::string_view tokenizerId) {
    auto op = c_->operation("read tokens of document " + std::to_string(documentId));
    auto s = c_->statement("SELECT token_count, codec, checksum, data FROM token_arrays "
                           "WHERE document_id = ? AND tokenizer_id = ?");
    s->bindAll(documentId, tokenizerId);
    if (!s->step()) return std::nullopt;
    const std::int64_t count = s->int64(0);
    if (count < 0 || static_cast<std::uint64_t>(count) > (std::uint64_t{1} << 40))
        throw c_->error(StorageErrorKind::Corrupt, "token array of '" + std::string(tokenizerId) +
                                                       "' claims " + std::to_string(count) +
                                                       " tokens");
    ByteBuffer decoded;
    std::string problem;
    const std::span<const std::byte> raw = decodeChunk(
        s->blob(3), s->int64(1), static_cast<std::uint64_t>(count) * 4,
        static_cast<std::uint64_t>(s->int64(2)), tokenSeed(tokenizerId), decoded, problem);
    if (!problem.empty())
        throw c_->error(StorageErrorKind::Corrupt,
                        "token array of '" + std::string(tokenizerId) + "': " + problem);
    std::vector<std::int32_t> tokens(static_cast<std::size_t>(count));
    if constexpr (std::endian::native == std::endian::little) {
        if (count > 0) std::memcpy(tokens.data(), raw.data(), raw.size());
    } else {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::uint32_t v = 0;
            for (int b = 0; b < 4; ++b)
                v |= static_cast<std::uint32_t>(raw[i * 4 + b]) << (8 * b);
            tokens[i] = static_cast<std::int32_t>(v);
        }
    }
    return tokens;
}

bool TokenStore::remove(std::int64_t documentId, std::string_view tokenizerId) {
    auto op = c_->operation("remove tokens of document " + std::to_string(documentId));
    auto s = c_->statement("DELETE FROM token_arrays WHERE document_id = ? AND tokenizer_id = ?");
    s->bindAll(documentId, tokenizerId).run();
    return c_->changes() > 0;
}

std::vector<std::string> TokenStore::tokenizersFor(std::int64_t documentId) {
    auto op = c_->operation("list token arrays of document " + std::to_string(documentId));
    auto s = c_->statement(
        "SELECT tokenizer_id FROM token_arrays WHERE document_id = ? ORDER BY tokenizer_id");
    s->bindAll(documentId);
    std::vector<std::string> out;
    while (s->step())
        out.push_back(s->text(0));
    return out;
}

} // namespace lv::storage
