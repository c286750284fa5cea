#include "ingest/text/NumberedHeading.h"

#include <QRegularExpression>

namespace lv::ingest {

namespace {

struct KeywordPattern {
    QRegularExpression re;
    int rank;
};

const std::vector<KeywordPattern>& keywordPatterns() {
    using RE = QRegularExpression;
    const auto ci = RE::CaseInsensitiveOption | RE::UseUnicodePropertiesOption;
    static const std::vector<KeywordPattern> patterns = {
        {RE(QStringLiteral(R"(^(?:part|book)\s+([IVXLC]+|\d+|[A-Z])\b)"), ci), 10},
        {RE(QStringLiteral(R"(^title\s+([IVXLC]+|\d+)\b)"), ci), 15},
        {RE(QStringLiteral(R"(^(?:chapter|chap\.)\s+([IVXLC]+|\d+[A-Z]?)\b)"), ci), 20},
        {RE(QStringLiteral(R"(^(?:appendix|annex|schedule)\s+([IVXLC]+|\d+|[A-Z])\b)"), ci), 20},
        {RE(QStringLiteral(R"(^(?:section|sec\.)\s+(\d+(?:\.\d+)*[a-z]?|[IVXLC]+)\b)"), ci), 30},
        {RE(QStringLiteral(R"(^(?:article|art\.)\s+(\d+[a-z]?|[IVXLC]+)\b)"), ci), 40},
        {RE(QStringLiteral(R"(^§+\s*(\d+[a-z]?(?:\.\d+)*)\b)"), ci), 40},
    };
    return patterns;
}

// "3.2.1 Scope", "3.2.1. Scope", "12 Penalties", "A.1 Tables": the title must
// start with a capital letter (numbered list items and sentences usually do
// not follow a bare number with a capitalised short title and nothing else).
const QRegularExpression& dottedPattern() {
    static const QRegularExpression re(
        QStringLiteral(R"(^((?:[A-Z]\.)?\d{1,3}(?:\.\d{1,3}){0,5})\.?\s+(\p{Lu}.*)$)"),
        QRegularExpression::UseUnicodePropertiesOption);
    return re;
}

int wordCount(QStringView s) {
    int words = 0;
    bool inWord = false;
    for (QChar c : s) {
        const bool space = c.isSpace();
        if (!space && !inWord) ++words;
        inWord = !space;
    }
    return words;
}

} // namespace

std::optional<NumberedHeading> parseNumberedHeading(QStringView line, const HeadingRules& rules) {
    const QString text = line.trimmed().toString();
    if (text.isEmpty() || text.size() > rules.maxLength) return std::nullopt;
    const int words = wordCount(text);
    if (words > rules.maxWords) return std::nullopt;
    // A footnote's marker after the last word ("...every two years.⁶") hides how the line
    // ends.
    static const QRegularExpression marker(
        QStringLiteral("\\(?[\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+\\)?$"));
    const QString unmarked = text.sliced(0, text.size() - marker.match(text).capturedLength());
    if (unmarked.isEmpty()) return std::nullopt;
    const QChar last = unmarked.back();
    if (last == QLatin1Char(',') || last == QLatin1Char(';')) return std::nullopt;
    if (last == QLatin1Char('.') && words > rules.maxWordsWithFinalPeriod) return std::nullopt;
    // "1.1 In this Agreement the following definitions apply:" introduces what follows.
    if (last == QLatin1Char(':') && words > rules.maxWordsWithFinalColon) return std::nullopt;

    for (const auto& p : keywordPatterns()) {
        const auto m = p.re.match(text);
        if (m.hasMatch()) return NumberedHeading{p.rank, m.captured(1), text};
    }
    const auto m = dottedPattern().match(text);
    if (!m.hasMatch()) return std::nullopt;
    const QString number = m.captured(1);
    const QString title = m.captured(2);
    // A sentence such as "2 Apples are ripe when they fall." has a final period and
    // more words; a lone capitalised word with a 3-digit number is often a table row.
    if (title.size() < 2) return std::nullopt;
    const int depth = static_cast<int>(number.count(QLatin1Char('.'))) + 1;
    return NumberedHeading{50 + depth, number, text};
}

} // namespace lv::ingest
