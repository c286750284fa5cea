#include "storage/FtsQuery.h"

#include <vector>

namespace lv::storage {

namespace {

// At most this many terms: a pasted page must not become a huge query.
constexpr std::size_t kMaxTerms = 64;

// Bytes that may be part of a word. Non-ASCII bytes always are: the FTS5
// tokenizer decides which Unicode characters separate tokens, and a quoted
// string that holds none simply matches nothing.
bool isWordByte(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '_';
}

struct Term {
    std::string text; // without quotes; words separated by one space for a phrase
    bool prefix = false;
    bool orBefore = false; // joined to the previous term with OR
};

std::string quoted(const Term& t) {
    // Words hold no '"', so no escaping is needed; quoting makes FTS5 read
    // AND, NEAR, ^, : ... as ordinary text.
    std::string q = "\"" + t.text + "\"";
    if (t.prefix) q += '*';
    return q;
}

} // namespace

std::string ftsQueryFromUserText(std::string_view text, MatchMode mode) {
    std::vector<Term> terms;
    bool pendingOr = false;
    std::size_t i = 0;
    const std::size_t n = text.size();
    auto readWord = [&](std::size_t from) {
        std::size_t end = from;
        while (end < n && isWordByte(static_cast<unsigned char>(text[end])))
            ++end;
        return end;
    };

    while (i < n && terms.size() < kMaxTerms) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"') {
            // A phrase: the words up to the closing quote (or the end).
            std::size_t close = text.find('"', i + 1);
            if (close == std::string_view::npos) close = n;
            Term phrase;
            for (std::size_t j = i + 1; j < close;) {
                if (isWordByte(static_cast<unsigned char>(text[j]))) {
                    const std::size_t end = readWord(j);
                    if (!phrase.text.empty()) phrase.text += ' ';
                    phrase.text.append(text.substr(j, end - j));
                    j = end;
                } else {
                    ++j;
                }
            }
            i = close < n ? close + 1 : n;
            if (!phrase.text.empty()) {
                phrase.orBefore = pendingOr && !terms.empty();
                terms.push_back(std::move(phrase));
            }
            pendingOr = false;
            continue;
        }
        if (!isWordByte(c)) {
            ++i;
            continue;
        }
        const std::size_t end = readWord(i);
        std::string_view word = text.substr(i, end - i);
        i = end;
        if (word == "OR") {
            pendingOr = !terms.empty();
            continue;
        }
        Term t;
        t.text = std::string(word);
        t.prefix = i < n && text[i] == '*';
        t.orBefore = pendingOr && !terms.empty();
        pendingOr = false;
        terms.push_back(std::move(t));
    }

    std::string query;
    for (std::size_t k = 0; k < terms.size(); ++k) {
        if (k > 0) query += (mode == MatchMode::AnyTerm || terms[k].orBefore) ? " OR " : " ";
        query += quoted(terms[k]);
    }
    return query;
}

} // namespace lv::storage
