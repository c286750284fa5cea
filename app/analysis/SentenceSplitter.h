// Splits prose into sentences for extractive summaries and citation quotes.
// Knows legal and technical abbreviations ("Art.", "Sec.", "e.g.", "No. 5", "1.2").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lv::analysis {

struct SentenceSpan {
    std::size_t begin = 0; // byte offsets into the input
    std::size_t end = 0;
};

// Sentences of `text` in order, trimmed. Paragraph breaks (blank lines) and
// heading-like lines always end a sentence.
std::vector<SentenceSpan> splitSentences(std::string_view text);

// Lower-case word tokens (letters and digits, UTF-8 letters kept whole) used for
// term statistics; common English stop words removed when dropStopWords.
std::vector<std::string> wordTokens(std::string_view text, bool dropStopWords = true);

// Whether the text holds dot leaders ("Writing suppression files ........ 73"): a
// table of contents' entry, which points at the text and says nothing itself.
bool hasDotLeaders(std::string_view text);

} // namespace lv::analysis
