#include "analysis/CitationResolver.h"

#include <algorithm>
#include <cctype>

namespace lv::analysis {

namespace {

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool parseInt(const std::string& s, int& out) {
    if (s.empty() || s.size() > 9) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = std::stoi(s);
    return true;
}

// "p. 12", "p.iv", "page A-1", "p. Annex 2", "pp. 3" (the first page of a range counts).
bool parsePage(const std::string& inner, std::string& label) {
    std::string s = inner;
    std::string lower;
    for (char c : s)
        lower.push_back(char(std::tolower(static_cast<unsigned char>(c))));
    std::size_t skip = 0;
    for (const char* prefix : {"pages ", "page ", "pp.", "p."}) {
        const std::string p(prefix);
        if (lower.rfind(p, 0) == 0) {
            skip = p.size();
            break;
        }
    }
    if (skip == 0) return false;
    std::string rest = trim(s.substr(skip));
    if (auto dash = rest.find_first_of(",;"); dash != std::string::npos)
        rest = rest.substr(0, dash);
    if (auto range = rest.find("\xE2\x80\x93"); range != std::string::npos)
        rest = rest.substr(0, range);
    rest = trim(rest);
    if (rest.empty() || rest.size() > 32) return false;
    // A label as the PDF prints it; one that labels no page resolves to nothing.
    for (char c : rest)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ' '))
            return false;
    label = rest;
    return true;
}

// "path:12" or "path:12-20". The path may hold spaces ("Master Agreement.txt:5", as the
// prompt names a text file): a marker that names no file of the document resolves to nothing.
bool parseFileLine(const std::string& inner, std::string& path, int& a, int& b) {
    const auto colon = inner.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    path = trim(inner.substr(0, colon));
    const std::string lines = trim(inner.substr(colon + 1));
    const auto dash = lines.find('-');
    if (dash == std::string::npos) {
        if (!parseInt(lines, a)) return false;
        b = a;
    } else {
        if (!parseInt(trim(lines.substr(0, dash)), a) || !parseInt(trim(lines.substr(dash + 1)), b))
            return false;
        if (b < a) std::swap(a, b);
    }
    return !path.empty() && a > 0;
}

} // namespace

std::vector<CitationMarker> findCitationMarkers(const std::string& text) {
    std::vector<CitationMarker> out;
    std::size_t pos = 0;
    while ((pos = text.find('[', pos)) != std::string::npos) {
        const auto close = text.find(']', pos + 1);
        if (close == std::string::npos) break;
        const std::string inner = text.substr(pos + 1, close - pos - 1);
        if (inner.size() > 200 || inner.find('[') != std::string::npos) {
            ++pos;
            continue;
        }
        CitationMarker m;
        m.begin = pos;
        m.end = close + 1;
        if (parsePage(trim(inner), m.pageLabel) ||
            parseFileLine(trim(inner), m.filePath, m.lineStart, m.lineEnd))
            out.push_back(m);
        pos = close + 1;
    }
    return out;
}

std::string lineRangeLabel(const std::string& filePath, int lineStart, int lineEnd) {
    std::string label = filePath;
    label.append(":").append(std::to_string(lineStart));
    if (lineEnd > lineStart) label.append("-").append(std::to_string(lineEnd));
    return label;
}

std::vector<Citation> resolveCitations(const std::string& text,
                                       const std::vector<SourceUnit>& units) {
    std::vector<Citation> out;
    auto add = [&](const Citation& c) {
        const bool dup = std::any_of(out.begin(), out.end(), [&](const Citation& o) {
            return o.segmentId == c.segmentId && o.pageIndex == c.pageIndex &&
                   o.filePath == c.filePath && o.lineStart == c.lineStart && o.lineEnd == c.lineEnd;
        });
        if (!dup) out.push_back(c);
    };
    for (const CitationMarker& m : findCitationMarkers(text)) {
        if (!m.pageLabel.empty()) {
            for (const auto& u : units)
                if (u.citation.pageIndex >= 0 && u.citation.pageLabel == m.pageLabel) {
                    add(u.citation);
                    break;
                }
            continue;
        }
        // The unit of that file whose line range holds the cited start line; the
        // citation keeps the lines the model named, clipped to the file's unit.
        for (const auto& u : units) {
            const Citation& c = u.citation;
            if (c.filePath.empty()) continue;
            const bool samePath = c.filePath == m.filePath ||
                                  (c.filePath.size() > m.filePath.size() &&
                                   c.filePath.compare(c.filePath.size() - m.filePath.size(),
                                                      m.filePath.size(), m.filePath) == 0 &&
                                   c.filePath[c.filePath.size() - m.filePath.size() - 1] == '/');
            if (!samePath || m.lineStart < c.lineStart || m.lineStart > c.lineEnd) continue;
            Citation r = c;
            r.lineStart = m.lineStart;
            r.lineEnd = std::min(std::max(m.lineEnd, m.lineStart), c.lineEnd);
            r.label = lineRangeLabel(c.filePath, r.lineStart, r.lineEnd);
            add(r);
            break;
        }
    }
    return out;
}

} // namespace lv::analysis
