#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeSessionsCommand() {
    Command c;
    c.name = "sessions";
    c.summary = "list stored question-and-answer sessions";
    c.usage = "sessions [--json]";
    c.minPositional = 0;
    c.maxPositional = 1;
    c.run = notYetAvailable(c.name, "the analysis service, issue 8");
    return c;
}

} // namespace lv::cli
