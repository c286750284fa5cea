#include "cli/HumanOutput.h"

#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace lv::cli {

std::string humanBytes(std::int64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::string counted(std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string humanCount(std::int64_t n) {
    char buf[32];
    if (n < 1000) {
        std::snprintf(buf, sizeof buf, "%lld", (long long)n);
        return buf;
    }
    // The largest unit the count reaches once rounded to three digits.
    const char* units[] = {"K", "M", "B"};
    double scale = 1e3;
    int u = 0;
    while (u < 2 && double(n) >= 999.5 * scale) {
        scale *= 1e3;
        ++u;
    }
    const double v = double(n) / scale;
    std::snprintf(buf, sizeof buf, v < 9.95 ? "%.1f%s" : "%.0f%s", v, units[u]);
    return buf;
}

std::string column(const std::string& utf8, std::size_t chars, std::size_t width) {
    std::vector<std::size_t> starts; // byte offset of each character
    for (std::size_t i = 0; i < utf8.size(); ++i)
        if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) starts.push_back(i);
    std::string out;
    std::size_t n = 0;
    if (starts.size() <= chars) {
        out = utf8;
        n = starts.size();
    } else if (chars > 0) {
        out = utf8.substr(0, starts[chars - 1]) + "\u2026";
        n = chars;
    }
    if (n < width) out.append(width - n, ' ');
    return out;
}

std::string oneLine(std::string_view message) {
    std::string out;
    out.reserve(message.size());
    for (char c : message) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else
            out += c;
    }
    return out;
}

void printCitations(std::ostream& out, const std::vector<analysis::Citation>& citations,
                    bool modelAnswer) {
    if (citations.empty() && modelAnswer)
        out << "\n(No citations: the answer names no page or line of the document.)\n";
    if (citations.empty()) return;
    out << "\nCitations:\n";
    for (std::size_t i = 0; i < citations.size(); ++i) {
        const auto& c = citations[i];
        out << "  [" << (i + 1) << "] " << c.label;
        if (!c.quote.empty()) out << "  \"" << column(c.quote, 88) << "\""; // (whole characters)
        out << "\n";
    }
}

void printDeviceNote(std::ostream& err, const analysis::Metrics& m) {
    if (!m.deviceNote.empty()) err << "longview-cli: warning: " << m.deviceNote << "\n";
}

void printMetrics(std::ostream& out, const analysis::Metrics& m) {
    if (m.device == "none" || m.model.empty()) return;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "\n[%s on %s: prompt %lld tokens, read %lld, from cache %lld%s; "
                  "first token %.0f ms, %.1f tok/s]\n",
                  m.model.c_str(), m.device.c_str(), (long long)m.documentTokens,
                  (long long)m.tokensRead, (long long)m.tokensFromCache,
                  m.stateResumed ? " (state resumed)" : (m.stateStored ? " (state cached)" : ""),
                  m.timeToFirstTokenMs, m.tokensPerSecond);
    out << buf;
    const analysis::Coverage& c = m.coverage;
    if (!c.partial()) return;
    std::snprintf(buf, sizeof buf,
                  "[the document is %lld tokens, more than fit the context of %lld beside the "
                  "prompt and answer: ",
                  (long long)c.wholeDocumentTokens, (long long)c.contextTokens);
    out << buf;
    if (c.passagesTotal > 0)
        std::snprintf(buf, sizeof buf, "read the %lld of its %lld passages that best match]\n",
                      (long long)c.passagesRead, (long long)c.passagesTotal);
    else
        std::snprintf(buf, sizeof buf, "summarized from summaries of its %lld parts]\n",
                      (long long)c.summaryParts);
    out << buf;
}

} // namespace lv::cli
