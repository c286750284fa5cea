// Every golden string gives exactly the reference ids and decoded text
// (sentencepiece 0.2.2 and HF tokenizers 0.23, fixtures/tokenizers/golden.json),
// and the checkpoint fixtures' tokenizer.model files load with their config.

#include "support/Fixtures.h"

#include "tokenizer/StreamDecoder.h"
#include "tokenizer/Tokenizer.h"
#include "tokenizer/Utf8.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>

namespace {

nlohmann::json readGolden() {
    std::ifstream in(lv::test::fixturePath("tokenizers/golden.json"));
    return nlohmann::json::parse(in);
}

QString show(const std::vector<int32_t>& ids) {
    QStringList parts;
    for (int32_t id : ids)
        parts << QString::number(id);
    return "[" + parts.join(",") + "]";
}

} // namespace

class TokenizerGoldenTest : public QObject {
    Q_OBJECT
private slots:
    void goldenIdsAndText_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("file");
        QTest::newRow("spm_unigram") << "spm_unigram"
                                     << "spm_unigram.model";
        QTest::newRow("spm_bpe") << "spm_bpe"
                                 << "spm_bpe.model";
        QTest::newRow("bpe_bytelevel") << "bpe_bytelevel"
                                       << "bpe_bytelevel.json";
    }

    void goldenIdsAndText() {
        LV_REQUIRE_FIXTURES();
        QFETCH(QString, name);
        QFETCH(QString, file);
        const auto golden = readGolden();
        const auto tokenizer = lv::loadTokenizer(lv::test::fixturePath("tokenizers/" + file));
        const auto& strings = golden["strings"];
        const auto& ids = golden[name.toStdString()];
        const auto& decoded = golden[name.toStdString() + "_decoded"];
        QCOMPARE(ids.size(), strings.size());
        for (std::size_t i = 0; i < strings.size(); ++i) {
            const std::string text = strings[i].get<std::string>();
            const auto expected = ids[i].get<std::vector<int32_t>>();
            const auto actual = tokenizer->encode(text, false);
            QVERIFY2(actual == expected,
                     qPrintable(QString("string %1 %2: got %3, want %4")
                                    .arg(i)
                                    .arg(QString::fromStdString(nlohmann::json(text).dump()))
                                    .arg(show(actual), show(expected))));
            QCOMPARE(QString::fromStdString(tokenizer->decode(expected)),
                     QString::fromStdString(decoded[i].get<std::string>()));
        }
    }

    // Streaming the golden ids one at a time gives the same text, and every
    // emitted piece is whole UTF-8 (the emoji are split over byte tokens).
    void streamDecoderMatchesDecode_data() { goldenIdsAndText_data(); }
    void streamDecoderMatchesDecode() {
        LV_REQUIRE_FIXTURES();
        QFETCH(QString, name);
        QFETCH(QString, file);
        const auto golden = readGolden();
        const auto tokenizer = lv::loadTokenizer(lv::test::fixturePath("tokenizers/" + file));
        for (const auto& entry : golden[name.toStdString()]) {
            const auto ids = entry.get<std::vector<int32_t>>();
            lv::StreamDecoder stream(*tokenizer);
            std::string streamed;
            for (int32_t id : ids) {
                const std::string piece = stream.push(id);
                QVERIFY2(lv::utf8::isValid(piece), "a streamed piece is not valid UTF-8");
                QVERIFY2(piece.find("\xEF\xBF\xBD") == std::string::npos,
                         "a streamed piece shows a broken character");
                streamed += piece;
            }
            streamed += stream.finish();
            QCOMPARE(QString::fromStdString(streamed),
                     QString::fromStdString(tokenizer->decode(ids)));
        }
    }

    void checkpointTokenizerModelsLoad() {
        LV_REQUIRE_FIXTURES();
        QDir models(lv::test::fixturesDir() + "/models");
        int loaded = 0;
        for (const QString& dir : models.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            if (!QFile::exists(models.filePath(dir + "/tokenizer.model"))) continue;
            const auto tokenizer = lv::loadTokenizer(models.filePath(dir).toStdString());
            QCOMPARE(tokenizer->kind(), lv::TokenizerKind::SentencePiece);
            QCOMPARE(tokenizer->vocabSize(), 512);
            // tokenizer_config.json: bos <s>, eos </s>, add_bos_token true.
            QCOMPARE(QString::fromStdString(tokenizer->tokenToPiece(tokenizer->bosId())),
                     QString("<s>"));
            QCOMPARE(QString::fromStdString(tokenizer->tokenToPiece(tokenizer->eosId())),
                     QString("</s>"));
            const auto raw = tokenizer->encode("def main():\n    return 0", false);
            const auto withSpecial = tokenizer->encode("def main():\n    return 0", true);
            QCOMPARE(withSpecial.size(), raw.size() + 1);
            QCOMPARE(withSpecial.front(), tokenizer->bosId());
            QVERIFY(std::equal(raw.begin(), raw.end(), withSpecial.begin() + 1));
            QCOMPARE(QString::fromStdString(tokenizer->decode(withSpecial)),
                     QString("def main(): return 0"));
            ++loaded;
        }
        QVERIFY2(loaded >= 9, "expected the nine checkpoint fixtures with a tokenizer.model");
    }

    // Special tokens written in the text become their ids, for both kinds.
    void specialTokensInTextAreMatchedWhole() {
        LV_REQUIRE_FIXTURES();
        const auto bpe = lv::loadTokenizer(lv::test::fixturePath("tokenizers/bpe_bytelevel.json"));
        const auto ids = bpe->encode("a<|endoftext|>b");
        QCOMPARE(ids, (std::vector<int32_t>{65, 0, 66}));
        QVERIFY(bpe->isSpecial(0));
        QCOMPARE(bpe->specialIds(), std::vector<int32_t>{0});
        QCOMPARE(QString::fromStdString(bpe->decode(ids, false)), QString("a<|endoftext|>b"));
        QCOMPARE(QString::fromStdString(bpe->decode(ids, true)), QString("ab"));

        const auto spm = lv::loadTokenizer(lv::test::fixturePath("models/llama_tiny"));
        const auto s = spm->encode("<s>hello</s>");
        QCOMPARE(s.front(), spm->bosId());
        QCOMPARE(s.back(), spm->eosId());
        QCOMPARE(QString::fromStdString(spm->decode(s)), QString("hello"));
    }
};

QTEST_GUILESS_MAIN(TokenizerGoldenTest)
#include "tst_tokenizer_golden.moc"
