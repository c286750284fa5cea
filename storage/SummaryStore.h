// The last summary of each document per model, kept so that it is there again after a
// restart; tied to the document's content hash so that a changed file shows no stale one.
#pragma once

#include "storage/Connection.h"

#include <cstdint>
#include <optional>
#include <string>

namespace lv::storage {

struct NewSummary {
    std::int64_t documentId = 0;
    std::string contentHash;          // the document version that was summarized
    std::string model;                // name or fingerprint of the model, "" for extractive
    std::string text;                 // with its citation markers
    std::string citationsJson = "[]"; // valid JSON, as the analysis layer writes it
    std::string metricsJson = "{}";   // valid JSON
};

struct SummaryRecord : NewSummary {
    std::int64_t id = 0;
    std::int64_t createdAt = 0; // ms since the epoch
};

class SummaryStore {
public:
    explicit SummaryStore(Connection& connection) : c_(&connection) {}

    // Keeps `summary` as the document's summary by that model, replacing an earlier one.
    std::int64_t put(const NewSummary& summary);
    // The newest summary of the document's `contentHash` version, by any model.
    std::optional<SummaryRecord> latest(std::int64_t documentId, const std::string& contentHash);
    // How many summaries the document has (one per model that summarized it).
    std::int64_t count(std::int64_t documentId);

private:
    Connection* c_;
};

} // namespace lv::storage
