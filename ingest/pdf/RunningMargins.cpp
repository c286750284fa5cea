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

// Whether the page's own number (its label, or its index + 1) is one of the numbers in
// the text: "Confidential draft, printed 5 May" on page 5.
bool containsPageNumber(const QString& text, const PageLines& page) {
    static const QRegularExpression token(QStringLiteral("[\\p{L}\\p{N}]+"));
    const QString number = QString::number(page.index + 1);
    auto it = token.globalMatch(text);
    while (it.hasNext()) {
        const QString t = it.next().captured();
        if (t == number ||
            (!page.label.isEmpty() && t.compare(page.label, Qt::CaseInsensitive) == 0))
            return true;
    }
    return false;
}

// Whether the text goes on from `before` to `after` mid-sentence: the one ends without
// a full stop and the other starts in lower case.
bool runsOn(const TextLine& before, const TextLine& after) {
    const QString a = before.text.trimmed(), b = after.text.trimmed();
    if (a.isEmpty() || b.isEmpty()) return false;
    const QChar end = a.back();
    const bool open = end.isLetterOrNumber() || end == QLatin1Char(',') ||
                      end == QLatin1Char('-') || end == QChar(0x00AD) || end == QChar(0x2010);
    return open && b.front().isLower();
}

// The lines of a page that belong to its footnotes: small type in the lower half that
// opens with a footnote's marker, and the lines of the same size right under it. A marker
// counts where it is set smaller than the text after it, or where the page's text refers
// to it ("loss.²" for "2 See also...", "Bank(¹)" for "(1) OJ C 112..."): a footer such as
// "10 Downing Street, London" opens with a number that nothing refers to. Footnotes come
// back from page to page with only their numbers changed ("12 Id.", "(4) OJ L 201,
// 27.7.2012, p. 1.") and sit at the foot of the text: they look like running footers, but
// are text.
std::vector<bool> footnoteLines(const PageLines& page, double bodySize) {
    static const QRegularExpression marker(
        QStringLiteral(R"(^(?:(\d{1,3})|\((\d{1,3})\)|\[(\d{1,3})\]|([*†‡§¶]{1,3}))(?=\s|\p{L}))"),
        QRegularExpression::UseUnicodePropertiesOption);
    const auto& lines = *page.lines;
    std::vector<bool> out(lines.size(), false);
    auto referredTo = [&](std::size_t at, const QStringList& forms) {
        for (std::size_t l = 0; l < lines.size(); ++l)
            if (l != at && !out[l])
                for (const QString& form : forms)
                    if (lines[l].text.contains(form)) return true;
        return false;
    };
    const TextLine* open = nullptr;
    for (std::size_t l = 0; l < lines.size(); ++l) {
        const TextLine& line = lines[l];
        const bool small = bodySize > 0 && line.fontSize <= 0.92 * bodySize;
        if (!small || line.table >= 0 || line.box.top() < 0.5 * page.height) {
            open = nullptr;
            continue;
        }
        bool opens = false;
        if (const auto m = marker.match(line.text); m.hasMatch()) {
            const QString bare = m.captured(1), paren = m.captured(2), bracket = m.captured(3),
                          symbol = m.captured(4);
            if (line.firstWordHeight < 0.8 * line.fontSize)
                opens = true;
            else if (!bare.isEmpty())
                opens = referredTo(l, {superscriptDigits(bare)});
            else if (!paren.isEmpty())
                opens =
                    referredTo(l, {QLatin1Char('(') + superscriptDigits(paren) + QLatin1Char(')'),
                                   QLatin1Char('(') + paren + QLatin1Char(')')});
            else if (!bracket.isEmpty())
                opens = referredTo(l, {QLatin1Char('[') + bracket + QLatin1Char(']')});
            else
                opens = referredTo(l, {symbol});
        }
        const bool goesOn = open && !opens && open->region == line.region &&
                            std::abs(open->fontSize - line.fontSize) <= 0.15 * open->fontSize &&
                            line.box.top() - open->box.bottom() <= 0.8 * line.fontSize &&
                            !isPageNumberText(normaliseMarginText(line.text));
        out[l] = opens || goesOn;
        open = out[l] ? &line : nullptr;
    }
    return out;
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
    QHash<QString, QSet<int>> verbatim; // text as written -> pages
    struct Candidate {
        int page;
        int line;
        MarginRole zone;
        QString key;
        bool pageNumber;    // the line is a page number ("17", "Page 17 of 90")
        bool endsInNumber;  // the page's number at an end of a longer line
        bool hasPageNumber; // the page's number anywhere in it
        bool large;         // set larger than the page's text
        bool small;         // set smaller than the page's text
    };
    std::vector<Candidate> candidates;
    std::vector<double> bodySizes(pages.size(), 0);
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
        bodySizes[p] = bodySize;
        const std::vector<bool> footnotes = footnoteLines(pages[p], bodySize);
        for (int l = 0; l < static_cast<int>(lines.size()); ++l) {
            const TextLine& line = lines[l];
            if (footnotes[l]) continue;
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
            verbatim[key + QLatin1Char('\n') + line.text.simplified()].insert(p);
            candidates.push_back({p, l, zone, key, isPageNumberText(normalised),
                                  carriesPageNumber(line.text, pages[p]),
                                  containsPageNumber(line.text, pages[p]),
                                  bodySize > 0 && line.fontSize > 1.15 * bodySize,
                                  bodySize > 0 && line.fontSize <= 0.92 * bodySize});
        }
    }
    const int pageCount = static_cast<int>(pages.size());
    // Two pages suffice for a very short document; three otherwise, so that a
    // chapter's running title counts from its third page on.
    const int needed = std::max(2, std::min(rules.minRepeats, pageCount / 2));

    // Where each page's text begins and ends, leaving out what looks like a margin at
    // first sight (page numbers, lines that repeat) and small type (footnotes).
    auto firstLook = [&](const Candidate& c) {
        const auto pagesWith = seen.value(c.key).size();
        return c.pageNumber || (c.endsInNumber && pagesWith >= 2) || pagesWith >= needed;
    };
    std::vector<std::vector<bool>> margin(pages.size());
    for (int p = 0; p < pageCount; ++p)
        margin[p].assign(pages[p].lines->size(), false);
    for (const Candidate& c : candidates)
        if (firstLook(c)) margin[c.page][c.line] = true;
    std::vector<const TextLine*> firstText(pages.size(), nullptr), lastText(pages.size(), nullptr);
    for (int p = 0; p < pageCount; ++p) {
        const auto& lines = *pages[p].lines;
        for (std::size_t l = 0; l < lines.size(); ++l) {
            if (margin[p][l] || lines[l].fontSize <= 0.92 * bodySizes[p]) continue;
            if (!firstText[p]) firstText[p] = &lines[l];
            lastText[p] = &lines[l];
        }
    }
    // Whether the text of the pages runs on past the candidate, mid-sentence from the
    // page before it to the text after it: a heading never stands inside a sentence.
    auto textRunsPast = [&](const Candidate& c) {
        const TextLine& line = (*pages[c.page].lines)[c.line];
        const TextLine *before = nullptr, *after = nullptr;
        if (c.zone == MarginRole::Header) {
            before = c.page > 0 ? lastText[c.page - 1] : nullptr;
            after = firstText[c.page];
            if (after && after->box.top() < line.box.bottom()) return false;
        } else {
            before = lastText[c.page];
            after = c.page + 1 < pageCount ? firstText[c.page + 1] : nullptr;
            if (before && before->box.bottom() > line.box.top()) return false;
        }
        return before && after && runsOn(*before, *after);
    };

    // Per key, for lines whose text differs from page to page: where they usually sit,
    // and the pages on which they sit there, carry the page's own number, or have the
    // text run on past them.
    struct Variants {
        double top = 0;
        int placed = 0;
        int numbered = 0;
        bool runPast = false;
    };
    QHash<QString, Variants> variants;
    {
        QHash<QString, std::vector<double>> tops;
        for (const Candidate& c : candidates)
            if (written.value(c.key).size() > 1)
                tops[c.key].push_back((*pages[c.page].lines)[c.line].box.top());
        for (auto it = tops.begin(); it != tops.end(); ++it) {
            auto& v = it.value();
            std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
            variants[it.key()].top = v[v.size() / 2];
        }
    }
    auto atUsualPlace = [&](const Candidate& c) {
        const TextLine& line = (*pages[c.page].lines)[c.line];
        return std::abs(line.box.top() - variants.value(c.key).top) <=
               0.5 * std::max(1.0, line.fontSize);
    };
    for (const Candidate& c : candidates) {
        if (written.value(c.key).size() <= 1 || !atUsualPlace(c)) continue;
        Variants& v = variants[c.key];
        ++v.placed;
        v.numbered += c.hasPageNumber;
        v.runPast = v.runPast || textRunsPast(c);
    }

    // A longer line that ends in the page's number is a running title only where it
    // comes back on another page: "5 Termination for convenience" on page 5, or a clause
    // ending "... Schedule 7" on page 7, is body text that happens to sit near the edge.
    // Lines that differ only in a number are headings that look alike ("SCHEDULE 1",
    // "Exercise 6" atop one page each) unless something shows them to be a running title:
    // sitting in one place, the number is the page's own, the type is smaller than the
    // text's, the same text comes back on another page ("Annual Report 2020" on every
    // other page), or the text runs on past it. Set larger than the text, they are
    // headings.
    for (const Candidate& c : candidates) {
        const auto pagesWith = seen.value(c.key).size();
        const bool differs = written.value(c.key).size() > 1;
        bool isMargin = false;
        if (c.pageNumber) {
            isMargin = true;
        } else if (differs && c.large) {
            isMargin = false;
        } else if (c.endsInNumber && pagesWith >= 2) {
            isMargin = true;
        } else if (pagesWith < needed) {
            isMargin = false;
        } else if (!differs) {
            isMargin = true;
        } else if (atUsualPlace(c) && variants.value(c.key).placed >= needed) {
            const Variants& v = variants.value(c.key);
            const QString text = (*pages[c.page].lines)[c.line].text.simplified();
            isMargin = v.numbered >= needed || c.small ||
                       verbatim.value(c.key + QLatin1Char('\n') + text).size() >= 2 || v.runPast;
        }
        if (isMargin) roles[c.page][c.line] = c.zone;
    }
    return roles;
}

} // namespace lv::ingest
