// Where a codebase defines what a question names: Python, C and Rust definitions found and
// cited at their line; uses, calls, declarations and prototypes are not definitions.

#include "analysis/CitationResolver.h"
#include "analysis/SymbolDefinitions.h"

#include <QtTest>

using namespace lv::analysis;

namespace {
SourceUnit file(const std::string& path, int firstLine, const std::string& text) {
    SourceUnit u;
    u.citation.filePath = path;
    u.citation.lineStart = firstLine;
    u.citation.lineEnd = firstLine + int(std::count(text.begin(), text.end(), '\n'));
    u.citation.label = lineRangeLabel(path, u.citation.lineStart, u.citation.lineEnd);
    u.text = text;
    return u;
}
} // namespace

class SymbolDefinitionsTest : public QObject {
    Q_OBJECT
private slots:
    void definitionsAreFoundAndUsesAreNot() {
        const std::vector<SourceUnit> units = {
            file("app/client.py", 1,
                 "from net import urlparse\n"
                 "parts = urlparse(url)\n"
                 "    return urlparse(other)\n"),
            file("include/net.h", 40,
                 "struct sockaddr_in *peer;\n"
                 "int connect_to(struct sockaddr_in *addr);\n"
                 "#define MAX_PEERS 16\n"
                 "struct sockaddr_in {\n"
                 "    short sin_family;\n"
                 "};\n"),
            file("net/parse.py", 370,
                 "# urlparse is the entry point\n"
                 "\n"
                 "\n"
                 "\n"
                 "def urlparse(url, scheme=''):\n"
                 "    return _split(url)\n"),
            file("src/net.c", 10,
                 "static int retries = connect_to(NULL);\n"
                 "int\n"
                 "connect_to_all(void);\n"
                 "int connect_to(struct sockaddr_in *addr)\n"
                 "{\n"
                 "    return send_hello(addr);\n"
                 "}\n"),
            file("src/lib.rs", 1, "pub fn parse_header(input: &str) -> Header {\n    todo!()\n}\n"),
        };
        const auto found = [&](const std::string& question) {
            std::vector<std::string> where;
            for (const SymbolDefinition& d : definitionsNamedIn(question, units))
                where.push_back(units[d.unit].citation.filePath + ":" + std::to_string(d.line));
            return where;
        };
        QCOMPARE(found("Where is urlparse defined?"), std::vector<std::string>{"net/parse.py:374"});
        QCOMPARE(found("where is struct sockaddr_in defined"),
                 std::vector<std::string>{"include/net.h:43"});
        QCOMPARE(found("What does connect_to do?"), std::vector<std::string>{"src/net.c:13"});
        QCOMPARE(found("MAX_PEERS and parse_header"),
                 (std::vector<std::string>{"include/net.h:42", "src/lib.rs:1"}));
        QVERIFY(found("where is retries set?").empty()); // an assignment, not a definition
        QVERIFY(found("Where is the parser defined?").empty());
        // A plain word names an identifier only where a definition is asked for.
        QVERIFY(found("Is urlparse safe for an empty url?").empty());
        QCOMPARE(found("What does urlparse do?"), std::vector<std::string>{"net/parse.py:374"});
        QCOMPARE(found("def urlparse"), std::vector<std::string>{"net/parse.py:374"});
        const auto d = definitionsNamedIn("def urlparse", units);
        QCOMPARE(d.size(), std::size_t(1));
        QVERIFY(d[0].text.rfind("def urlparse(url, scheme=''):\n", 0) == 0);
    }
};

QTEST_GUILESS_MAIN(SymbolDefinitionsTest)
#include "tst_symbol_definitions.moc"
