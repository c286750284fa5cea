#include "cli/CommandLine.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

namespace lv::cli {

std::optional<std::string> Invocation::value(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::string Invocation::valueOr(const std::string& name, const std::string& fallback) const {
    return value(name).value_or(fallback);
}

std::vector<std::string> Invocation::values(const std::string& name) const {
    auto it = options.find(name);
    return it == options.end() ? std::vector<std::string>{} : it->second;
}

long long parseInteger(const std::string& what, const std::string& text) {
    long long parsed = 0;
    const char* end = text.data() + text.size();
    const auto [stop, ec] = std::from_chars(text.data(), end, parsed);
    if (ec == std::errc::result_out_of_range)
        throw UsageError(what + " " + text + " is out of range");
    if (ec != std::errc() || stop != end)
        throw UsageError(what + " expects an integer, got '" + text + "'");
    return parsed;
}

long long Invocation::intOr(const std::string& name, long long fallback) const {
    auto v = value(name);
    return v ? parseInteger("--" + name, *v) : fallback;
}

long long Invocation::intIn(const std::string& name, long long fallback, long long min,
                            long long max) const {
    const long long v = intOr(name, fallback);
    if (v >= min && v <= max) return v;
    const std::string range = max == std::numeric_limits<long long>::max()
                                  ? std::to_string(min) + " or more"
                                  : std::to_string(min) + " to " + std::to_string(max);
    throw UsageError("--" + name + " expects " + range + ", got " + std::to_string(v));
}

double Invocation::doubleOr(const std::string& name, double fallback) const {
    auto v = value(name);
    if (!v) return fallback;
    std::size_t used = 0;
    double parsed = 0;
    try {
        parsed = std::stod(*v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    // (stod reads "nan" and "inf", which no option means: they pass every range check)
    if (used == 0 || used != v->size() || !std::isfinite(parsed))
        throw UsageError("--" + name + " expects a number, got '" + *v + "'");
    return parsed;
}

float Invocation::floatOr(const std::string& name, float fallback) const {
    const double v = doubleOr(name, fallback);
    if (std::abs(v) > std::numeric_limits<float>::max())
        throw UsageError("--" + name + " " + *value(name) + " is out of range");
    return float(v);
}

const std::vector<OptionSpec>& globalOptions() {
    static const std::vector<OptionSpec> options = {
        {"json", "", "machine-readable JSON output"},
        {"db", "FILE", "library database (default: $LONGVIEW_DB or the XDG data dir)"},
        {"model", "DIR", "model checkpoint directory (config.json + safetensors)"},
        {"device", "auto|cpu|cuda", "where the model runs (default: auto)"},
        {"help", "", "show help"},
    };
    return options;
}

namespace {

const OptionSpec* findOption(const std::string& name, const Command* command) {
    for (const auto& o : globalOptions())
        if (o.name == name) return &o;
    if (command)
        for (const auto& o : command->options)
            if (o.name == name) return &o;
    return nullptr;
}

const Command* findCommand(const std::string& name, const std::vector<Command>& commands) {
    for (const auto& c : commands)
        if (c.name == name) return &c;
    return nullptr;
}

} // namespace

ParsedCommandLine parseCommandLine(const std::vector<std::string>& args,
                                   const std::vector<Command>& commands) {
    ParsedCommandLine parsed;
    // First pass: find the subcommand (first argument that is not an option or an
    // option's value), so that its own options are known while parsing.
    std::size_t commandIndex = args.size();
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") break;
        if (a.rfind("--", 0) == 0) {
            std::string name = a.substr(2);
            if (auto eq = name.find('='); eq != std::string::npos) continue;
            const OptionSpec* spec = findOption(name, nullptr);
            if (spec && !spec->valueName.empty()) ++i; // skip the global option's value
            continue;
        }
        if (a == "-h" || a == "-V") continue;
        commandIndex = i;
        break;
    }

    const Command* command = nullptr;
    if (commandIndex < args.size()) {
        const std::string& name = args[commandIndex];
        if (name == "help") {
            parsed.help = true;
            // `help help` is the general help, as is `help`.
            if (commandIndex + 1 < args.size() && args[commandIndex + 1] != "help") {
                command = findCommand(args[commandIndex + 1], commands);
                if (!command) throw UsageError("unknown command '" + args[commandIndex + 1] + "'");
            }
            parsed.command = command;
            return parsed;
        }
        command = findCommand(name, commands);
        if (!command)
            throw UsageError("unknown command '" + name + "' (see 'longview-cli --help')");
    }
    parsed.command = command;
    if (command) parsed.invocation.command = command->name;

    bool onlyPositional = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i == commandIndex) continue;
        const std::string& a = args[i];
        if (onlyPositional) {
            parsed.invocation.positional.push_back(a);
            continue;
        }
        if (a == "--") {
            onlyPositional = true;
            continue;
        }
        if (a == "-h" || a == "--help") {
            parsed.help = true;
            continue;
        }
        if (a == "--version" || a == "-V") {
            parsed.version = true;
            continue;
        }
        if (a.rfind("--", 0) == 0 && a.size() > 2) {
            std::string name = a.substr(2);
            std::optional<std::string> inlineValue;
            if (auto eq = name.find('='); eq != std::string::npos) {
                inlineValue = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            const OptionSpec* spec = findOption(name, command);
            if (!spec) {
                throw UsageError("unknown option '--" + name + "'" +
                                 (command ? " for '" + command->name + "'" : std::string()));
            }
            auto& slot = parsed.invocation.options[name];
            if (spec->valueName.empty()) {
                if (inlineValue) throw UsageError("option '--" + name + "' takes no value");
                slot = {""};
            } else {
                std::string v;
                if (inlineValue) {
                    v = *inlineValue;
                } else {
                    if (i + 1 >= args.size())
                        throw UsageError("option '--" + name + "' needs a value (" +
                                         spec->valueName + ")");
                    v = args[++i];
                }
                // (`--db "$UNSET"` must not quietly mean the default library)
                if (v.empty() && !spec->allowEmpty)
                    throw UsageError("option '--" + name + "' needs a value (" + spec->valueName +
                                     "), got an empty one");
                if (!spec->repeatable) slot.clear();
                slot.push_back(v);
            }
            if (name == "json") parsed.invocation.json = true;
            continue;
        }
        if (a.size() > 1 && a[0] == '-' && a != "-") throw UsageError("unknown option '" + a + "'");
        if (!command) throw UsageError("unexpected argument '" + a + "'");
        parsed.invocation.positional.push_back(a);
    }

    if (command && !parsed.help && !parsed.version) {
        const auto n = parsed.invocation.positional.size();
        if (n < command->minPositional)
            throw UsageError("'" + command->name + "' needs more arguments: usage: longview-cli " +
                             command->usage);
        if (n > command->maxPositional)
            throw UsageError("'" + command->name + "' takes at most " +
                             std::to_string(command->maxPositional) +
                             " argument(s): usage: longview-cli " + command->usage);
    }
    return parsed;
}

namespace {
void appendOptions(std::ostringstream& s, const std::vector<OptionSpec>& options) {
    std::size_t width = 0;
    for (const auto& o : options)
        width = std::max(width, o.name.size() + (o.valueName.empty() ? 0 : o.valueName.size() + 1));
    for (const auto& o : options) {
        std::string left = "--" + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
        s << "  " << left << std::string(width + 4 - left.size() + 2, ' ') << o.help << "\n";
    }
}
} // namespace

std::string generalHelp(const std::vector<Command>& commands) {
    std::ostringstream s;
    s << "longview-cli: read long documents and codebases with a local language model\n\n"
      << "Usage: longview-cli [OPTIONS] COMMAND [ARGS...]\n\nCommands:\n";
    std::size_t width = 0;
    for (const auto& c : commands)
        width = std::max(width, c.name.size());
    for (const auto& c : commands)
        s << "  " << c.name << std::string(width - c.name.size() + 2, ' ') << c.summary << "\n";
    s << "\nOptions:\n";
    auto options = globalOptions();
    options.push_back({"version", "", "print the version"}); // (handled before any command)
    appendOptions(s, options);
    s << "\nExit status: 0 success, 1 user error (one-line reason on stderr), "
         "2 internal error.\n"
      << "Run 'longview-cli help COMMAND' for a command's options.\n";
    return s.str();
}

std::string commandHelp(const Command& command) {
    std::ostringstream s;
    s << "Usage: longview-cli " << command.usage << "\n\n" << command.summary << "\n";
    if (!command.options.empty()) {
        s << "\nOptions:\n";
        appendOptions(s, command.options);
    }
    s << "\nGlobal options:\n";
    appendOptions(s, globalOptions());
    return s.str();
}

} // namespace lv::cli
