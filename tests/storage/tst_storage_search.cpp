// Full-text search on real text (the GPL-3 and the Apache-2.0 licenses, split
// into paragraphs): BM25 ranking, snippets, document filter, prefix and phrase
// queries, and the sanitising of arbitrary user input.

#include "StorageTestSupport.h"

#include "storage/DocumentStore.h"
#include "storage/FtsQuery.h"
#include "storage/Library.h"
#include "storage/SegmentSearch.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cctype>
#include <random>

using namespace lv::storage;
using namespace lv::storage::test;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return lower(haystack).find(lower(needle)) != std::string::npos;
}

// The highlighted stretches of a snippet.
std::vector<std::string> highlighted(const std::string& snippet, const std::string& open = "\u00ab",
                                     const std::string& close = "\u00bb") {
    std::vector<std::string> out;
    std::size_t at = 0;
    while ((at = snippet.find(open, at)) != std::string::npos) {
        const std::size_t end = snippet.find(close, at);
        if (end == std::string::npos) break;
        out.push_back(snippet.substr(at + open.size(), end - at - open.size()));
        at = end + close.size();
    }
    return out;
}

} // namespace

class SearchTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::optional<Library> library_;
    std::optional<Connection> c_;
    std::int64_t gpl_ = 0;
    std::int64_t apache_ = 0;
    std::vector<std::string> gplParagraphs_;

    std::string segmentText(std::int64_t id) { return DocumentStore(*c_).segment(id)->text; }

private slots:
    void initTestCase() {
        LV_REQUIRE_FILE(kGpl3);
        LV_REQUIRE_FILE(kApache2);
        library_.emplace(Library::open(libraryIn(dir_)));
        c_.emplace(library_->openWriter());
        DocumentStore docs(*c_);
        gplParagraphs_ = paragraphsOf(kGpl3);
        QVERIFY(gplParagraphs_.size() > 100);
        gpl_ = docs.addDocument({kGpl3, "gpl3", "text", "GNU GPL v3", "{}"});
        docs.appendSegments(gpl_, segmentsOf(gplParagraphs_));
        apache_ = docs.addDocument({kApache2, "apache2", "text", "Apache License 2.0", "{}"});
        docs.appendSegments(apache_, segmentsOf(paragraphsOf(kApache2)));
        ftsIntegrityCheck(*c_);
    }

    void sanitiserQuotesEveryWord() {
        QCOMPARE(ftsQueryFromUserText("notice period"), std::string(R"("notice" "period")"));
        QCOMPARE(ftsQueryFromUserText("notice period", MatchMode::AnyTerm),
                 std::string(R"("notice" OR "period")"));
        QCOMPARE(ftsQueryFromUserText("tenant OR landlord"),
                 std::string(R"("tenant" OR "landlord")"));
        QCOMPARE(ftsQueryFromUserText(R"("limitation of liability" licen*)"),
                 std::string(R"("limitation of liability" "licen"*)"));
        QCOMPARE(ftsQueryFromUserText("NEAR(a b) AND c:d NOT e ^f"),
                 std::string(R"("NEAR" "a" "b" "AND" "c" "d" "NOT" "e" "f")"));
        QCOMPARE(ftsQueryFromUserText("OR or OR"), std::string(R"("or")"));
        QCOMPARE(ftsQueryFromUserText("café — naïve"), std::string("\"café\" \"—\" \"naïve\""));
        QCOMPARE(ftsQueryFromUserText(""), std::string());
        QCOMPARE(ftsQueryFromUserText("  ...!!! \"\" ** () "), std::string());
    }

    void bm25RanksTheMostSpecificParagraphFirst() {
        SegmentSearch search(*c_);
        const auto hits = search.search("disclaimer of warranty", 10);
        QVERIFY(hits.size() >= 2);
        QCOMPARE(hits.front().documentId, gpl_);
        QVERIFY2(contains(segmentText(hits.front().segmentId), "15. Disclaimer of Warranty"),
                 segmentText(hits.front().segmentId).c_str());
        for (std::size_t i = 1; i < hits.size(); ++i)
            QVERIFY(hits[i - 1].rank >= hits[i].rank);
        for (const auto& h : hits) {
            const std::string text = segmentText(h.segmentId);
            QVERIFY2(contains(text, "disclaim") && contains(text, "warrant"), text.c_str());
        }

        const auto conveying = search.search("convey object code", 5);
        QVERIFY(!conveying.empty());
        const std::string top = segmentText(conveying.front().segmentId);
        QVERIFY2(contains(top, "convey") && contains(top, "object code"), top.c_str());
    }

    void snippetsHighlightTheMatches() {
        SegmentSearch search(*c_);
        const auto hits = search.search("warranty", 20);
        QVERIFY(hits.size() >= 5);
        for (const auto& h : hits) {
            const auto marked = highlighted(h.snippet);
            QVERIFY2(!marked.empty(), h.snippet.c_str());
            for (const auto& m : marked)
                QVERIFY2(contains(m, "warrant"), h.snippet.c_str());
        }
        SearchOptions options;
        options.highlightStart = "<b>";
        options.highlightEnd = "</b>";
        options.ellipsis = "...";
        options.snippetTokens = 6;
        const auto custom = search.search("liability", 3, std::nullopt, options);
        QVERIFY(!custom.empty());
        for (const auto& h : custom) {
            QVERIFY2(!highlighted(h.snippet, "<b>", "</b>").empty(), h.snippet.c_str());
            QVERIFY2(h.snippet.find("\u00ab") == std::string::npos, h.snippet.c_str());
        }
    }

    void phrasesPrefixesAndOr() {
        SegmentSearch search(*c_);
        const auto phrase = search.search("\"limitation of liability\"", 50);
        QVERIFY(!phrase.empty());
        for (const auto& h : phrase)
            QVERIFY(contains(segmentText(h.segmentId), "limitation of liability"));

        // Porter stemming and prefixes: licensee, licensed, licenses...
        const auto prefix = search.search("licens*", 200, gpl_);
        const auto exact = search.search("licensee", 200, gpl_);
        QVERIFY(prefix.size() > exact.size());

        const auto both = search.search("patent", 200);
        const auto either = search.search("patent OR trademark", 200);
        QVERIFY(either.size() > both.size());
        const auto all = search.search("patent trademark", 200);
        QVERIFY(all.size() <= both.size());
    }

    void aDocumentFilterAndALimit() {
        SegmentSearch search(*c_);
        const auto everywhere = search.search("warranty", 500);
        const auto gplOnly = search.search("warranty", 500, gpl_);
        const auto apacheOnly = search.search("warranty", 500, apache_);
        QVERIFY(!gplOnly.empty());
        QVERIFY(!apacheOnly.empty());
        QCOMPARE(gplOnly.size() + apacheOnly.size(), everywhere.size());
        for (const auto& h : gplOnly)
            QCOMPARE(h.documentId, gpl_);
        for (const auto& h : apacheOnly)
            QCOMPARE(h.documentId, apache_);
        QCOMPARE(search.search("warranty", 3).size(), std::size_t{3});
        QVERIFY(search.search("warranty", 0).empty());
        QVERIFY(search.search("xylophonequartz", 10).empty());
    }

    void anyUserInputIsSafe() {
        SegmentSearch search(*c_);
        const std::vector<std::string> hostile{"\"",
                                               "\"\"\"",
                                               "AND",
                                               "OR",
                                               "NOT",
                                               "NOT warranty",
                                               "warranty NOT",
                                               "NEAR(",
                                               "NEAR(a b, 3)",
                                               "a:b",
                                               "text:warranty",
                                               "*",
                                               "warr*anty",
                                               "(",
                                               ")",
                                               "((warranty",
                                               "^warranty",
                                               "+-",
                                               "'; DROP TABLE segments; --",
                                               "\\",
                                               "\x01\x02",
                                               "\xff\xfe invalid utf8 \xc3",
                                               "emoji 😀 warranty",
                                               "{text} : warranty",
                                               "warranty\"",
                                               std::string(5000, 'a'),
                                               "w a r r a n t y OR OR OR AND",
                                               "-warranty",
                                               "@#$%^&*"};
        for (const std::string& q : hostile) {
            for (MatchMode mode : {MatchMode::AllTerms, MatchMode::AnyTerm}) {
                SearchOptions options;
                options.mode = mode;
                try {
                    search.search(q, 10, std::nullopt, options);
                } catch (const std::exception& e) {
                    QFAIL(qPrintable(QString("query '%1' threw: %2")
                                         .arg(QString::fromUtf8(q.c_str()), e.what())));
                }
            }
        }
        // Random strings over an alphabet heavy in FTS5 syntax.
        const std::string alphabet = "\"*():^+-{}, ANDORNOTNEARwarnty\t\n'\\";
        std::mt19937 rng(1234);
        for (int i = 0; i < 3000; ++i) {
            std::string q;
            const int len = static_cast<int>(rng() % 24);
            for (int k = 0; k < len; ++k)
                q += alphabet[rng() % alphabet.size()];
            try {
                search.search(q, 5);
            } catch (const std::exception& e) {
                QFAIL(qPrintable(QString("query '%1' threw: %2").arg(q.c_str(), e.what())));
            }
        }
        QVERIFY(!search.search("warranty", 1).empty());
        ftsIntegrityCheck(*c_);
    }

    // The index cuts identifiers at '_'; a snippet marks the whole identifier where all of
    // its parts match, not «allow»_«nan».
    void identifiersAreMarkedWhole() {
        DocumentStore docs(*c_);
        const std::int64_t code = docs.addDocument({"/src/enc.py", "enc", "codebase", "enc", "{}"});
        NewSegment s;
        s.text = "def floatstr(o, allow_nan=True, _repr=repr):\n    if not allow_nan:\n"
                 "        raise ValueError(o)\n";
        s.filePath = "enc.py";
        s.lineStart = 1;
        s.lineEnd = 3;
        docs.appendSegments(code, std::span(&s, 1));
        SegmentSearch search(*c_);
        // A phrase is marked as a whole by FTS5 itself; separate words are marked each.
        for (const char* query : {"allow_nan", "allow nan", "nan OR allow"}) {
            const auto hits = search.search(query, 5, code);
            QCOMPARE(hits.size(), std::size_t{1});
            QCOMPARE(highlighted(hits[0].snippet),
                     (std::vector<std::string>{"allow_nan", "allow_nan"}));
        }
        // Only one part asked for: only that part is marked.
        QCOMPARE(highlighted(search.search("nan", 5, code).at(0).snippet),
                 (std::vector<std::string>{"nan", "nan"}));
        ftsIntegrityCheck(*c_);
    }
};

QTEST_GUILESS_MAIN(SearchTest)
#include "tst_storage_search.moc"
