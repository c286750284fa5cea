// Stores what ingest produced in the library: the document row (with the counts
// the library view shows, as metadata JSON) and its segments, in one transaction.
#pragma once

#include "ingest/Document.h"
#include "storage/Connection.h"

#include <cstdint>
#include <optional>

namespace lv::analysis {

// Adds the document, or replaces the stored one of the same source path (its
// segments, token arrays and cached states go with the old content). Atomic.
std::int64_t storeDocument(storage::Connection& writer, const ingest::Document& doc,
                           std::optional<std::int64_t> replacing);

} // namespace lv::analysis
