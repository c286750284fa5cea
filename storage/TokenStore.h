// Token arrays per (document, tokenizer): the ids a tokenizer produced for a
// document, stored once so that re-reading needs no re-tokenizing.
#pragma once

#include "storage/Connection.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lv::storage {

class TokenStore {
public:
    explicit TokenStore(Connection& connection) : c_(&connection) {}

    // Replaces any array stored for the pair. Compressed with zstd when it pays.
    void put(std::int64_t documentId, std::string_view tokenizerId,
             std::span<const std::int32_t> tokens);
    // Nullopt when none is stored. A stored array that fails its checksum throws
    // StorageError(Corrupt).
    std::optional<std::vector<std::int32_t>> get(std::int64_t documentId,
                                                 std::string_view tokenizerId);
    bool remove(std::int64_t documentId, std::string_view tokenizerId);
    std::vector<std::string> tokenizersFor(std::int64_t documentId);

private:
    Connection* c_;
};

} // namespace lv::storage
