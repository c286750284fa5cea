#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeModelsCommand() {
    Command c;
    c.name = "models";
    c.summary = "list the models found and whether they fit the GPU";
    c.usage = "models [--json]";
    c.minPositional = 0;
    c.maxPositional = 0;
    c.run = notYetAvailable(c.name, "the analysis service, issue 8");
    return c;
}

} // namespace lv::cli
