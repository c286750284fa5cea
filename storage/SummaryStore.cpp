#include "storage/SummaryStore.h"

#include "storage/Clock.h"

namespace lv::storage {

std::int64_t SummaryStore::put(const NewSummary& s) {
    auto op = c_->operation("store the summary of document " + std::to_string(s.documentId));
    // One row per (document, model): a new summary replaces the model's previous one,
    // whichever version of the document that was about.
    auto st = c_->statement(
        "INSERT INTO summaries (document_id, content_hash, model, text, citations, metrics, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (document_id, model) DO UPDATE SET content_hash = excluded.content_hash, "
        "text = excluded.text, citations = excluded.citations, metrics = excluded.metrics, "
        "created_at = excluded.created_at RETURNING id");
    st->bindAll(s.documentId, s.contentHash, s.model, s.text, s.citationsJson, s.metricsJson,
                nowMilliseconds());
    st->step();
    return st->int64(0);
}

std::optional<SummaryRecord> SummaryStore::latest(std::int64_t documentId,
                                                  const std::string& contentHash) {
    auto op = c_->operation("read the summary of document " + std::to_string(documentId));
    auto st = c_->statement(
        "SELECT id, document_id, content_hash, model, text, citations, metrics, created_at "
        "FROM summaries WHERE document_id = ? AND content_hash = ? "
        "ORDER BY created_at DESC, id DESC LIMIT 1");
    st->bindAll(documentId, contentHash);
    if (!st->step()) return std::nullopt;
    SummaryRecord r;
    r.id = st->int64(0);
    r.documentId = st->int64(1);
    r.contentHash = st->text(2);
    r.model = st->text(3);
    r.text = st->text(4);
    r.citationsJson = st->text(5);
    r.metricsJson = st->text(6);
    r.createdAt = st->int64(7);
    return r;
}

std::int64_t SummaryStore::count(std::int64_t documentId) {
    auto op = c_->operation("count the summaries of document " + std::to_string(documentId));
    auto st = c_->statement("SELECT count(*) FROM summaries WHERE document_id = ?");
    st->bindAll(documentId);
    st->step();
    return st->int64(0);
}

} // namespace lv::storage
