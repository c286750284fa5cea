#include "cli/JsonOutput.h"

#include "analysis/AnalysisJson.h"

namespace lv::cli {

using nlohmann::json;

const char* kindName(analysis::DocumentKind kind) {
    switch (kind) {
    case analysis::DocumentKind::Pdf:
        return "pdf";
    case analysis::DocumentKind::Codebase:
        return "codebase";
    case analysis::DocumentKind::Text:
        return "text";
    }
    return "text";
}

json toJson(const analysis::DocumentInfo& d) {
    return {{"id", d.id},
            {"kind", kindName(d.kind)},
            {"title", d.title},
            {"source_path", d.sourcePath},
            {"content_hash", d.contentHash},
            {"pages", d.pages},
            {"files", d.files},
            {"characters", d.characters},
            {"scanned_pages", d.scannedPages},
            {"state_cached", d.stateCached},
            {"added_at", d.addedAt}};
}

json toJson(const analysis::Summary& s) {
    return {{"document_id", s.documentId},
            {"extractive", s.extractive},
            {"text", s.text},
            {"citations", analysis::toJson(s.citations)},
            {"metrics", toJson(s.metrics)},
            {"stored_at", s.storedAt},
            {"store_error", s.storeError}};
}

json toJson(const analysis::Answer& a) {
    return {{"document_id", a.documentId},
            {"session_id", a.sessionId},
            {"message_id", a.messageId},
            {"extractive", a.extractive},
            {"question", a.question},
            {"text", a.text},
            {"citations", analysis::toJson(a.citations)},
            {"metrics", toJson(a.metrics)}};
}

json toJson(const analysis::Passage& p) {
    return {{"citation", toJson(p.citation)}, {"snippet", p.snippet}, {"score", p.score}};
}

json toJson(const analysis::SessionInfo& s) {
    return {{"id", s.id},
            {"document_id", s.documentId},
            {"document_title", s.documentTitle},
            {"created_at", s.createdAt},
            {"last_active_at", s.lastActiveAt},
            {"messages", s.messages},
            {"last_question", s.lastQuestion}};
}

json toJson(const analysis::Message& m) {
    return {{"id", m.id},
            {"question", m.question},
            {"answer", m.answer},
            {"citations", analysis::toJson(m.citations)},
            {"metrics", toJson(m.metrics)},
            {"created_at", m.createdAt}};
}

json toJson(const analysis::ModelInfo& m) {
    return {{"path", m.path},
            {"name", m.name},
            {"architecture", m.architecture},
            {"parameters", m.parameters},
            {"context_length", m.contextLength},
            {"weight_bytes", m.weightBytes},
            {"fits_gpu", m.fitsGpu},
            {"gpu_note", m.gpuNote},
            {"default", m.isDefault}};
}

json toJson(const analysis::CheckpointEntry& e) {
    json j = toJson(e.model);
    j["unusable"] = e.unusable;
    return j;
}

json toJson(const analysis::IngestReport& r) {
    json w = json::array();
    for (const auto& s : r.warnings)
        w.push_back(s);
    json skipped = json::array();
    for (const auto& g : r.skipped)
        skipped.push_back({{"reason", g.reason}, {"count", g.count}, {"examples", g.examples}});
    return {{"document", toJson(r.document)},
            {"unchanged", r.unchanged},
            {"skipped_files", r.skippedFiles},
            {"skipped", skipped},
            {"warnings", w},
            {"seconds", r.seconds}};
}

} // namespace lv::cli
