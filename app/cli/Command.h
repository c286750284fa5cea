// One longview-cli subcommand: its name, help text, options and entry point.
// Commands report bad input by throwing std::runtime_error subclasses (exit 1).
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lv::cli {

// A mistake on the command line: unknown command or flag, missing value.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// `text` as a whole integer; anything else (also "1x", or past 64 bits) is a UsageError
// naming `what`, an option ("--seed") or a positional argument ("SESSION_ID").
long long parseInteger(const std::string& what, const std::string& text);

struct OptionSpec {
    std::string name;      // without the leading "--"
    std::string valueName; // empty: a flag without value
    std::string help;
    bool repeatable = false;
    bool allowEmpty = false; // an empty value means something (tokenize --text "")
};

// The parsed invocation a command runs with.
struct Invocation {
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>> options; // flags map to {""}
    bool json = false;

    bool has(const std::string& name) const { return options.count(name) != 0; }
    std::optional<std::string> value(const std::string& name) const;
    std::string valueOr(const std::string& name, const std::string& fallback) const;
    std::vector<std::string> values(const std::string& name) const;
    // Integer and float options; a malformed value (for numbers also nan and inf) is a
    // UsageError naming the flag.
    long long intOr(const std::string& name, long long fallback) const;
    double doubleOr(const std::string& name, double fallback) const;
    float floatOr(const std::string& name, float fallback) const; // also past float's range
    // An integer option that must lie in [min, max]; the UsageError says the range.
    long long intIn(const std::string& name, long long fallback, long long min,
                    long long max) const;
};

struct CommandIo {
    std::ostream& out;
    std::ostream& err;
};

struct Command {
    std::string name;
    std::string summary; // one line for the command list
    std::string usage;   // e.g. "ingest PATH... [--json]"
    std::vector<OptionSpec> options;
    std::size_t minPositional = 0;
    std::size_t maxPositional = SIZE_MAX;
    std::function<int(const Invocation&, CommandIo&)> run;
};

// Options every command accepts.
const std::vector<OptionSpec>& globalOptions();

// The table of all subcommands, in the order --help lists them.
std::vector<Command> allCommands();

} // namespace lv::cli
