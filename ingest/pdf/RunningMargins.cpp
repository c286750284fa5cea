#include "ingest/pdf/RunningMargins.h"

#include <algorithm>

#include <QHash>
#include <QRegularExpression>
#include <QSet>

namespace lv::ingest {

namespace {

bool isRomanNumeral(const QString& token) {
    static const QRegularExpression re(
        QStringLiteral("^m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$"));
    return !token.isEmpty() && re.match(token).hasMatch();
}

// "Chapter 2: Results 17" on the page labelled 17: the page's own number at
// either end of a line in the margin.
bool carriesPageNumber(const QString& text, const PageLines& page) {
    const QStringList tokens = text.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (tokens.size() < 2) return false;
    auto bare = [](QString t) {
        while (!t.isEmpty() && !t.front().isLetterOrNumber())
            t.remove(0, 1);
        while (!t.isEmpty() && !t.back().isLetterOrNumber())
            t.chop(1);
        return t;
    };
    const QString number = QString::number(page.index + 1);
    for (const QString& end : {bare(tokens.front()), bare(tokens.back())}) {
        if (end.isEmpty()) continue;
        if ((!page.label.isEmpty() && end.compare(page.label, Qt::CaseInsensitive) == 0) ||
            end == number)
            return true;
    }
    return false;
}

} // namespace

QString normaliseMarginText(const QString& text) {
    QString lower = text.toLower();
    static const QRegularExpression digits(QStringLiteral("\\d+"));
    lower.replace(digits, QStringLiteral("#"));
    // Tokens (split at spaces and punctuation other than '#') that are roman numerals.
    QString out;
    QString token;
    auto flush = [&]() {
        out += isRomanNumeral(token) ? QStringLiteral("#") : token;
        token.clear();
    };
    for (QChar c : lower) {
        if (c.isLetter()) {
            token += c;
        } else {
            flush();
            out += c.isSpace() ? QChar(QLatin1Char(' ')) : c;
        }
    }
    flush();
    return out.simplified();
}

bool isPageNumberText(const QString& normalised) {
    static const QRegularExpression re(QStringLiteral(
        R"(^(?:page|p\.|pg\.|seite|página|pagina)?\s*[-–—\[(]?\s*#\s*[-–—\])]?\s*(?:(?:of|/|von|de)\s*#)?$)"));
    return !normalised.isEmpty() && re.match(normalised).hasMatch();
}

std::vector<std::vector<MarginRole>> findRunningMargins(const std::vector<PageLines>& pages,
                                                        const MarginRules& rules) {
    std::vector<std::vector<MarginRole>> roles(pages.size());
    // Key: zone marker + normalised text; value: the pages it appears on, and its texts
    // as written.
    QHash<QString, QSet<int>> seen;
    QHash<QString, QSet<QString>> written;
    struct Candidate {
        int page;
        int line;
        MarginRole zone;
        QString key;
        bool pageNumber;   // the line is a page number ("17", "Page 17 of 90")
        bool endsInNumber; // the page's number at an end of a longer line
        bool large;        // set larger than the page's text
    };
    std::vector<Candidate> candidates;
    for (int p = 0; p < static_cast<int>(pages.size()); ++p) {
        const auto& lines = *pages[p].lines;
        roles[p].assign(lines.size(), MarginRole::None);
        const double h = pages[p].height;
        if (h <= 0) continue;
        std::vector<double> sizes;
        for (const TextLine& line : lines)
            if (line.fontSize > 0) sizes.push_back(line.fontSize);
        std::nth_element(sizes.begin(), sizes.begin() + long(sizes.size() / 2), sizes.end());
        const double bodySize = sizes.empty() ? 0 : sizes[sizes.size() / 2];
        for (int l = 0; l < static_cast<int>(lines.size()); ++l) {
            const TextLine& line = lines[l];
            MarginRole zone = MarginRole::None;
            if (line.box.bottom() <= rules.zone * h)
                zone = MarginRole::Header;
            else if (line.box.top() >= (1.0 - rules.zone) * h)
                zone = MarginRole::Footer;
            if (zone == MarginRole::None || line.table >= 0) continue;
            const QString normalised = normaliseMarginText(line.text);
            if (normalised.isEmpty()) continue;
            const QString key =
                (zone == MarginRole::Header ? QStringLiteral("H:") : QStringLiteral("F:")) +
                normalised;
            seen[key].insert(p);
            written[key].insert(line.text.simplified());
            candidates.push_back({p, l, zone, key, isPageNumberText(normalised),
                                  carriesPageNumber(line.text, pages[p]),
                                  bodySize > 0 && line.fontSize > 1.15 * bodySize});
        }
    }
    const int pageCount = static_cast<int>(pages.size());
    // Two pages suffice for a very short document; three otherwise, so that a
    // chapter's running title counts from its third page on.
    const int needed = std::max(2, std::min(rules.minRepeats, pageCount / 2));
    // A longer line that ends in the page's number is a running title only where it
    // comes back on another page: "5 Termination for convenience" on page 5, or a clause
    // ending "... Schedule 7" on page 7, is body text that happens to sit near the edge.
    // Lines that differ only in a number and are set larger than the text ("SCHEDULE 1",
    // "SCHEDULE 2" atop one page each) are headings that look alike; a running header
    // is set no larger than the text, or reads the same on every page.
    for (const Candidate& c : candidates) {
        const auto pagesWith = seen.value(c.key).size();
        if (c.large && !c.pageNumber && written.value(c.key).size() > 1) continue;
        if (c.pageNumber || (c.endsInNumber && pagesWith >= 2) || pagesWith >= needed)
            roles[c.page][c.line] = c.zone;
    }
    return roles;
}

} // namespace lv::ingest
