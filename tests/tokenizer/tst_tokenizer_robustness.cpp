// Unusable input gives a clear result or a TokenizerError naming the file,
// never a crash: invalid UTF-8, empty text, a 50 MB single line, truncated
// or wrong tokenizer files, missing files and malformed configs.

#include "support/Fixtures.h"

#include "tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>
#include <thread>

namespace {

const char* const kTokenizers[] = {"tokenizers/spm_unigram.model", "tokenizers/spm_bpe.model",
                                   "tokenizers/bpe_bytelevel.json"};

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeAll(const QString& path, const std::string& bytes) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << bytes;
}

// The message of the TokenizerError that loading `path` throws ("" if none).
QString loadError(const QString& path) {
    try {
        lv::loadTokenizer(path.toStdString());
    } catch (const lv::TokenizerError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TokenizerRobustnessTest : public QObject {
    Q_OBJECT
private slots:
    void invalidUtf8IsReplacedNotFatal_data() {
        QTest::addColumn<QString>("file");
        for (const char* f : kTokenizers)
            QTest::newRow(f) << f;
    }
    void invalidUtf8IsReplacedNotFatal() {
        LV_REQUIRE_FIXTURES();
        QFETCH(QString, file);
        const auto t = lv::loadTokenizer(lv::test::fixturePath(file));
        // A stray byte, a truncated sequence, a surrogate, an overlong form.
        const std::string bad = "ab\xFF"
                                "cd\xE2\x82 e\xED\xA0\x80 f\xC0\xAF";
        const std::string fffd = "\xEF\xBF\xBD";
        const std::string repaired =
            "ab" + fffd + "cd" + fffd + " e" + fffd + fffd + fffd + " f" + fffd + fffd;
        const auto ids = t->encode(bad);
        QVERIFY(!ids.empty());
        QCOMPARE(ids, t->encode(repaired));
        const std::string text = t->decode(ids);
        QVERIFY(text.find("cd") != std::string::npos);
        // Byte-level BPE keeps U+FFFD; sentencepiece's nmt_nfkc normalization
        // turns it into a space, as the reference library does.
        if (t->kind() == lv::TokenizerKind::HuggingFaceBpe) QCOMPARE(text, repaired);
    }

    void emptyText_data() { invalidUtf8IsReplacedNotFatal_data(); }
    void emptyText() {
        LV_REQUIRE_FIXTURES();
        QFETCH(QString, file);
        const auto t = lv::loadTokenizer(lv::test::fixturePath(file));
        QVERIFY(t->encode("").empty());
        std::vector<int32_t> specials = t->specialPrefix();
        specials.insert(specials.end(), t->specialSuffix().begin(), t->specialSuffix().end());
        QCOMPARE(t->encode("", true), specials);
        QCOMPARE(t->decode(std::vector<int32_t>{}), std::string());
    }

    // One 50 MB line without a newline: byte-level BPE must give back the
    // text exactly; sentencepiece encodes it in bounded chunks.
    void fiftyMegabyteSingleLine() {
        LV_REQUIRE_FIXTURES();
        const std::string sentence =
            "The quick brown fox jumps over the lazy dog; 12 + 7 = 19, said Zo\xC3\xAB. ";
        std::string line;
        line.reserve(50'000'100);
        while (line.size() < 50'000'000)
            line += sentence;
        line.pop_back();

        const auto bpe = lv::loadTokenizer(lv::test::fixturePath("tokenizers/bpe_bytelevel.json"));
        const auto ids = bpe->encode(line);
        QVERIFY(ids.size() > line.size() / 10 && ids.size() < line.size());
        QVERIFY(bpe->decode(ids) == line);

        const auto spm = lv::loadTokenizer(lv::test::fixturePath("tokenizers/spm_unigram.model"));
        const auto spmIds = spm->encode(line);
        QVERIFY(spmIds.size() > line.size() / 10 && spmIds.size() < line.size());
        // The sentence repeats, so its ids do: the first 2000 decode to a prefix.
        const std::string head = spm->decode(std::span<const int32_t>(spmIds.data(), 2000));
        QVERIFY(head.size() > 1000);
        QVERIFY(line.compare(0, head.size(), head) == 0);
    }

    // A 2 MB word with no break is one pre-token: merging it must stay
    // O(n log n) (the priority-queue path), and round-trip exactly.
    void hugeSingleWord() {
        LV_REQUIRE_FIXTURES();
        std::string word;
        while (word.size() < 2'000'000)
            word += "thequickbrownfox";
        const auto bpe = lv::loadTokenizer(lv::test::fixturePath("tokenizers/bpe_bytelevel.json"));
        const auto ids = bpe->encode(word);
        QVERIFY(ids.size() < word.size());
        QVERIFY(bpe->decode(ids) == word);
    }

    void malformedTokenizerJson_data() {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("expected");
        QTest::newRow("truncated") << "truncated"
                                   << "not valid JSON";
        QTest::newRow("wrong model type") << "wordpiece"
                                          << "model type 'WordPiece' is not supported";
        QTest::newRow("missing merges") << "no-merges"
                                        << "missing field 'merges'";
        QTest::newRow("missing vocab") << "no-vocab"
                                       << "missing field 'vocab'";
        QTest::newRow("merge of unknown token") << "bad-merge"
                                                << "merges[0] uses 'zzz'";
        QTest::newRow("malformed merge") << "three-part-merge"
                                         << "merges[0] 'a b c'";
        QTest::newRow("unknown pre-tokenizer") << "bad-pretokenizer"
                                               << "pre_tokenizer type 'Frobnicate'";
        QTest::newRow("bad regex") << "bad-regex"
                                   << "invalid regex";
        QTest::newRow("not an object") << "array"
                                       << "expected a tokenizer.json object";
        QTest::newRow("empty file") << "empty"
                                    << "not valid JSON";
    }
    void malformedTokenizerJson() {
        LV_REQUIRE_FIXTURES();
        QFETCH(QString, edit);
        QFETCH(QString, expected);
        const std::string original =
            readAll(lv::test::fixturePath("tokenizers/bpe_bytelevel.json"));
        auto j = nlohmann::json::parse(original);
        std::string bytes;
        if (edit == "truncated")
            bytes = original.substr(0, original.size() / 2);
        else if (edit == "empty")
            bytes = "";
        else if (edit == "array")
            bytes = "[1, 2, 3]";
        else {
            if (edit == "wordpiece") j["model"]["type"] = "WordPiece";
            if (edit == "no-merges") j["model"].erase("merges");
            if (edit == "no-vocab") j["model"].erase("vocab");
            if (edit == "bad-merge") j["model"]["merges"][0] = "zzz qqq";
            if (edit == "three-part-merge") j["model"]["merges"][0] = "a b c";
            if (edit == "bad-pretokenizer") j["pre_tokenizer"] = {{"type", "Frobnicate"}};
            if (edit == "bad-regex")
                j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(a";
            bytes = j.dump();
        }
        QTemporaryDir dir;
        const QString path = dir.filePath("tokenizer.json");
        writeAll(path, bytes);
        const QString error = loadError(path);
        QVERIFY2(error.contains(expected), qPrintable("message: " + error));
        QVERIFY2(error.contains(path), qPrintable("the message should name the file: " + error));
        // The checkpoint directory form reports the same file.
        QVERIFY(loadError(dir.path()).contains(expected));
    }

    void malformedSentencePieceModel_data() {
        QTest::addColumn<QString>("edit");
        QTest::newRow("truncated") << "truncated";
        QTest::newRow("text") << "text";
        QTest::newRow("empty") << "empty";
    }
    void malformedSentencePieceModel() {
        LV_REQUIRE_FIXTURES();
        QFETCH(QString, edit);
        const std::string model = readAll(lv::test::fixturePath("tokenizers/spm_unigram.model"));
        std::string bytes;
        if (edit == "truncated")
            bytes = model.substr(0, model.size() / 3);
        else if (edit == "text")
            bytes = "this is not a model\n";
        QTemporaryDir dir;
        const QString path = dir.filePath("tokenizer.model");
        writeAll(path, bytes);
        const QString error = loadError(path);
        QVERIFY2(error.contains(path) &&
                     (error.contains("sentencepiece") || error.contains("no pieces")),
                 qPrintable("message: " + error));
    }

    // One tokenizer shared by several threads gives each the ids of a lone call.
    void concurrentEncodesAgree_data() { invalidUtf8IsReplacedNotFatal_data(); }
    void concurrentEncodesAgree() {
        LV_REQUIRE_FIXTURES();
        QFETCH(QString, file);
        const auto t = lv::loadTokenizer(lv::test::fixturePath(file));
        std::vector<std::string> texts;
        for (int k = 0; k < 4; ++k)
            texts.push_back(readAll("/usr/share/common-licenses/GPL-3").substr(k * 3000, 20000));
        std::vector<std::vector<int32_t>> expected;
        for (const auto& text : texts)
            expected.push_back(t->encode(text));
        std::vector<int> mismatches(texts.size(), 0);
        std::vector<std::thread> threads;
        for (std::size_t k = 0; k < texts.size(); ++k)
            threads.emplace_back([&, k] {
                for (int round = 0; round < 5; ++round) {
                    if (t->encode(texts[k]) != expected[k]) ++mismatches[k];
                    if (t->decode(expected[k]).empty()) ++mismatches[k];
                }
            });
        for (auto& th : threads)
            th.join();
        for (int m : mismatches)
            QCOMPARE(m, 0);
    }

    void missingFilesAndDirectories() {
        QTemporaryDir dir;
        QVERIFY(loadError(dir.filePath("nope.json")).contains("no such file or directory"));
        QVERIFY(loadError(dir.path()).contains("no tokenizer.json or tokenizer.model"));
    }

    void malformedTokenizerConfig() {
        LV_REQUIRE_FIXTURES();
        QTemporaryDir dir;
        writeAll(dir.filePath("tokenizer.model"),
                 readAll(lv::test::fixturePath("tokenizers/spm_unigram.model")));
        writeAll(dir.filePath("tokenizer_config.json"), "{\"add_bos_token\": ");
        QString error = loadError(dir.path());
        QVERIFY2(error.contains("tokenizer_config.json") && error.contains("not valid JSON"),
                 qPrintable(error));
        writeAll(dir.filePath("tokenizer_config.json"), R"({"add_bos_token": "yes"})");
        error = loadError(dir.path());
        QVERIFY2(error.contains("add_bos_token"), qPrintable(error));
        writeAll(dir.filePath("tokenizer_config.json"),
                 R"({"added_tokens_decoder": {"1": {"content": "<s>", "special": "yes"}}})");
        error = loadError(dir.path());
        QVERIFY2(error.contains("unexpected content"), qPrintable(error));
        writeAll(dir.filePath("tokenizer_config.json"), R"({"bos_token": "<no-such-token>"})");
        error = loadError(dir.path());
        QVERIFY2(error.contains("bos_token '<no-such-token>'"), qPrintable(error));
        // A valid config: BOS added only on request, EOS too when it says so.
        writeAll(
            dir.filePath("tokenizer_config.json"),
            R"({"add_bos_token": true, "add_eos_token": true, "bos_token": "<s>", "eos_token": "</s>"})");
        const auto t = lv::loadTokenizer(dir.path().toStdString());
        const auto raw = t->encode("hello");
        const auto full = t->encode("hello", true);
        QCOMPARE(full.size(), raw.size() + 2);
        QCOMPARE(full.front(), t->bosId());
        QCOMPARE(full.back(), t->eosId());
    }
};

QTEST_GUILESS_MAIN(TokenizerRobustnessTest)
#include "tst_tokenizer_robustness.moc"
