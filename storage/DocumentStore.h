// Documents and their segments: what was ingested, from where, and the text with
// its provenance (page, file and lines, section). Removing a document removes its
// segments, token arrays and sessions (ON DELETE CASCADE).
#pragma once

#include "storage/Connection.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lv::storage {

struct NewDocument {
    std::string sourcePath;  // unique in a library
    std::string contentHash; // e.g. SHA-256 hex of the source
    std::string kind;        // "pdf", "codebase", "text", ...
    std::string title;
    std::string metadataJson = "{}"; // must be valid JSON
};

struct DocumentRecord {
    std::int64_t id = 0;
    std::string sourcePath;
    std::string contentHash;
    std::string kind;
    std::string title;
    std::string metadataJson;
    std::int64_t addedAt = 0;   // ms since the epoch
    std::int64_t updatedAt = 0; // ms since the epoch
};

struct NewSegment {
    std::string text;
    std::optional<std::int64_t> pageIndex; // 0-based, paged sources
    std::optional<std::string> pageLabel;  // as printed: "iv", "12"
    std::optional<std::string> filePath;   // codebases
    std::optional<std::int64_t> lineStart; // 1-based, inclusive
    std::optional<std::int64_t> lineEnd;
    std::optional<std::string> sectionPath; // e.g. "Part II / Article 5"
    std::string role = "body";              // body, heading, code, caption, ...
};

struct SegmentRecord : NewSegment {
    std::int64_t id = 0;
    std::int64_t documentId = 0;
    std::int64_t ordinal = 0; // 0-based position in the document
};

class DocumentStore {
public:
    explicit DocumentStore(Connection& connection) : c_(&connection) {}

    // Throws StorageError(Constraint) when the source path is already stored.
    std::int64_t addDocument(const NewDocument& document);
    // Replaces every field; bumps updated_at. False when there is no such document.
    bool updateDocument(std::int64_t id, const NewDocument& document);
    bool removeDocument(std::int64_t id);

    std::optional<DocumentRecord> document(std::int64_t id);
    std::optional<DocumentRecord> documentByPath(std::string_view sourcePath);
    std::vector<DocumentRecord> documentsWithHash(std::string_view contentHash);
    std::vector<DocumentRecord> documents(); // oldest first

    // Appends after the document's last segment, atomically (one transaction or
    // savepoint). Returns the first new segment id.
    std::int64_t appendSegments(std::int64_t documentId, std::span<const NewSegment> segments);
    // Drops the document's segments and stores these instead, atomically.
    void replaceSegments(std::int64_t documentId, std::span<const NewSegment> segments);

    std::optional<SegmentRecord> segment(std::int64_t segmentId);
    // Segments in ordinal order, from `firstOrdinal`; limit < 0: all.
    std::vector<SegmentRecord> segments(std::int64_t documentId, std::int64_t firstOrdinal = 0,
                                        std::int64_t limit = -1);
    std::int64_t segmentCount(std::int64_t documentId);

private:
    Connection* c_;
};

} // namespace lv::storage
