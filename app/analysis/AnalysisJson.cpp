#include "analysis/AnalysisJson.h"

namespace lv::analysis {

using nlohmann::json;

json toJson(const Citation& c) {
    json j = {{"label", c.label}, {"document_id", c.documentId}, {"segment_id", c.segmentId}};
    if (c.pageIndex >= 0) {
        j["page_index"] = c.pageIndex;
        j["page_label"] = c.pageLabel;
    }
    if (!c.filePath.empty()) j["file"] = c.filePath;
    if (c.lineStart > 0) {
        j["line_start"] = c.lineStart;
        j["line_end"] = c.lineEnd;
    }
    if (!c.quote.empty()) j["quote"] = c.quote;
    return j;
}

json toJson(const std::vector<Citation>& cs) {
    json arr = json::array();
    for (const auto& c : cs)
        arr.push_back(toJson(c));
    return arr;
}

json toJson(const Metrics& m) {
    return {{"document_tokens", m.documentTokens},
            {"tokens_read", m.tokensRead},
            {"tokens_from_cache", m.tokensFromCache},
            {"generated_tokens", m.generatedTokens},
            {"time_to_first_token_ms", m.timeToFirstTokenMs},
            {"tokens_per_second", m.tokensPerSecond},
            {"prefill_tokens_per_second", m.prefillTokensPerSecond},
            {"peak_memory_bytes", m.peakMemoryBytes},
            {"state_resumed", m.stateResumed},
            {"state_stored", m.stateStored},
            {"device", m.device},
            {"device_note", m.deviceNote},
            {"model", m.model},
            {"coverage",
             {{"whole_document_tokens", m.coverage.wholeDocumentTokens},
              {"context_tokens", m.coverage.contextTokens},
              {"passages_read", m.coverage.passagesRead},
              {"passages_total", m.coverage.passagesTotal},
              {"summary_parts", m.coverage.summaryParts}}}};
}

Citation citationFromJson(const json& e) {
    Citation c;
    if (!e.is_object()) return c;
    c.documentId = e.value("document_id", std::int64_t(0));
    c.segmentId = e.value("segment_id", std::int64_t(0));
    c.label = e.value("label", "");
    c.pageIndex = e.value("page_index", -1);
    c.pageLabel = e.value("page_label", "");
    c.filePath = e.value("file", "");
    c.lineStart = e.value("line_start", 0);
    c.lineEnd = e.value("line_end", 0);
    c.quote = e.value("quote", "");
    return c;
}

std::vector<Citation> citationsFromJson(const json& j) {
    std::vector<Citation> out;
    if (j.is_array())
        for (const auto& e : j)
            out.push_back(citationFromJson(e));
    return out;
}

Metrics metricsFromJson(const json& j) {
    Metrics m;
    if (!j.is_object()) return m;
    m.documentTokens = j.value("document_tokens", std::int64_t(0));
    m.tokensRead = j.value("tokens_read", std::int64_t(0));
    m.tokensFromCache = j.value("tokens_from_cache", std::int64_t(0));
    m.generatedTokens = j.value("generated_tokens", std::int64_t(0));
    m.timeToFirstTokenMs = j.value("time_to_first_token_ms", 0.0);
    m.tokensPerSecond = j.value("tokens_per_second", 0.0);
    m.prefillTokensPerSecond = j.value("prefill_tokens_per_second", 0.0);
    m.peakMemoryBytes = j.value("peak_memory_bytes", std::int64_t(0));
    m.stateResumed = j.value("state_resumed", false);
    m.stateStored = j.value("state_stored", false);
    m.device = j.value("device", "");
    m.deviceNote = j.value("device_note", "");
    m.model = j.value("model", "");
    if (auto c = j.find("coverage"); c != j.end() && c->is_object()) { // (since 2026-12-06)
        m.coverage.wholeDocumentTokens = c->value("whole_document_tokens", std::int64_t(0));
        m.coverage.contextTokens = c->value("context_tokens", std::int64_t(0));
        m.coverage.passagesRead = c->value("passages_read", std::int64_t(0));
        m.coverage.passagesTotal = c->value("passages_total", std::int64_t(0));
        m.coverage.summaryParts = c->value("summary_parts", std::int64_t(0));
    }
    return m;
}

} // namespace lv::analysis
