#include "ingest/pdf/PdfSections.h"

#include "ingest/text/NumberedHeading.h"
#include "ingest/text/SectionTracker.h"

#include <algorithm>
#include <map>

namespace lv::ingest {

namespace {

// Letters and digits only, lower case, single spaces: "3.2  Méthodes:" -> "3 2 méthodes".
QString comparable(const QString& s) {
    QString out;
    out.reserve(s.size());
    bool space = false;
    for (QChar c : s) {
        if (c.isLetterOrNumber()) {
            if (space && !out.isEmpty()) out += QLatin1Char(' ');
            out += c.toLower();
            space = false;
        } else {
            space = true;
        }
    }
    return out;
}

constexpr int kNestedRankBase = 100;

void assignFromHeadings(std::vector<Segment>& segments) {
    SectionTracker tracker;
    for (Segment& s : segments) {
        if (s.role == SegmentRole::Heading)
            if (const auto h = parseNumberedHeading(s.text)) tracker.enter(h->rank, h->text);
        s.sectionPath = tracker.path();
    }
}

} // namespace

void assignPdfSections(std::vector<Segment>& segments, const std::vector<OutlineEntry>& outline,
                       const std::vector<PageInfo>& pages) {
    if (outline.empty()) {
        assignFromHeadings(segments);
        return;
    }
    // Segments of each page, in reading order (headers and footers excluded).
    std::map<int, std::vector<int>> byPage;
    for (int i = 0; i < static_cast<int>(segments.size()); ++i)
        if (!segments[i].isMarginal()) byPage[segments[i].pageIndex].push_back(i);

    // Where each entry takes effect: before segment `at` (segments.size(): never).
    struct Activation {
        int at;
        int entry;
    };
    std::vector<Activation> activations;
    std::vector<bool> matched(segments.size(), false);
    for (int e = 0; e < static_cast<int>(outline.size()); ++e) {
        const OutlineEntry& entry = outline[e];
        if (entry.pageIndex < 0) continue;
        const QString title = comparable(entry.title);
        int at = -1;
        // Pages without text (a scan, a figure) pass the entry on to the next text.
        auto it = byPage.lower_bound(entry.pageIndex);
        if (it == byPage.end()) continue;
        if (it->first == entry.pageIndex && !title.isEmpty()) {
            for (int i : it->second) {
                const QString text = comparable(segments[i].text);
                if (matched[i] || text.isEmpty()) continue;
                const bool same =
                    text.startsWith(title) || (segments[i].role == SegmentRole::Heading &&
                                               text.size() >= 3 && title.startsWith(text));
                if (same) {
                    at = i;
                    matched[i] = true;
                    segments[i].role = SegmentRole::Heading;
                    break;
                }
            }
        }
        if (at < 0 && it->first == entry.pageIndex && entry.top >= 0 &&
            entry.pageIndex < static_cast<int>(pages.size())) {
            const double y = entry.top * pages[entry.pageIndex].size.height() - 4.0;
            for (int i : it->second)
                if (segments[i].bounds.bottom() >= y) {
                    at = i;
                    break;
                }
        }
        if (at < 0) at = it->second.front();
        activations.push_back({at, e});
    }
    std::stable_sort(activations.begin(), activations.end(),
                     [](const Activation& a, const Activation& b) { return a.at < b.at; });

    SectionTracker tracker;
    QString outlineNumber; // the number in the innermost active entry's title, if any
    std::size_t next = 0;
    for (int i = 0; i < static_cast<int>(segments.size()); ++i) {
        Segment& s = segments[i];
        bool activated = false;
        while (next < activations.size() && activations[next].at == i) {
            const OutlineEntry& entry = outline[activations[next].entry];
            tracker.enter(entry.level, entry.title.simplified());
            const auto h = parseNumberedHeading(entry.title);
            outlineNumber = h ? h->number : QString();
            activated = true;
            ++next;
        }
        if (!activated && s.role == SegmentRole::Heading && !matched[i] &&
            !outlineNumber.isEmpty()) {
            if (const auto h = parseNumberedHeading(s.text);
                h && h->number.startsWith(outlineNumber + QLatin1Char('.')))
                tracker.enter(kNestedRankBase + static_cast<int>(h->number.count(QLatin1Char('.'))),
                              h->text);
        }
        s.sectionPath = tracker.path();
    }
}

} // namespace lv::ingest
