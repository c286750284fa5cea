#include "analysis/ExtractiveSummarizer.h"

#include "analysis/SentenceSplitter.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace lv::analysis {

namespace {

struct Candidate {
    std::size_t unit;
    std::string text;
    std::vector<std::pair<int, float>> vec; // term id -> tf-idf weight, unit length
    std::size_t words = 0;
    bool eligible = true;
    bool body = true; // from the text's body, not its code, tables or headings
};

std::string collapseWhitespace(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool space = false;
    for (char c : s) {
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ' || c == '\f') {
            space = true;
        } else {
            if (space && !out.empty()) out.push_back(' ');
            space = false;
            out.push_back(c);
        }
    }
    return out;
}

// Sentences worth quoting: real prose, not headings, tables, numbers or code noise.
bool looksLikeProse(const std::string& s, std::size_t words) {
    if (words < 8 || words > 80) return false; // headings and fragments are not sentences
    std::size_t letters = 0, upper = 0, lower = 0;
    for (char c : s) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (std::isalpha(u)) {
            ++letters;
            if (std::isupper(u))
                ++upper;
            else
                ++lower;
        }
    }
    if (letters < s.size() / 2) return false;
    if (upper > lower) return false;                      // ALL-CAPS headings
    if (s.find(" | ") != std::string::npos) return false; // table rows
    // Code fenced inside a Markdown list item, and shell prompts: instructions, not prose.
    if (s.find("```") != std::string::npos || s.find("~~~") != std::string::npos) return false;
    // A fragment: the rest of a line broken off ("of 12 June 2024 on the ..."), or a list's
    // point that finishes the sentence before it ("(i) its credit rating falls ..."): it
    // opens with a word in lower case that carries a sentence on. A name written in lower
    // case opens a sentence of its own ("rg is a search tool", "systemd starts ...").
    std::size_t first = 0;
    if (const auto space = s.find(' '); space != std::string::npos && space > 0 && space <= 6 &&
                                        (s[space - 1] == ')' || s[space - 1] == '.'))
        first = space + 1;
    if (first < s.size() && std::islower(static_cast<unsigned char>(s[first]))) {
        const auto end = s.find_first_of(" ,;:", first);
        const std::string_view opening =
            std::string_view(s).substr(first, end == std::string::npos ? end : end - first);
        if (wordTokens(opening, true).empty()) return false;
    }
    // A lead-in to what follows it ("Here is some example output:") says nothing alone.
    if (s.back() == ':') return false;
    // Contents entries: a title, dot leaders, a page number.
    return !hasDotLeaders(s);
}

double dot(const std::vector<std::pair<int, float>>& a,
           const std::vector<std::pair<int, float>>& b) {
    double d = 0;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].first == b[j].first)
            d += double(a[i++].second) * b[j++].second;
        else if (a[i].first < b[j].first)
            ++i;
        else
            ++j;
    }
    return d;
}

} // namespace

std::vector<ExtractedSentence> extractSummary(const std::vector<SourceUnit>& units,
                                              const ExtractiveOptions& options) {
    std::vector<Candidate> cands;
    std::unordered_map<std::string, int> termIds;
    std::vector<int> df;
    std::vector<std::vector<int>> termsOf;
    for (std::size_t u = 0; u < units.size(); ++u) {
        const std::string& text = units[u].text;
        for (const SentenceSpan& span : splitSentences(text)) {
            Candidate c;
            c.unit = u;
            c.text = collapseWhitespace(
                std::string_view(text).substr(span.begin, span.end - span.begin));
            const auto tokens = wordTokens(c.text);
            c.words = std::count(c.text.begin(), c.text.end(), ' ') + 1;
            // Code blocks, tables, headings and footnotes (references, asides) of a text are
            // no sentences to summarize it with (a codebase, all code, falls back to its
            // best-ranked lines below).
            c.body = units[u].role == "body";
            c.eligible = c.body && looksLikeProse(c.text, c.words);
            std::vector<int> ids;
            for (const auto& t : tokens) {
                auto [it, inserted] = termIds.emplace(t, int(termIds.size()));
                if (inserted) df.push_back(0);
                ids.push_back(it->second);
            }
            std::sort(ids.begin(), ids.end());
            termsOf.push_back(ids);
            ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
            for (int id : ids)
                ++df[id];
            cands.push_back(std::move(c));
        }
    }
    const std::size_t n = cands.size();
    if (n == 0) return {};

    // TF-IDF vectors of unit length.
    for (std::size_t i = 0; i < n; ++i) {
        const auto& ids = termsOf[i];
        std::vector<std::pair<int, float>> v;
        for (std::size_t k = 0; k < ids.size();) {
            std::size_t e = k;
            while (e < ids.size() && ids[e] == ids[k])
                ++e;
            const double idf = std::log(double(n + 1) / double(df[ids[k]] + 1)) + 1.0;
            v.emplace_back(ids[k], float((1.0 + std::log(double(e - k))) * idf));
            k = e;
        }
        double norm = 0;
        for (auto& p : v)
            norm += double(p.second) * p.second;
        norm = std::sqrt(norm);
        if (norm > 0)
            for (auto& p : v)
                p.second = float(p.second / norm);
        cands[i].vec = std::move(v);
    }

    // Sparse similarity graph through an inverted index. Terms present in more than
    // a few percent of the sentences carry little and would make the graph dense.
    const std::size_t dfCap = std::max<std::size_t>(20, n / 25);
    std::vector<std::vector<std::size_t>> postings(df.size());
    for (std::size_t i = 0; i < n; ++i)
        for (const auto& [t, w] : cands[i].vec)
            if (std::size_t(df[t]) <= dfCap) postings[t].push_back(i);
    std::vector<std::vector<std::pair<std::size_t, float>>> edges(n);
    std::vector<char> seen(n, 0);
    std::vector<std::size_t> touched;
    for (std::size_t i = 0; i < n; ++i) {
        touched.clear();
        for (const auto& [t, w] : cands[i].vec)
            if (std::size_t(df[t]) <= dfCap)
                for (std::size_t j : postings[t])
                    if (j > i && !seen[j]) {
                        seen[j] = 1;
                        touched.push_back(j);
                    }
        for (std::size_t j : touched) {
            seen[j] = 0;
            const double s = dot(cands[i].vec, cands[j].vec);
            if (s > 0.05) {
                edges[i].emplace_back(j, float(s));
                edges[j].emplace_back(i, float(s));
            }
        }
    }

    // TextRank: PageRank over the weighted graph.
    std::vector<double> outWeight(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (const auto& e : edges[i])
            outWeight[i] += e.second;
    std::vector<double> rank(n, 1.0 / double(n)), next(n);
    const double damping = 0.85;
    for (int iter = 0; iter < 40; ++iter) {
        double dangling = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (outWeight[i] == 0) dangling += rank[i];
        const double base = (1.0 - damping) / double(n) + damping * dangling / double(n);
        std::fill(next.begin(), next.end(), base);
        for (std::size_t i = 0; i < n; ++i) {
            if (outWeight[i] == 0) continue;
            const double share = damping * rank[i] / outWeight[i];
            for (const auto& e : edges[i])
                next[e.first] += share * e.second;
        }
        rank.swap(next);
    }

    std::size_t want = options.maxSentences;
    if (want == 0) want = std::clamp<std::size_t>(n / 40, 5, 15);

    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    // A slight preference for earlier sentences: openings state purpose and scope.
    auto score = [&](std::size_t i) { return rank[i] * (1.0 + 0.15 / (1.0 + double(i) / 20.0)); };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return score(a) > score(b); });

    std::vector<std::size_t> picked;
    std::size_t words = 0;
    for (std::size_t i : order) {
        if (picked.size() >= want) break;
        if (!cands[i].eligible) continue;
        if (words + cands[i].words > options.maxWords && !picked.empty()) continue;
        bool redundant = false;
        for (std::size_t p : picked)
            if (dot(cands[i].vec, cands[p].vec) > options.redundancy) {
                redundant = true;
                break;
            }
        if (redundant) continue;
        picked.push_back(i);
        words += cands[i].words;
    }
    // Nothing looked like prose (code, short lines): fall back to the best-ranked lines of
    // the body where it has any (all of a codebase is code), never a run of text too long
    // to be a sentence (a dump without punctuation: the caller says so instead).
    const bool anyBody =
        std::any_of(cands.begin(), cands.end(), [](const Candidate& c) { return c.body; });
    if (picked.empty())
        for (std::size_t i : order) {
            if (picked.size() >= want) break;
            if (cands[i].words < 3 || cands[i].words > 80 || (!cands[i].body && anyBody)) continue;
            // Lines that come back (a licence notice atop every file) are given once.
            const bool redundant = std::any_of(picked.begin(), picked.end(), [&](std::size_t p) {
                return dot(cands[i].vec, cands[p].vec) > options.redundancy;
            });
            if (!redundant) picked.push_back(i);
        }
    std::sort(picked.begin(), picked.end());

    std::vector<ExtractedSentence> out;
    for (std::size_t i : picked)
        out.push_back({cands[i].unit, cands[i].text, score(i)});
    return out;
}

} // namespace lv::analysis
