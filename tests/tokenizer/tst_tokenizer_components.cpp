// The tokenizer.json components on small hand-built files: merges in both
// forms and their ranks, ignore_merges, byte fallback and unknown tokens,
// added tokens (special, lstrip/rstrip, single_word, normalized), Split
// behaviours, Digits, Metaspace, ByteLevel, normalizers, post-processor and
// decoders; plus UTF-8 repair and exact chunked sentencepiece encoding.

#include "support/Fixtures.h"

#include "tokenizer/HfTokenizer.h"
#include "tokenizer/Regex.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "tokenizer/Utf8.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>
#include <sstream>

using nlohmann::json;

namespace {

const std::string kMeta = "\xE2\x96\x81"; // ▁

// A tokenizer.json with a BPE model over `vocab` (ids in order) and nothing else.
json tokenizerJson(const std::vector<std::string>& vocab, json merges = json::array()) {
    json v = json::object();
    for (std::size_t i = 0; i < vocab.size(); ++i)
        v[vocab[i]] = i;
    return {{"version", "1.0"},
            {"added_tokens", json::array()},
            {"normalizer", nullptr},
            {"pre_tokenizer", nullptr},
            {"post_processor", nullptr},
            {"decoder", nullptr},
            {"model", {{"type", "BPE"}, {"vocab", v}, {"merges", merges}}}};
}

std::unique_ptr<lv::HfTokenizer> make(const json& j) {
    return lv::HfTokenizer::fromJsonText(j.dump(), "hand-built tokenizer.json");
}

// Tokens of an encoding as their vocabulary strings, for readable comparisons.
QStringList pieces(const lv::Tokenizer& t, const std::vector<int32_t>& ids) {
    QStringList out;
    for (int32_t id : ids)
        out << QString::fromStdString(t.tokenToPiece(id));
    return out;
}

QStringList encodePieces(const lv::Tokenizer& t, const std::string& text) {
    return pieces(t, t.encode(text));
}

json addedToken(int id, const std::string& content, bool special = true) {
    return {{"id", id},        {"content", content},     {"single_word", false}, {"lstrip", false},
            {"rstrip", false}, {"normalized", !special}, {"special", special}};
}

} // namespace

class TokenizerComponentsTest : public QObject {
    Q_OBJECT
private slots:
    void mergesInBothFormsAndRankOrder() {
        const std::vector<std::string> vocab = {"a", "b", "c", "ab", "abc", "bc"};
        const auto strings = make(tokenizerJson(vocab, {"a b", "ab c"}));
        const auto pairs = make(tokenizerJson(vocab, json::array({{"a", "b"}, {"ab", "c"}})));
        QCOMPARE(encodePieces(*strings, "abc"), QStringList{"abc"});
        QCOMPARE(encodePieces(*pairs, "abc"), QStringList{"abc"});
        // The lower rank merges first: b+c wins, and a+bc is no merge.
        const auto ranked = make(tokenizerJson(vocab, {"b c", "a b", "ab c"}));
        QCOMPARE(encodePieces(*ranked, "abc"), (QStringList{"a", "bc"}));
        // Equal pairs merge leftmost first.
        const auto left = make(tokenizerJson({"a", "aa"}, {"a a"}));
        QCOMPARE(encodePieces(*left, "aaa"), (QStringList{"aa", "a"}));
    }

    void longWordsMergeLikeShortOnes() {
        // More than 64 symbols takes the priority-queue path.
        const auto t = make(tokenizerJson({"a", "b", "ab", "abab"}, {"a b", "ab ab"}));
        std::string word;
        for (int k = 0; k < 101; ++k)
            word += "ab";
        QStringList expected;
        for (int k = 0; k < 50; ++k)
            expected << "abab";
        expected << "ab";
        QCOMPARE(encodePieces(*t, word), expected);
    }

    void ignoreMerges() {
        auto j = tokenizerJson({"a", "b", "c", "ab", "abc"}, {"a b"});
        QCOMPARE(encodePieces(*make(j), "abc"), (QStringList{"ab", "c"}));
        j["model"]["ignore_merges"] = true;
        QCOMPARE(encodePieces(*make(j), "abc"), QStringList{"abc"});
        QCOMPARE(encodePieces(*make(j), "abab"), (QStringList{"ab", "ab"}));
    }

    void byteFallbackAndUnknown() {
        auto j = tokenizerJson({"<unk>", "a", "<0xC3>", "<0xA9>"});
        j["model"]["byte_fallback"] = true;
        j["decoder"] = {{"type", "Sequence"},
                        {"decoders", {{{"type", "ByteFallback"}}, {{"type", "Fuse"}}}}};
        auto t = make(j);
        const auto ids = t->encode("a\xC3\xA9");
        QCOMPARE(pieces(*t, ids), (QStringList{"a", "<0xC3>", "<0xA9>"}));
        QCOMPARE(t->decode(ids), std::string("a\xC3\xA9"));
        // A byte sequence that is not UTF-8 decodes to one U+FFFD per byte.
        QCOMPARE(t->decode(std::vector<int32_t>{ids[1], ids[1]}),
                 std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));

        j["model"]["byte_fallback"] = false;
        j["model"]["unk_token"] = "<unk>";
        QCOMPARE(encodePieces(*make(j), "a\xC3\xA9\xC3\xA9"), (QStringList{"a", "<unk>", "<unk>"}));
        j["model"]["fuse_unk"] = true;
        QCOMPARE(encodePieces(*make(j), "a\xC3\xA9\xC3\xA9"), (QStringList{"a", "<unk>"}));
        // Without an unknown token an unknown character is dropped.
        j["model"].erase("unk_token");
        QCOMPARE(encodePieces(*make(j), "a\xC3\xA9"), QStringList{"a"});
    }

    void specialTokensAreMatchedWholeBeforeEverythingElse() {
        auto j = tokenizerJson({"x", "y", "<", "|", "s", ">", "<|s|>"});
        j["added_tokens"] = {addedToken(6, "<|s|>"), addedToken(7, "<|s|><|s|>")};
        auto t = make(j);
        QCOMPARE(encodePieces(*t, "x<|s|>y"), (QStringList{"x", "<|s|>", "y"}));
        // The longest token starting at a position wins.
        QCOMPARE(encodePieces(*t, "<|s|><|s|>x"), (QStringList{"<|s|><|s|>", "x"}));
        QVERIFY(t->isSpecial(6));
        QCOMPARE(t->vocabSize(), 8);
        QCOMPARE(t->decode(t->encode("x<|s|>y"), true), std::string("x y"));
        QCOMPARE(t->decode(t->encode("x<|s|>y"), false), std::string("x <|s|> y"));
    }

    void addedTokenStripAndSingleWord() {
        auto j = tokenizerJson({"a", "b", "c", " ", "<m>", "ab"});
        json mask = addedToken(4, "<m>");
        mask["lstrip"] = true;
        j["added_tokens"] = {mask};
        QCOMPARE(encodePieces(*make(j), "a <m> b"), (QStringList{"a", "<m>", " ", "b"}));
        mask["lstrip"] = false;
        mask["rstrip"] = true;
        j["added_tokens"] = {mask};
        QCOMPARE(encodePieces(*make(j), "a <m> b"), (QStringList{"a", " ", "<m>", "b"}));

        json word = addedToken(5, "ab", false);
        word["single_word"] = true;
        j["added_tokens"] = {word};
        // Matched alone, not inside "cab" where a word character precedes it.
        QCOMPARE(encodePieces(*make(j), "ab cab"), (QStringList{"ab", " ", "c", "a", "b"}));
    }

    void normalizedAddedTokensMatchNormalizedText() {
        auto j = tokenizerJson({"h", "e", "l", "o", "hello"});
        json token = addedToken(4, "HELLO", false);
        token["normalized"] = true;
        j["added_tokens"] = {token};
        j["normalizer"] = {{"type", "Lowercase"}};
        QCOMPARE(make(j)->encode("HeLLo"), std::vector<int32_t>{4});
        QCOMPARE(encodePieces(*make(j), "hel"), (QStringList{"h", "e", "l"}));
    }

    void splitBehaviours_data() {
        QTest::addColumn<QString>("behavior");
        QTest::addColumn<bool>("invert");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("Removed") << "Removed" << false << QStringList{"a", "b", "c"};
        QTest::newRow("Isolated") << "Isolated" << false
                                  << QStringList{"a", "-", "b", "-", "-", "c"};
        QTest::newRow("MergedWithPrevious")
            << "MergedWithPrevious" << false << QStringList{"a-", "b-", "-", "c"};
        QTest::newRow("MergedWithNext")
            << "MergedWithNext" << false << QStringList{"a", "-b", "-", "-c"};
        QTest::newRow("Contiguous")
            << "Contiguous" << false << QStringList{"a", "-", "b", "--", "c"};
        // Each "-" is its own match, so inverted they are three kept runs.
        QTest::newRow("Removed inverted") << "Removed" << true << QStringList{"-", "-", "-"};
    }
    void splitBehaviours() {
        QFETCH(QString, behavior);
        QFETCH(bool, invert);
        QFETCH(QStringList, expected);
        auto j = tokenizerJson({"a", "b", "c", "-", "a-", "b-", "-b", "-c", "--"});
        j["model"]["ignore_merges"] = true;
        j["pre_tokenizer"] = {{"type", "Split"},
                              {"pattern", {{"Regex", "-"}}},
                              {"behavior", behavior.toStdString()},
                              {"invert", invert}};
        QCOMPARE(encodePieces(*make(j), "a-b--c"), expected);
        // A String pattern is literal text, not a regex.
        j["pre_tokenizer"]["pattern"] = {{"String", "-"}};
        QCOMPARE(encodePieces(*make(j), "a-b--c"), expected);
    }

    void digits() {
        auto j = tokenizerJson({"a", "1", "2", "3", "12"}, {"1 2"});
        j["pre_tokenizer"] = {
            {"type", "Sequence"},
            {"pretokenizers", {{{"type", "Digits"}, {"individual_digits", true}}}}};
        QCOMPARE(encodePieces(*make(j), "a123"), (QStringList{"a", "1", "2", "3"}));
        j["pre_tokenizer"]["pretokenizers"][0]["individual_digits"] = false;
        QCOMPARE(encodePieces(*make(j), "a123"), (QStringList{"a", "12", "3"}));
    }

    void metaspace() {
        auto vocab =
            std::vector<std::string>{"<s>", kMeta + "hi", kMeta + "there", "hi", "there", kMeta};
        auto j = tokenizerJson(vocab);
        j["model"]["ignore_merges"] = true;
        j["added_tokens"] = {addedToken(0, "<s>")};
        j["pre_tokenizer"] = {{"type", "Metaspace"},
                              {"replacement", kMeta},
                              {"prepend_scheme", "always"},
                              {"split", true}};
        j["decoder"] = {
            {"type", "Metaspace"}, {"replacement", kMeta}, {"prepend_scheme", "always"}};
        auto t = make(j);
        const auto ids = t->encode("hi there");
        QCOMPARE(pieces(*t, ids), (QStringList{QString::fromStdString(kMeta + "hi"),
                                               QString::fromStdString(kMeta + "there")}));
        QCOMPARE(t->decode(ids), std::string("hi there"));
        QCOMPARE(encodePieces(*t, "<s>hi"),
                 (QStringList{"<s>", QString::fromStdString(kMeta + "hi")}));

        // "first": only text at the very start of the input gets the prefix.
        j["pre_tokenizer"]["prepend_scheme"] = "first";
        QCOMPARE(encodePieces(*make(j), "<s>hi"), (QStringList{"<s>", "hi"}));
        QCOMPARE(encodePieces(*make(j), "hi"), QStringList{QString::fromStdString(kMeta + "hi")});
        // "never", and split off: one piece.
        j["pre_tokenizer"]["prepend_scheme"] = "never";
        QCOMPARE(encodePieces(*make(j), "hi there"),
                 (QStringList{"hi", QString::fromStdString(kMeta + "there")}));
        j["pre_tokenizer"]["split"] = false;
        j["model"]["vocab"][kMeta + "hi" + kMeta + "there"] = 6;
        j["model"]["vocab"]["hi" + kMeta + "there"] = 7;
        QCOMPARE(encodePieces(*make(j), "hi there"),
                 QStringList{QString::fromStdString("hi" + kMeta + "there")});
    }

    void byteLevelWithPrefixSpaceAndRegex() {
        auto j = tokenizerJson({"\xC4\xA0hi", "\xC4\xA0there", "!"}); // Ġhi Ġthere !
        j["model"]["ignore_merges"] = true;
        j["pre_tokenizer"] = {
            {"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
        j["decoder"] = {{"type", "ByteLevel"}};
        auto t = make(j);
        const auto ids = t->encode("hi there!");
        QCOMPARE(pieces(*t, ids), (QStringList{"\xC4\xA0hi", "\xC4\xA0there", "!"}));
        QCOMPARE(t->decode(ids), std::string(" hi there!"));
    }

    void llama2StyleNormalizerAndDecoder() {
        const std::vector<std::string> vocab = {
            kMeta,          "h",          "i",         "t",          "e",           "r",
            kMeta + "h",    kMeta + "hi", kMeta + "t", kMeta + "th", kMeta + "the", kMeta + "ther",
            kMeta + "there"};
        json merges = json::array();
        for (auto m : {kMeta + " h", kMeta + "h i", kMeta + " t", kMeta + "t h", kMeta + "th e",
                       kMeta + "the r", kMeta + "ther e"})
            merges.push_back(m);
        auto j = tokenizerJson(vocab, merges);
        j["normalizer"] = {
            {"type", "Sequence"},
            {"normalizers",
             {{{"type", "Prepend"}, {"prepend", kMeta}},
              {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kMeta}}}}};
        j["decoder"] = {{"type", "Sequence"},
                        {"decoders",
                         {{{"type", "Replace"}, {"pattern", {{"String", kMeta}}}, {"content", " "}},
                          {{"type", "ByteFallback"}},
                          {{"type", "Fuse"}},
                          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
        auto t = make(j);
        const auto ids = t->encode("hi there");
        QCOMPARE(pieces(*t, ids), (QStringList{QString::fromStdString(kMeta + "hi"),
                                               QString::fromStdString(kMeta + "there")}));
        QCOMPARE(t->decode(ids), std::string("hi there"));
        QVERIFY(t->encode("").empty()); // Prepend leaves empty text empty
    }

    void nfcAndStripNormalizers() {
        const std::string composed = "\xC3\xA9";    // é
        const std::string decomposed = "e\xCC\x81"; // e + combining acute
        auto j = tokenizerJson({"e", "\xCC\x81", composed, " "});
        QCOMPARE(encodePieces(*make(j), decomposed), (QStringList{"e", "\xCC\x81"}));
        j["normalizer"] = {{"type", "NFC"}};
        QCOMPARE(encodePieces(*make(j), decomposed), QStringList{QString::fromStdString(composed)});
        j["normalizer"] = {{"type", "Sequence"},
                           {"normalizers",
                            {{{"type", "NFD"}},
                             {{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}}}};
        QCOMPARE(encodePieces(*make(j), "  " + composed + " "), (QStringList{"e", "\xCC\x81"}));
    }

    void templatePostProcessorAddsBosAndEos() {
        auto j = tokenizerJson({"<s>", "</s>", "a"});
        j["added_tokens"] = {addedToken(0, "<s>"), addedToken(1, "</s>")};
        j["post_processor"] = {{"type", "TemplateProcessing"},
                               {"single",
                                {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                 {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                 {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
                               {"pair", json::array()},
                               {"special_tokens",
                                {{"<s>", {{"id", "<s>"}, {"ids", {0}}, {"tokens", {"<s>"}}}},
                                 {"</s>", {{"id", "</s>"}, {"ids", {1}}, {"tokens", {"</s>"}}}}}}};
        auto t = make(j);
        QCOMPARE(t->encode("aa", false), (std::vector<int32_t>{2, 2}));
        QCOMPARE(t->encode("aa", true), (std::vector<int32_t>{0, 2, 2, 1}));
        QCOMPARE(t->bosId(), 0);
        QCOMPARE(t->eosId(), 1);
    }

    void withoutDecoderTokensJoinWithSpaces() {
        auto t = make(tokenizerJson({"a", "b"}));
        QCOMPARE(t->decode(std::vector<int32_t>{0, 1, 0}), std::string("a b a"));
        // Ids outside the vocabulary are skipped.
        QCOMPARE(t->decode(std::vector<int32_t>{0, 99, -1, 1}), std::string("a b"));
    }

    // tokenizer.json patterns follow Oniguruma: \s takes U+0085, \h is a hex
    // digit, ^ and $ anchor at lines.
    void onigurumaPatternSemantics() {
        auto first = [](const char* pattern, std::string_view text) {
            lv::Regex re(pattern, lv::Regex::Syntax::Pattern, "test");
            std::size_t b = 0, e = 0;
            return re.find(text, 0, b, e) ? std::string(text.substr(b, e - b)) : std::string("-");
        };
        QCOMPARE(first(R"(\s+)", "a\xC2\x85 b"), std::string("\xC2\x85 "));
        QCOMPARE(first(R"([^\s\p{L}]+)", "a\xC2\x85!b"), std::string("!"));
        QCOMPARE(first(R"(\S+)", "\xC2\x85"
                                 "ab"),
                 std::string("ab"));
        QCOMPARE(first(R"(\h+)", "xyz 0fA9 "), std::string("0fA9"));
        QCOMPARE(first(R"(^b)", "a\nb"), std::string("b"));
        QCOMPARE(first(R"(a$)", "a\nb"), std::string("a"));
        // A literal pattern takes regex syntax characters as text.
        lv::Regex literal("a.b", lv::Regex::Syntax::Literal, "test");
        std::size_t b = 0, e = 0;
        QVERIFY(!literal.find("axb", 0, b, e));
        QVERIFY(literal.find("xa.b", 0, b, e) && b == 1 && e == 4);
    }

    void utf8RepairReplacesMaximalSubparts() {
        using lv::utf8::repair;
        const std::string fffd = "\xEF\xBF\xBD";
        QCOMPARE(repair("a\xFF"
                        "b"),
                 "a" + fffd + "b");
        // A truncated 3-byte sequence is one replacement, not two.
        QCOMPARE(repair("a\xE2\x82"
                        "b"),
                 "a" + fffd + "b");
        // Surrogates and overlongs are invalid byte by byte.
        QCOMPARE(repair("\xED\xA0\x80"), fffd + fffd + fffd);
        QCOMPARE(repair("\xC0\xAF"), fffd + fffd);
        QVERIFY(lv::utf8::isValid("\xF0\x9F\x98\x80"));
        QVERIFY(!lv::utf8::isValid("ab\xF0\x9F\x98"));
    }

    void utf8PrefixEndsOnACharacter() {
        using lv::utf8::prefix;
        const std::string s = "K\xC3\xBCndigung \xF0\x9F\x98\x80!"; // Kündigung 😀!
        QCOMPARE(std::string(prefix(s, 100)), s);
        QCOMPARE(std::string(prefix(s, 1)), std::string("K"));
        QCOMPARE(std::string(prefix(s, 2)), std::string("K")); // not half of ü
        QCOMPARE(std::string(prefix(s, 3)), std::string("K\xC3\xBC"));
        QCOMPARE(std::string(prefix(s, 13)), std::string("K\xC3\xBCndigung "));
        QCOMPARE(std::string(prefix(s, 14)), std::string("K\xC3\xBCndigung "));
        QCOMPARE(std::string(prefix(s, 15)), std::string("K\xC3\xBCndigung \xF0\x9F\x98\x80"));
        QCOMPARE(std::string(prefix(s, 0)), std::string());
    }

    // Chunked sentencepiece BPE encoding gives the ids of one call, on prose
    // and on code; unigram models chunk only beyond 4 MiB (see setChunkBytes).
    void sentencePieceChunkingIsExact() {
        LV_REQUIRE_FIXTURES();
        std::string text;
        for (const char* file : {"/usr/share/common-licenses/GPL-3", "/usr/include/stdio.h",
                                 "/usr/include/stdlib.h"}) {
            std::ifstream in(file);
            std::ostringstream s;
            s << in.rdbuf();
            text += s.str();
        }
        QVERIFY(text.size() > 30000);
        auto whole =
            lv::SentencePieceTokenizer::fromFile(lv::test::fixturePath("tokenizers/spm_bpe.model"));
        auto chunked =
            lv::SentencePieceTokenizer::fromFile(lv::test::fixturePath("tokenizers/spm_bpe.model"));
        QVERIFY(chunked->canChunk());
        QCOMPARE(chunked->chunkBytes(), std::size_t(16 * 1024));
        whole->setChunkBytes(0);
        for (std::size_t bytes : {997, 4096}) {
            chunked->setChunkBytes(bytes);
            QCOMPARE(chunked->encode(text), whole->encode(text));
        }
        auto unigram = lv::SentencePieceTokenizer::fromFile(
            lv::test::fixturePath("tokenizers/spm_unigram.model"));
        QCOMPARE(unigram->chunkBytes(), std::size_t(4 * 1024 * 1024));
    }
};

QTEST_GUILESS_MAIN(TokenizerComponentsTest)
#include "tst_tokenizer_components.moc"
