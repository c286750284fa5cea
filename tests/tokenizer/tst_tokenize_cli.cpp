// `longview-cli tokenize`: ids as one JSON array, --add-special, --decode,
// stdin input, and one-line errors with exit status 1.

#include "support/Fixtures.h"
#include "support/ProcessRun.h"

#include <QtTest>

using lv::test::runCli;

namespace {

QString fixture(const QString& relative) {
    return QString::fromStdString(lv::test::fixturePath(relative));
}

} // namespace

class TokenizeCliTest : public QObject {
    Q_OBJECT
private slots:
    void encodesTextAsOneJsonArray() {
        LV_REQUIRE_FIXTURES();
        auto r = runCli({"tokenize", "--tokenizer", fixture("tokenizers/bpe_bytelevel.json"),
                         "--text", "Hello world"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QString("[40,545,332,1238,1411]\n"));
        // stdin when there is no --text; the golden ids of "a".
        r = runCli({"tokenize", "--tokenizer", fixture("tokenizers/spm_bpe.model")}, "a");
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QString("[264]\n"));
    }

    void addSpecialFollowsTokenizerConfig() {
        LV_REQUIRE_FIXTURES();
        const QString dir = fixture("models/llama_tiny");
        const auto raw = runCli({"tokenize", "--tokenizer", dir, "--text", "hello"});
        const auto full =
            runCli({"tokenize", "--tokenizer", dir, "--text", "hello", "--add-special"});
        QCOMPARE(raw.exitCode, 0);
        QCOMPARE(full.exitCode, 0);
        QVERIFY(!raw.out.startsWith("[1,"));
        QCOMPARE(full.out, "[1," + raw.out.mid(1)); // <s> is id 1 in the fixture models
    }

    void decodesIdLists() {
        LV_REQUIRE_FIXTURES();
        const QString tok = fixture("tokenizers/bpe_bytelevel.json");
        auto r = runCli(
            {"tokenize", "--tokenizer", tok, "--decode", "--text", "[40,545,332,1238,1411]"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QString("Hello world\n"));
        r = runCli({"tokenize", "--tokenizer", tok, "--decode"}, "0, 65");
        QCOMPARE(r.out, QString("a\n"));
        r = runCli({"tokenize", "--tokenizer", tok, "--decode", "--keep-special"}, "0,65");
        QCOMPARE(r.out, QString("<|endoftext|>a\n"));
    }

    void errorsAreOneLineWithStatusOne() {
        LV_REQUIRE_FIXTURES();
        auto r = runCli({"tokenize", "--tokenizer", "/no/such/tokenizer.json", "--text", "x"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("/no/such/tokenizer.json"));
        QCOMPARE(r.err.count('\n'), 1);
        r = runCli({"tokenize", "--tokenizer", fixture("tokenizers/bpe_bytelevel.json"), "--decode",
                    "--text", "[1, two]"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("'two' is not a token id"));
        r = runCli({"tokenize", "--text", "x"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("--tokenizer"));
    }
};

QTEST_GUILESS_MAIN(TokenizeCliTest)
#include "tst_tokenize_cli.moc"
