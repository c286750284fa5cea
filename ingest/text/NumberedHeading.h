// Recognises numbered headings in a line of text: "§ 12 Penalties", "Article 5",
// "Section 4", "Chapter II", "3.2.1 Scope", "A.1 Tables", "Appendix B", "Part 2".
#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace lv::ingest {

struct NumberedHeading {
    // Nesting rank: smaller is outer. Part 10, Chapter/Appendix/Annex 20,
    // Section 30, Article/§ 40, dotted numbers 50 + depth ("3.2.1" is 53).
    int rank = 0;
    QString number; // "12", "5", "3.2.1", "II"
    QString text;   // the whole heading line, trimmed
};

struct HeadingRules {
    // A heading may end with '.' ("0. Definitions.") when it has at most this
    // many words; longer lines ending in punctuation are sentences.
    int maxWordsWithFinalPeriod = 6;
    // ...and with ':' ("Annex II Tables:") at most this many; longer ones introduce a list.
    int maxWordsWithFinalColon = 3;
    int maxWords = 14;
    int maxLength = 120;
};

std::optional<NumberedHeading> parseNumberedHeading(QStringView line,
                                                    const HeadingRules& rules = {});

} // namespace lv::ingest
