#include "cli/commands/Commands.h"

#include <ostream>

namespace lv::cli {

std::vector<Command> allCommands() {
    return {
        makeIngestCommand(),  makeListCommand(),     makeTextCommand(),
        makeSummarizeCommand(), makeAskCommand(),    makeSessionsCommand(),
        makeModelsCommand(),  makeTokenizeCommand(), makeGenerateCommand(),
        makeVerifyReferenceCommand(), makeBenchCommand(),
    };
}

std::function<int(const Invocation&, CommandIo&)> notYetAvailable(const std::string& command,
                                                                  const std::string& needs) {
    return [command, needs](const Invocation&, CommandIo& io) {
        io.err << "longview-cli: " << command << ": not yet available in this build (needs "
               << needs << ")\n";
        return 1;
    };
}

} // namespace lv::cli
