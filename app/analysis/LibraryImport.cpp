#include "analysis/LibraryImport.h"

#include "storage/DocumentStore.h"
#include "storage/StateCache.h"
#include "storage/Transaction.h"

#include <nlohmann/json.hpp>

namespace lv::analysis {

namespace {

std::string roleText(ingest::SegmentRole role) {
    return ingest::roleName(role).toStdString();
}

nlohmann::json metadataJson(const ingest::Document& doc) {
    const auto& m = doc.metadata;
    std::int64_t characters = 0;
    for (const auto& s : doc.segments)
        if (!s.isMarginal()) characters += s.text.size();
    nlohmann::json j = {
        {"pages", std::int64_t(doc.pages.size())},
        {"files", doc.kind == ingest::DocumentKind::Codebase ? std::int64_t(doc.files.size()) : 0},
        {"characters", characters},
        {"scanned_pages", m.scannedPages},
        {"mostly_scanned", m.mostlyScanned},
        {"skipped_files", doc.skipped.total()},
        {"author", m.author.toStdString()},
        {"subject", m.subject.toStdString()},
        {"created", m.created.isValid() ? m.created.toString(Qt::ISODate).toStdString() : ""},
        {"modified", m.modified.isValid() ? m.modified.toString(Qt::ISODate).toStdString() : ""},
    };
    nlohmann::json warnings = nlohmann::json::array();
    for (const auto& w : doc.warnings)
        warnings.push_back(w.toStdString());
    j["warnings"] = warnings;
    nlohmann::json extra = nlohmann::json::object();
    for (auto it = m.extra.begin(); it != m.extra.end(); ++it)
        extra[it.key().toStdString()] = it.value().toStdString();
    j["extra"] = extra;
    return j;
}

} // namespace

std::int64_t storeDocument(storage::Connection& writer, const ingest::Document& doc,
                           std::optional<std::int64_t> replacing) {
    storage::NewDocument record;
    record.sourcePath = doc.sourcePath.toStdString();
    record.contentHash = doc.contentHash.toStdString();
    record.kind = ingest::kindName(doc.kind).toStdString();
    record.title = doc.title.toStdString();
    record.metadataJson = metadataJson(doc).dump();

    std::vector<storage::NewSegment> segments;
    segments.reserve(doc.segments.size());
    for (const auto& s : doc.segments) {
        storage::NewSegment n;
        n.text = s.text.toStdString();
        if (s.pageIndex >= 0) {
            n.pageIndex = s.pageIndex;
            n.pageLabel = s.pageLabel.toStdString();
        }
        if (!s.filePath.isEmpty()) n.filePath = s.filePath.toStdString();
        if (s.lineStart > 0) {
            n.lineStart = s.lineStart;
            n.lineEnd = s.lineEnd;
        }
        if (!s.sectionPath.isEmpty())
            n.sectionPath = s.sectionPath.join(QStringLiteral(" / ")).toStdString();
        n.role = roleText(s.role);
        segments.push_back(std::move(n));
    }

    storage::Transaction tx(writer);
    storage::DocumentStore store(writer);
    std::int64_t id = 0;
    if (replacing) {
        const auto old = store.document(*replacing);
        store.updateDocument(*replacing, record);
        store.replaceSegments(*replacing, segments);
        id = *replacing;
        // States read from the old content can never be used again.
        if (old && old->contentHash != record.contentHash)
            storage::StateCache(writer).removeForDocumentHash(old->contentHash);
    } else {
        id = store.addDocument(record);
        store.appendSegments(id, segments);
    }
    tx.commit();
    return id;
}

} // namespace lv::analysis
