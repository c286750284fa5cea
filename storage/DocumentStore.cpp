#include "storage/DocumentStore.h"

#include "storage/Clock.h"
#include "storage/Transaction.h"

namespace lv::storage {

namespace {

constexpr const char* kDocumentColumns =
    "id, source_path, content_hash, kind, title, metadata, added_at, updated_at";

DocumentRecord readDocument(Statement& s) {
    DocumentRecord d;
    d.id = s.int64(0);
    d.sourcePath = s.text(1);
    d.contentHash = s.text(2);
    d.kind = s.text(3);
    d.title = s.text(4);
    d.metadataJson = s.text(5);
    d.addedAt = s.int64(6);
    d.updatedAt = s.int64(7);
    return d;
}

constexpr const char* kSegmentColumns =
    "id, document_id, ordinal, text, page_index, page_label, file_path, line_start, line_end, "
    "section_path, role";

SegmentRecord readSegment(Statement& s) {
    SegmentRecord r;
    r.id = s.int64(0);
    r.documentId = s.int64(1);
    r.ordinal = s.int64(2);
    r.text = s.text(3);
    r.pageIndex = s.optionalInt64(4);
    r.pageLabel = s.optionalText(5);
    r.filePath = s.optionalText(6);
    r.lineStart = s.optionalInt64(7);
    r.lineEnd = s.optionalInt64(8);
    r.sectionPath = s.optionalText(9);
    r.role = s.text(10);
    return r;
}

std::vector<DocumentRecord> readDocuments(CachedStatement& s) {
    std::vector<DocumentRecord> out;
    while (s->step())
        out.push_back(readDocument(*s));
    return out;
}

} // namespace

std::int64_t DocumentStore::addDocument(const NewDocument& d) {
    auto op = c_->operation("add document " + d.sourcePath);
    const std::int64_t now = nowMilliseconds();
    auto s = c_->statement("INSERT INTO documents (source_path, content_hash, kind, title, "
                           "metadata, added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s->bindAll(d.sourcePath, d.contentHash, d.kind, d.title, d.metadataJson, now, now).run();
    return c_->lastInsertRowId();
}

bool DocumentStore::updateDocument(std::int64_t id, const NewDocument& d) {
    auto op = c_->operation("update document " + std::to_string(id));
    auto s = c_->statement("UPDATE documents SET source_path = ?, content_hash = ?, kind = ?, "
                           "title = ?, metadata = ?, updated_at = ? WHERE id = ?");
    s->bindAll(d.sourcePath, d.contentHash, d.kind, d.title, d.metadataJson, nowMilliseconds(), id)
        .run();
    return c_->changes() > 0;
}

bool DocumentStore::removeDocument(std::int64_t id) {
    auto op = c_->operation("remove document " + std::to_string(id));
    Transaction tx(*c_);
    auto s = c_->statement("DELETE FROM documents WHERE id = ?");
    s->bindAll(id).run();
    const bool removed = c_->changes() > 0;
    tx.commit();
    return removed;
}

std::optional<DocumentRecord> DocumentStore::document(std::int64_t id) {
    auto op = c_->operation("read document " + std::to_string(id));
    auto s =
        c_->statement(std::string("SELECT ") + kDocumentColumns + " FROM documents WHERE id = ?");
    s->bindAll(id);
    if (!s->step()) return std::nullopt;
    return readDocument(*s);
}

std::optional<DocumentRecord> DocumentStore::documentByPath(std::string_view sourcePath) {
    auto op = c_->operation("find document " + std::string(sourcePath));
    auto s = c_->statement(std::string("SELECT ") + kDocumentColumns +
                           " FROM documents WHERE source_path = ?");
    s->bindAll(sourcePath);
    if (!s->step()) return std::nullopt;
    return readDocument(*s);
}

std::vector<DocumentRecord> DocumentStore::documentsWithHash(std::string_view contentHash) {
    auto op = c_->operation("find documents by content hash");
    auto s = c_->statement(std::string("SELECT ") + kDocumentColumns +
                           " FROM documents WHERE content_hash = ? ORDER BY id");
    s->bindAll(contentHash);
    return readDocuments(s);
}

std::vector<DocumentRecord> DocumentStore::documents() {
    auto op = c_->operation("list documents");
    auto s =
        c_->statement(std::string("SELECT ") + kDocumentColumns + " FROM documents ORDER BY id");
    return readDocuments(s);
}

std::int64_t DocumentStore::appendSegments(std::int64_t documentId,
                                           std::span<const NewSegment> segments) {
    auto op = c_->operation("store segments of document " + std::to_string(documentId));
    Transaction tx(*c_);
    {
        auto exists = c_->statement("SELECT 1 FROM documents WHERE id = ?");
        exists->bindAll(documentId);
        if (!exists->step())
            throw c_->error(StorageErrorKind::InvalidArgument,
                            "no document with id " + std::to_string(documentId));
    }
    std::int64_t ordinal = 0;
    {
        auto next = c_->statement(
            "SELECT coalesce(max(ordinal) + 1, 0) FROM segments WHERE document_id = ?");
        next->bindAll(documentId);
        next->step();
        ordinal = next->int64(0);
    }
    std::int64_t firstId = 0;
    auto insert = c_->statement(
        "INSERT INTO segments (document_id, ordinal, text, page_index, page_label, file_path, "
        "line_start, line_end, section_path, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const NewSegment& seg : segments) {
        insert->bindAll(documentId, ordinal++, seg.text, seg.pageIndex, seg.pageLabel, seg.filePath,
                        seg.lineStart, seg.lineEnd, seg.sectionPath, seg.role);
        insert->run();
        insert->reset();
        if (firstId == 0) firstId = c_->lastInsertRowId();
    }
    tx.commit();
    return firstId;
}

void DocumentStore::replaceSegments(std::int64_t documentId, std::span<const NewSegment> segments) {
    auto op = c_->operation("replace segments of document " + std::to_string(documentId));
    Transaction tx(*c_);
    auto drop = c_->statement("DELETE FROM segments WHERE document_id = ?");
    drop->bindAll(documentId).run();
    appendSegments(documentId, segments);
    tx.commit();
}

std::optional<SegmentRecord> DocumentStore::segment(std::int64_t segmentId) {
    auto op = c_->operation("read segment " + std::to_string(segmentId));
    auto s =
        c_->statement(std::string("SELECT ") + kSegmentColumns + " FROM segments WHERE id = ?");
    s->bindAll(segmentId);
    if (!s->step()) return std::nullopt;
    return readSegment(*s);
}

std::vector<SegmentRecord> DocumentStore::segments(std::int64_t documentId,
                                                   std::int64_t firstOrdinal, std::int64_t limit) {
    auto op = c_->operation("read segments of document " + std::to_string(documentId));
    auto s = c_->statement(std::string("SELECT ") + kSegmentColumns +
                           " FROM segments WHERE document_id = ? AND ordinal >= ? "
                           "ORDER BY ordinal LIMIT ?");
    s->bindAll(documentId, firstOrdinal, limit);
    std::vector<SegmentRecord> out;
    while (s->step())
        out.push_back(readSegment(*s));
    return out;
}

std::int64_t DocumentStore::segmentCount(std::int64_t documentId) {
    auto op = c_->operation("count segments of document " + std::to_string(documentId));
    auto s = c_->statement("SELECT count(*) FROM segments WHERE document_id = ?");
    s->bindAll(documentId);
    s->step();
    return s->int64(0);
}

} // namespace lv::storage
