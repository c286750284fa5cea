// Parsing of longview-cli's argument vector against the command table.
// Global options may appear before or after the subcommand name.
#pragma once

#include "cli/Command.h"

#include <string>
#include <vector>

namespace lv::cli {

struct ParsedCommandLine {
    bool help = false;                // --help / -h, or `help [COMMAND]`
    bool version = false;             // --version
    const Command* command = nullptr; // null with help: the general help
    Invocation invocation;
};

// Throws UsageError for unknown commands and flags, missing values and
// wrong positional counts.
ParsedCommandLine parseCommandLine(const std::vector<std::string>& args,
                                   const std::vector<Command>& commands);

std::string generalHelp(const std::vector<Command>& commands);
std::string commandHelp(const Command& command);

} // namespace lv::cli
