// Factories for every longview-cli subcommand, one file each in this folder.
// CommandTable.cpp puts them in the order --help lists them.
#pragma once

#include "cli/Command.h"

namespace lv::cli {

Command makeIngestCommand();
Command makeListCommand();
Command makeTextCommand();
Command makeSummarizeCommand();
Command makeAskCommand();
Command makeSessionsCommand();
Command makeModelsCommand();
Command makeTokenizeCommand();
Command makeGenerateCommand();
Command makeVerifyReferenceCommand();
Command makeBenchCommand();

// The run function of a command whose capability has not landed yet: prints
// plainly that it is not available and exits with status 1.
std::function<int(const Invocation&, CommandIo&)> notYetAvailable(const std::string& command,
                                                                  const std::string& needs);

} // namespace lv::cli
