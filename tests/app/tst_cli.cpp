// The command-line contract: dispatch, help, version, exit codes.

#include "cli/CommandLine.h"
#include "cli/HumanOutput.h"
#include "support/ProcessRun.h"

#include <QtTest>

using namespace lv::cli;

using lv::test::runCli;

class CliTest : public QObject {
    Q_OBJECT
private slots:
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
};

QTEST_GUILESS_MAIN(CliTest)
#include "tst_cli.moc"
