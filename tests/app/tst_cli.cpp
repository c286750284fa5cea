// The command-line contract: dispatch, help, version, exit codes.

#include "cli/CommandLine.h"
#include "cli/HumanOutput.h"
#include "support/Fixtures.h"
#include "support/ProcessRun.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace lv::cli;

using lv::test::ProcessRun;
using lv::test::runCli;

class CliTest : public QObject {
    Q_OBJECT

    QTemporaryDir tmp;

    // longview-cli with its default library under the test's folder, never the user's.
    ProcessRun cli(const QStringList& args) {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", tmp.filePath("xdg"));
        env.remove("LONGVIEW_DB");
        return lv::test::runProcess(QStringLiteral(LONGVIEW_CLI_PATH), args, env);
    }

    // longview-cli on a library of its own, under the test's folder.
    ProcessRun cliOn(const QString& library, QStringList args) {
        args.prepend(tmp.filePath(library));
        args.prepend("--db");
        return cli(args);
    }

    QString writeFile(const QString& name, const QByteArray& content) {
        const QString path = tmp.filePath(name);
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return {};
        f.write(content);
        return path;
    }

    // A user error: exit status 1 and one line on stderr that says `what`.
    static void verifyUserError(const ProcessRun& r, const QString& what) {
        QVERIFY2(r.exitCode == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains(what), qPrintable(r.describe()));
        QVERIFY2(!r.err.contains("internal error"), qPrintable(r.describe()));
        QCOMPARE(r.err.count('\n'), qsizetype(1));
    }

private slots:
    void initTestCase() { QVERIFY(tmp.isValid()); }

    void helpListsTheContract() {
        const auto r = runCli({"--help"});
        QCOMPARE(r.exitCode, 0);
        for (const char* name :
             {"ingest", "list", "summarize", "ask", "tokenize", "verify-reference", "bench"})
            QVERIFY2(r.out.contains(QString("\n  ") + name + " "), name);
        // Every option's help starts in one column, --version's too.
        QSet<qsizetype> columns;
        static const QRegularExpression option(QStringLiteral("^  --\\S+( \\S+)? +"));
        for (const QString& line : r.out.split('\n'))
            if (const auto m = option.match(line); m.hasMatch()) columns.insert(m.capturedLength());
        QVERIFY(r.out.contains("  --version "));
        QCOMPARE(columns.size(), qsizetype(1));
    }

    void versionPrintsProjectVersion() {
        const auto r = runCli({"--version"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("longview-cli 0."));
    }

    void unknownCommandIsUserError() {
        const auto r = runCli({"frobnicate"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("unknown command 'frobnicate'"));
        QCOMPARE(r.err.count('\n'), 1);
    }

    void unknownFlagIsUserError() {
        const auto r = runCli({"list", "--no-such-flag"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("--no-such-flag"));
    }

    void noCommandIsUserError() {
        const auto r = runCli({});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.contains("Usage:"));
    }

    void commandHelp() {
        const auto r = runCli({"help", "ingest"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("Usage: longview-cli ingest"));
    }

    void parserHandlesGlobalOptionsAnywhere() {
        const auto commands = allCommands();
        auto p = parseCommandLine({"--json", "list", "--db", "x.db"}, commands);
        QVERIFY(p.command);
        QCOMPARE(QString::fromStdString(p.command->name), QString("list"));
        QVERIFY(p.invocation.json);
        QCOMPARE(QString::fromStdString(p.invocation.valueOr("db", "")), QString("x.db"));
        auto q = parseCommandLine({"--db=y.db", "list"}, commands);
        QCOMPARE(QString::fromStdString(q.invocation.valueOr("db", "")), QString("y.db"));
    }

    void parserRejectsMissingValueAndExtraArguments() {
        const auto commands = allCommands();
        QVERIFY_THROWS_EXCEPTION(UsageError, parseCommandLine({"list", "--db"}, commands));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseCommandLine({"list", "extra"}, commands));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseCommandLine({"ask", "doc"}, commands));
    }

    void countsReadAsPeopleWriteThem() {
        QCOMPARE(humanCount(0), std::string("0"));
        QCOMPARE(humanCount(312), std::string("312"));
        QCOMPARE(humanCount(999), std::string("999"));
        QCOMPARE(humanCount(1000), std::string("1.0K"));
        QCOMPARE(humanCount(4530), std::string("4.5K"));
        QCOMPARE(humanCount(9960), std::string("10K"));
        QCOMPARE(humanCount(45200), std::string("45K"));
        QCOMPARE(humanCount(999499), std::string("999K"));
        QCOMPARE(humanCount(999500), std::string("1.0M"));
        QCOMPARE(humanCount(1234567), std::string("1.2M"));
        QCOMPARE(humanCount(52000000), std::string("52M"));
        QCOMPARE(humanCount(350000000), std::string("350M"));
        QCOMPARE(humanCount(1461500000), std::string("1.5B"));
        QCOMPARE(humanCount(32000000000), std::string("32B"));
    }

    void columnsCutWholeCharacters() {
        QCOMPARE(column("Terms", 10, 8), std::string("Terms   "));
        QCOMPARE(column("Terms", 5), std::string("Terms"));
        QCOMPARE(column("Termsheet", 5), std::string("Term\u2026"));
        // Multi-byte characters count once and are never split.
        QCOMPARE(column("\u00DCberblick \u00FCber", 6, 8), std::string("\u00DCberb\u2026  "));
        QCOMPARE(column("\u00FC\u00FC\u00FC", 3, 4), std::string("\u00FC\u00FC\u00FC "));
        QCOMPARE(column("", 3, 2), std::string("  "));
        QCOMPARE(column("Terms", 0, 2), std::string("  "));
    }

    void numericOptionsAreChecked() {
        Invocation inv;
        inv.options["n"] = {"12x"};
        QVERIFY_THROWS_EXCEPTION(UsageError, inv.intOr("n", 0));
        inv.options["n"] = {"12"};
        QCOMPARE(inv.intOr("n", 0), 12LL);
        QCOMPARE(inv.intOr("absent", 7), 7LL);
    }

    void integersAreWholeAndInRange() {
        QCOMPARE(parseInteger("ID", "42"), 42LL);
        QCOMPARE(parseInteger("ID", "-7"), -7LL);
        for (const char* bad : {"abc", "1x", "", " 1", "1.5", "99999999999999999999"})
            QVERIFY_THROWS_EXCEPTION(UsageError, parseInteger("ID", bad));
        Invocation inv;
        inv.options["n"] = {"99999999999999999999"};
        QVERIFY_THROWS_EXCEPTION(UsageError, inv.intOr("n", 0));
        inv.options["n"] = {"65"};
        QVERIFY_THROWS_EXCEPTION(UsageError, inv.intIn("n", 1, 1, 64));
        inv.options["n"] = {"64"};
        QCOMPARE(inv.intIn("n", 1, 1, 64), 64LL);
        QCOMPARE(inv.intIn("absent", 3, 1, 64), 3LL);
        for (const char* bad : {"nan", "inf", "-inf", "infinity", "NAN", "0.5x"}) {
            inv.options["t"] = {bad};
            QVERIFY_THROWS_EXCEPTION(UsageError, inv.doubleOr("t", 0));
        }
        inv.options["t"] = {"1e39"};
        QCOMPARE(inv.doubleOr("t", 0), 1e39);
        QVERIFY_THROWS_EXCEPTION(UsageError, inv.floatOr("t", 0));
        inv.options["t"] = {"0.25"};
        QCOMPARE(inv.floatOr("t", 0), 0.25f);
    }

    void positionalIdsAreUserErrors() {
        verifyUserError(cliOn("ids.db", {"sessions", "abc"}),
                        "SESSION_ID expects an integer, got 'abc'");
        verifyUserError(cliOn("ids.db", {"sessions", "1x"}),
                        "SESSION_ID expects an integer, got '1x'");
        verifyUserError(cliOn("ids.db", {"sessions", "99999999999999999999"}),
                        "SESSION_ID 99999999999999999999 is out of range");
        verifyUserError(cliOn("ids.db", {"summarize", "99999999999999999999"}),
                        "ID 99999999999999999999 is out of range");
        verifyUserError(cliOn("ids.db", {"ask", "99999999999999999999", "why?"}),
                        "ID 99999999999999999999 is out of range");
        verifyUserError(cliOn("ids.db", {"text", "99999999999999999999"}),
                        "ID 99999999999999999999 is out of range");
        verifyUserError(cliOn("ids.db", {"sessions", "--document", "2x"}),
                        "--document expects an integer, got '2x'");
    }

    void unknownSessionIsUserError() {
        verifyUserError(cliOn("sessions.db", {"sessions", "999"}), "no session #999");
        const auto json = cliOn("sessions.db", {"--json", "sessions", "999"});
        verifyUserError(json, "no session #999");
        QCOMPARE(json.out, QString());
        verifyUserError(cliOn("sessions.db", {"sessions", "--document", "7"}), "no document #7");
        const auto none = cliOn("sessions.db", {"sessions"});
        QCOMPARE(none.exitCode, 0);
        QVERIFY(none.out.startsWith("No sessions yet"));
    }

    void textPrintsALibraryDocumentById() {
        const QString notes = writeFile("text/notes.txt", "First paragraph of the notes.\n\n"
                                                          "Second paragraph, distinctive: "
                                                          "quokka.\n");
        QVERIFY(cliOn("text.db", {"ingest", notes}).ok());
        const auto text = cliOn("text.db", {"text", "1"});
        QVERIFY2(text.ok(), qPrintable(text.describe()));
        QVERIFY(text.out.contains("First paragraph of the notes."));
        QVERIFY(text.out.contains("distinctive: quokka."));
        const auto json = cliOn("text.db", {"text", "1", "--json"});
        QVERIFY2(json.ok(), qPrintable(json.describe()));
        const QJsonObject j = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(j["document"].toObject()["id"].toInt(), 1);
        QCOMPARE(j["document"].toObject()["title"].toString(), QString("notes.txt"));
        QVERIFY(j["text"].toString().contains("quokka"));
        verifyUserError(cliOn("text.db", {"text", "2"}), "no document #2 in the library");
        verifyUserError(cliOn("text.db", {"text", "1", "--line-numbers"}),
                        "--line-numbers needs a PATH");
        // A file whose name is all digits is still read as a file.
        const QString digits = writeFile("text/2024", "A file named like an id.\n");
        const auto file = cliOn("text.db", {"text", digits});
        QVERIFY2(file.ok(), qPrintable(file.describe()));
        QVERIFY(file.out.contains("A file named like an id."));
        const auto help = runCli({"help", "text"});
        QVERIFY(help.out.contains("Usage: longview-cli text PATH|ID "));
        QVERIFY(help.out.section('\n', 0, 0).contains("[--threads N]"));
        verifyUserError(cliOn("text.db", {"text", notes, "--threads", "0"}),
                        "--threads expects 1 to 64, got 0");
        // As the model reads it, read afresh or kept: line ends are \n, no blank lines trail.
        const QString crlf = writeFile("text/crlf.txt", "Line one.\r\n\r\nLine two.\r\n\r\n\r\n");
        QVERIFY(cliOn("text.db", {"ingest", crlf}).ok());
        QCOMPARE(cliOn("text.db", {"text", crlf}).out, QString("Line one.\n\nLine two.\n"));
        QCOMPARE(cliOn("text.db", {"text", "2"}).out, QString("Line one.\n\nLine two.\n"));
    }

    void numericOptionValuesAreChecked() {
        // Checked before anything is read: no library and no model is needed to be refused.
        verifyUserError(cliOn("numbers.db", {"ask", "1", "q", "--temperature", "nan"}),
                        "--temperature expects a number, got 'nan'");
        verifyUserError(cliOn("numbers.db", {"summarize", "1", "--temperature", "inf"}),
                        "--temperature expects a number, got 'inf'");
        verifyUserError(cliOn("numbers.db", {"summarize", "1", "--temperature", "1e39"}),
                        "--temperature 1e39 is out of range");
        verifyUserError(cliOn("numbers.db", {"summarize", "1", "--max-tokens", "99999999999"}),
                        "--max-tokens expects 1 to 2147483647, got 99999999999");
        verifyUserError(cliOn("numbers.db", {"summarize", "1", "--seed", "-1"}),
                        "--seed expects 0 or more, got -1");
        verifyUserError(cliOn("numbers.db", {"summarize", "1", "--context", "-5"}),
                        "--context expects 0 or more, got -5");
        QVERIFY(!QFile::exists(tmp.filePath("numbers.db")));
        const QStringList generate = {"generate", "--model", tmp.filePath("no-model"),
                                      "--prompt-ids", "1,2"};
        const QStringList reference = {"verify-reference", tmp.path()};
        const std::vector<std::pair<QStringList, QString>> refused = {
            {generate + QStringList{"--top-p", "2", "--temperature", "1"},
             "--top-p must be in (0, 1], got 2"},
            {generate + QStringList{"--top-p", "0"}, "--top-p must be in (0, 1], got 0"},
            {generate + QStringList{"--temperature", "nan"},
             "--temperature expects a number, got 'nan'"},
            {generate + QStringList{"--temperature", "-1"}, "--temperature must not be negative"},
            {generate + QStringList{"--top-k", "4294967297"},
             "--top-k expects 0 to 2147483647, got 4294967297"},
            {generate + QStringList{"--repetition-penalty", "0"},
             "--repetition-penalty must be positive, got 0"},
            {generate + QStringList{"--max-tokens", "-1"},
             "--max-tokens expects 0 or more, got -1"},
            {reference + QStringList{"--tolerance", "nan"},
             "--tolerance expects a number, got 'nan'"},
            {reference + QStringList{"--tolerance", "-1"}, "--tolerance must be positive, got -1"},
            {{"bench", "--threads", "-1"}, "--threads expects 0 to 1024, got -1"},
            {{"bench", "--repeat", "0"}, "--repeat expects 1 to 100, got 0"},
            {{"bench", "--ingest", tmp.path(), "--threads", "99999999999"},
             "--threads expects 1 to 64, got 99999999999"}};
        for (const auto& [args, message] : refused)
            verifyUserError(cli(args), message);
    }

    void decodeRejectsIdsOutsideTheVocabulary() {
        LV_REQUIRE_FIXTURES();
        const QString tokenizer = lv::test::fixturesDir() + "/models/granite_hybrid_tiny";
        for (const char* id : {"99999", "-3"})
            verifyUserError(cli({"tokenize", "--tokenizer", tokenizer, "--decode", "--text", id}),
                            QString("token id ") + id + " outside the vocabulary (0..511)");
        const auto ok = cli({"tokenize", "--tokenizer", tokenizer, "--decode", "--text", "29"});
        QVERIFY2(ok.ok(), qPrintable(ok.describe()));
        // An empty text is a text: its encoding is empty.
        const auto empty = cli({"tokenize", "--tokenizer", tokenizer, "--text", ""});
        QVERIFY2(empty.ok(), qPrintable(empty.describe()));
        QCOMPARE(empty.out, QString("[]\n"));
    }

    // A file name with a line break still gives a one-line error, the break written as \n.
    void errorsStayOneLine() {
        verifyUserError(cli({"text", tmp.filePath("no\nsuch.txt")}),
                        "no\\nsuch.txt: no such file or directory");
    }

    void emptyOptionValuesAreUserErrors() {
        verifyUserError(cli({"--db", "", "list"}), "option '--db' needs a value (FILE)");
        verifyUserError(cli({"--db=", "list"}), "option '--db' needs a value (FILE)");
        verifyUserError(cliOn("empty.db", {"--model", "", "list"}),
                        "option '--model' needs a value (DIR)");
        // Not the default library instead.
        QVERIFY(!QDir(tmp.filePath("xdg")).exists());
        const auto commands = allCommands();
        QVERIFY_THROWS_EXCEPTION(UsageError, parseCommandLine({"list", "--device", ""}, commands));
        const auto p =
            parseCommandLine({"tokenize", "--tokenizer", "t.json", "--text", ""}, commands);
        QCOMPARE(p.invocation.values("text"), std::vector<std::string>{""});
    }

    void ingestGoesOnPastABadPath() {
        const QString good = writeFile("ingest/good.txt", "A good text file about otters.\n");
        const QString trunc = writeFile("ingest/trunc.pdf", "%PDF-1.4\n1 0 obj\n<< /Type /Cat");
        const QString other = writeFile("ingest/other.txt", "Another file about beavers.\n");
        const QString missing = tmp.filePath("ingest/missing.txt");
        const auto json = cliOn("ingest.db", {"ingest", "--json", good, trunc, other, missing});
        QVERIFY2(json.exitCode == 1, qPrintable(json.describe()));
        const QStringList errors = json.err.trimmed().split('\n');
        QCOMPARE(errors.size(), qsizetype(2));
        QVERIFY2(errors[0].contains("trunc.pdf: damaged"), qPrintable(json.err));
        QVERIFY2(errors[1].contains("missing.txt: no such file"), qPrintable(json.err));
        const QJsonArray all = QJsonDocument::fromJson(json.out.toUtf8()).array();
        QCOMPARE(all.size(), qsizetype(4));
        QCOMPARE(all[0].toObject()["path"].toString(), good);
        QCOMPARE(all[0].toObject()["document"].toObject()["title"].toString(), QString("good.txt"));
        QCOMPARE(all[1].toObject()["path"].toString(), trunc);
        QVERIFY(all[1].toObject()["error"].toString().contains("trunc.pdf: damaged"));
        QVERIFY(!all[1].toObject().contains("document"));
        QCOMPARE(all[2].toObject()["document"].toObject()["title"].toString(),
                 QString("other.txt"));
        QVERIFY(all[3].toObject()["error"].toString().contains("missing.txt"));
        const auto list = cliOn("ingest.db", {"--json", "list"});
        QCOMPARE(QJsonDocument::fromJson(list.out.toUtf8()).array().size(), qsizetype(2));

        const auto human = cliOn("ingest-human.db", {"ingest", trunc, good, other});
        QCOMPARE(human.exitCode, 1);
        QVERIFY(human.out.contains(good) && human.out.contains(other));
        QCOMPARE(human.err.count('\n'), qsizetype(1));
        QVERIFY(human.err.contains("trunc.pdf: damaged"));
        QVERIFY(cliOn("ingest-human.db", {"ingest", good, other}).ok());
    }

    void modelsShowWhyACheckpointCannotRun() {
        verifyUserError(cliOn("models.db", {"models", "--models-dir", tmp.filePath("nowhere")}),
                        "nowhere: no such folder");
        const auto after = cliOn("models.db", {"models"});
        QCOMPARE(after.exitCode, 0);
        QVERIFY2(!after.out.contains("nowhere"), qPrintable(after.out)); // not remembered

        // A tensor file of one f32 weight: 8 bytes of header length, the header, the data.
        const QByteArray header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
        QByteArray weights(8, '\0');
        weights[0] = char(header.size());
        weights += header + QByteArray(4, '\0');
        writeFile("models/neox/config.json", R"({"model_type": "gpt_neox"})");
        writeFile("models/neox/model.safetensors", weights);
        writeFile("models/notype/config.json", R"({"max_position_embeddings": 512})");
        writeFile("models/noweights/config.json", R"({"model_type": "llama"})");
        writeFile("models/noweights/tokenizer.json", "{}");
        writeFile("models/notokenizer/config.json", R"({"model_type": "llama"})");
        writeFile("models/notokenizer/model.safetensors", weights);
        QStringList args = {"--json", "models", "--models-dir", tmp.filePath("models")};
        const bool fixtures = QDir(lv::test::fixturesDir()).exists();
        const QString usable = lv::test::fixturesDir() + "/models/llama_tiny";
        if (fixtures) args << "--model" << usable;
        const auto json = cliOn("models.db", args);
        QVERIFY2(json.ok(), qPrintable(json.describe()));
        QMap<QString, QJsonObject> byName;
        for (const auto& v : QJsonDocument::fromJson(json.out.toUtf8()).array())
            byName[v.toObject()["name"].toString()] = v.toObject();
        QCOMPARE(byName["neox"]["unusable"].toString(),
                 QString("unsupported model_type 'gpt_neox'"));
        QCOMPARE(byName["neox"]["architecture"].toString(), QString("gpt_neox"));
        QCOMPARE(byName["notype"]["unusable"].toString(), QString("config.json has no model_type"));
        QCOMPARE(byName["notype"]["architecture"].toString(), QString("unknown"));
        QCOMPARE(byName["notype"]["context_length"].toInt(), 512);
        QCOMPARE(byName["noweights"]["unusable"].toString(), QString("no .safetensors weights"));
        QCOMPARE(byName["notokenizer"]["unusable"].toString(),
                 QString("no tokenizer.json or tokenizer.model"));
        QCOMPARE(byName["notokenizer"]["parameters"].toInt(), 1);
        if (fixtures) {
            QVERIFY(byName.contains("llama_tiny"));
            QCOMPARE(byName["llama_tiny"]["unusable"].toString(), QString());
        }

        // The folder was remembered; the human listing says the same.
        const auto human = cliOn("models.db", {"models"});
        QCOMPARE(human.exitCode, 0);
        QVERIFY2(human.out.contains("unusable: unsupported model_type 'gpt_neox'"),
                 qPrintable(human.out));
        QVERIFY(human.out.contains("unusable: no .safetensors weights"));
        QVERIFY(human.out.contains(tmp.filePath("models/noweights")));
        verifyUserError(
            cliOn("models.db", {"models", "--set-default", tmp.filePath("models/neox")}),
            "cannot be the default model: unsupported model_type 'gpt_neox'");
        verifyUserError(cliOn("models.db", {"models", "--set-default", usable, "--no-default"}),
                        "--set-default and --no-default cannot be used together");
        if (fixtures) { // remembered, then forgotten
            QVERIFY(cliOn("models.db", {"models", "--set-default", usable}).ok());
            auto isDefault = [&] {
                const auto j = cliOn("models.db", {"--json", "models"});
                for (const auto& v : QJsonDocument::fromJson(j.out.toUtf8()).array())
                    if (v.toObject()["default"].toBool()) return true;
                return false;
            };
            QVERIFY(isDefault());
            QVERIFY(cliOn("models.db", {"models", "--no-default"}).ok());
            QVERIFY(!isDefault());
        }
    }

    void helpMatchesWhatCommandsAccept() {
        const auto generate = runCli({"help", "generate"});
        const QString usage = generate.out.section('\n', 0, 0);
        for (const char* option : {"--repetition-penalty R", "--ignore-eos", "--top-p P"})
            QVERIFY2(usage.contains(option), option);
        const auto verify = runCli({"help", "verify-reference"});
        QVERIFY(verify.out.section('\n', 0, 0).contains("[--device auto|cpu|cuda]"));
        const auto help = runCli({"help", "help"});
        QCOMPARE(help.exitCode, 0);
        QCOMPARE(help.out, runCli({"--help"}).out);
    }
};

QTEST_GUILESS_MAIN(CliTest)
#include "tst_cli.moc"
