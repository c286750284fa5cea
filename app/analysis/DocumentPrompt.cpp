#include "analysis/DocumentPrompt.h"
#include "analysis/CitationResolver.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace lv::analysis {

DocumentKind documentKindFromName(const std::string& kind) {
    if (kind == "pdf") return DocumentKind::Pdf;
    if (kind == "codebase") return DocumentKind::Codebase;
    return DocumentKind::Text;
}

namespace {

bool isMarginal(const storage::SegmentRecord& s) {
    return s.role == "header" || s.role == "footer";
}

std::string baseName(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

std::vector<SourceUnit> unitsFromSegments(const storage::DocumentRecord& doc,
                                          const std::vector<storage::SegmentRecord>& segments) {
    std::vector<SourceUnit> units;
    units.reserve(segments.size());
    const DocumentKind kind = documentKindFromName(doc.kind);
    // Labels that more than one page carries (each part of a manual numbered from 1): their
    // citations also name the page's place in the file, or "p. 48" would point at two pages.
    std::map<std::string, std::set<std::int64_t>> pagesOfLabel;
    for (const auto& s : segments)
        if (s.pageIndex && s.pageLabel) pagesOfLabel[*s.pageLabel].insert(*s.pageIndex);
    for (const auto& s : segments) {
        if (isMarginal(s)) continue;
        SourceUnit u;
        u.text = s.text;
        u.role = s.role;
        Citation& c = u.citation;
        c.documentId = doc.id;
        c.segmentId = s.id;
        if (s.pageIndex) {
            c.pageIndex = int(*s.pageIndex);
            c.pageLabel = s.pageLabel.value_or(std::to_string(*s.pageIndex + 1));
            c.label = "p. " + c.pageLabel;
            if (s.pageLabel && pagesOfLabel[*s.pageLabel].size() > 1)
                c.label += " (PDF page " + std::to_string(*s.pageIndex + 1) + ")";
        }
        if (s.filePath) c.filePath = *s.filePath;
        if (s.lineStart) {
            c.lineStart = int(*s.lineStart);
            c.lineEnd = int(s.lineEnd.value_or(*s.lineStart));
        }
        if (kind != DocumentKind::Pdf && c.lineStart > 0) {
            if (c.filePath.empty()) c.filePath = baseName(doc.sourcePath);
            c.label = lineRangeLabel(c.filePath, c.lineStart, c.lineEnd);
        }
        if (c.label.empty()) c.label = "§" + std::to_string(s.ordinal + 1);
        units.push_back(std::move(u));
    }
    return units;
}

std::string promptText(const std::vector<SourceUnit>& units, std::size_t first, std::size_t last,
                       DocumentKind kind) {
    std::string out;
    last = std::min(last, units.size());
    int currentPage = -2;
    std::string currentFile;
    for (std::size_t i = first; i < last; ++i) {
        const SourceUnit& u = units[i];
        const Citation& c = u.citation;
        if (kind == DocumentKind::Pdf) {
            if (c.pageIndex != currentPage) {
                if (!out.empty()) out += "\n\n";
                out += "[p. " + c.pageLabel + "]\n";
                currentPage = c.pageIndex;
            } else {
                out += "\n\n";
            }
            out += u.text;
            continue;
        }
        if (kind == DocumentKind::Codebase) {
            if (c.filePath != currentFile) {
                if (!out.empty() && out.back() != '\n') out += "\n";
                if (!out.empty()) out += "\n";
                out += "=== " + c.filePath + " ===\n";
                currentFile = c.filePath;
            }
            // Numbered lines: "[path:N]" citations need the numbers in view.
            int line = c.lineStart > 0 ? c.lineStart : 1;
            std::size_t pos = 0;
            while (pos <= u.text.size()) {
                const auto nl = u.text.find('\n', pos);
                const std::string l =
                    u.text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
                out += std::to_string(line++) + "| " + l + "\n";
                if (nl == std::string::npos) break;
                pos = nl + 1;
            }
            continue;
        }
        if (!out.empty()) out += "\n\n";
        // The paragraph's first line (a name with hyphens stays whole: "terms-of-use.txt:5").
        if (c.lineStart > 0)
            out.append("[")
                .append(lineRangeLabel(c.filePath, c.lineStart, c.lineStart))
                .append("] ");
        out += u.text;
    }
    return out;
}

namespace {

// Where to end a slice that must not pass `end` (a UTF-8 boundary past `from`): after the
// last line break in its second half, else after its last space, else at `end`.
std::size_t sliceEnd(const std::string& text, std::size_t from, std::size_t end) {
    if (end >= text.size()) return text.size();
    const std::size_t half = from + (end - from) / 2;
    const auto nl = text.rfind('\n', end - 1);
    if (nl != std::string::npos && nl >= half) return nl + 1;
    const auto sp = text.find_last_of(" \t", end - 1);
    if (sp != std::string::npos && sp >= half) return sp + 1;
    return end;
}

std::size_t utf8Boundary(const std::string& text, std::size_t pos) {
    while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80)
        ++pos;
    return pos;
}

} // namespace

std::vector<SourceUnit>
unitsWithin(const std::vector<SourceUnit>& units, DocumentKind kind, std::int64_t budget,
            const std::function<std::int64_t(const std::string&)>& tokenCount) {
    std::vector<SourceUnit> out;
    out.reserve(units.size());
    const bool numbered = kind != DocumentKind::Pdf;
    for (std::size_t i = 0; i < units.size(); ++i) {
        const SourceUnit& u = units[i];
        // No tokenizer makes more tokens than bytes (byte fallback at worst): a unit of fewer
        // bytes than the budget fits without being counted, which spares a codebase's
        // thousands of files a second tokenization.
        const std::string text = promptText(units, i, i + 1, kind);
        if (budget <= 0 || std::int64_t(text.size()) <= budget) {
            out.push_back(u);
            continue;
        }
        const std::int64_t whole = tokenCount(text);
        if (whole <= budget) {
            out.push_back(u);
            continue;
        }
        // A first guess from the unit's bytes a token, then shorter until the slice fits:
        // one or two tokenizations a slice, where a search over positions would take a dozen.
        const double bytesPerToken =
            double(u.text.size()) / double(std::max<std::int64_t>(whole, 1));
        std::size_t from = 0;
        int line = u.citation.lineStart;
        while (from < u.text.size()) {
            std::size_t want =
                std::max<std::size_t>(1, std::size_t(0.9 * double(budget) * bytesPerToken));
            SourceUnit slice = u;
            for (;;) {
                const std::size_t end = sliceEnd(
                    u.text, from, utf8Boundary(u.text, std::min(u.text.size(), from + want)));
                slice.text = u.text.substr(from, end - from);
                Citation& c = slice.citation;
                if (numbered && line > 0) {
                    const auto breaks = std::count(slice.text.begin(), slice.text.end(), '\n');
                    const bool endsAtBreak = !slice.text.empty() && slice.text.back() == '\n';
                    c.lineStart = line;
                    c.lineEnd = std::max(line, line + int(breaks) - (endsAtBreak ? 1 : 0));
                    if (end >= u.text.size()) c.lineEnd = std::max(c.lineStart, u.citation.lineEnd);
                    c.label = lineRangeLabel(c.filePath, c.lineStart, c.lineEnd);
                }
                const std::vector<SourceUnit> one{slice};
                if (want <= 1 || tokenCount(promptText(one, 0, 1, kind)) <= budget) {
                    if (numbered && line > 0)
                        line += int(std::count(slice.text.begin(), slice.text.end(), '\n'));
                    from = end;
                    break;
                }
                want = std::max<std::size_t>(1, want * 3 / 4);
            }
            out.push_back(std::move(slice));
        }
    }
    return out;
}

std::string fileListing(const std::vector<SourceUnit>& units) {
    std::vector<std::string> files;
    for (const auto& u : units)
        if (!u.citation.filePath.empty() && (files.empty() || files.back() != u.citation.filePath))
            files.push_back(u.citation.filePath);
    std::string out = "Files (" + std::to_string(files.size()) + "):\n";
    for (const auto& f : files)
        out += "  " + f + "\n";
    return out;
}

std::vector<std::size_t> unitsOfNamedFiles(const std::string& question,
                                           const std::vector<SourceUnit>& units) {
    std::vector<std::string> names;
    std::string cur;
    auto flush = [&] {
        while (!cur.empty() && (cur.back() == '.' || cur.back() == '/'))
            cur.pop_back();
        if (cur.find_first_of("./") != std::string::npos) names.push_back(cur);
        cur.clear();
    };
    for (char c : question) {
        const unsigned char u = static_cast<unsigned char>(c);
        // (bytes of UTF-8 sequences belong to names: "überblick.cpp")
        if (std::isalnum(u) || u >= 0x80 || c == '.' || c == '/' || c == '_' || c == '-')
            cur.push_back(c);
        else
            flush();
    }
    flush();
    std::vector<std::size_t> out;
    if (names.empty()) return out;
    for (std::size_t i = 0; i < units.size(); ++i) {
        const std::string& path = units[i].citation.filePath;
        if (path.empty()) continue;
        for (const auto& n : names)
            if (path == n ||
                (path.size() > n.size() && path.compare(path.size() - n.size(), n.size(), n) == 0 &&
                 path[path.size() - n.size() - 1] == '/')) {
                out.push_back(i);
                break;
            }
    }
    return out;
}

std::string plainText(const storage::DocumentRecord& doc,
                      const std::vector<storage::SegmentRecord>& segments) {
    const DocumentKind kind = documentKindFromName(doc.kind);
    std::string out;
    std::int64_t page = -1;
    std::string file;
    const storage::SegmentRecord* before = nullptr;
    for (const auto& s : segments) {
        // Where both segments know their lines, the text between them is the file's: the
        // blank lines it had, none where a paragraph was cut (at 80 lines, or around a line
        // too long for one segment), and a segment that starts on the line the one before
        // ended on goes on with that line.
        const bool lined = before && kind != DocumentKind::Pdf && s.lineStart && before->lineEnd &&
                           s.filePath == before->filePath;
        const bool goesOn = lined && *s.lineStart == *before->lineEnd;
        const std::int64_t blankLines =
            lined ? std::max<std::int64_t>(0, *s.lineStart - *before->lineEnd - 1) : 0;
        before = &s;
        if (goesOn) {
            if (!out.empty() && out.back() == '\n') out.pop_back();
            out += s.text;
            if (kind == DocumentKind::Codebase && !s.text.empty() && s.text.back() != '\n')
                out += "\n";
            continue;
        }
        if (kind == DocumentKind::Pdf) {
            if (isMarginal(s)) continue;
            const std::int64_t p = s.pageIndex.value_or(0);
            if (page >= 0 && p != page)
                out += "\n\f";
            else if (page >= 0)
                out += "\n\n";
            while (page >= 0 && page + 1 < p) { // blank pages keep their form feed
                out += "\f";
                ++page;
            }
            page = p;
            out += s.text;
        } else if (kind == DocumentKind::Codebase) {
            const std::string path = s.filePath.value_or("");
            if (path != file) {
                if (!out.empty() && out.back() != '\n') out += "\n";
                out += "=== " + path + " ===\n";
                file = path;
            }
            out.append(std::size_t(blankLines), '\n');
            out += s.text;
            if (!s.text.empty() && s.text.back() != '\n') out += "\n";
        } else {
            if (lined)
                out.append(std::size_t(blankLines) + 1, '\n');
            else if (!out.empty())
                out += "\n\n";
            out += s.text;
        }
    }
    if (!out.empty() && out.back() != '\n') out += "\n";
    return out;
}

} // namespace lv::analysis
