#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeAskCommand() {
    Command c;
    c.name = "ask";
    c.summary = "answer a question about a document with citations";
    c.usage = "ask PATH|ID QUESTION [--session ID] [--json]";
    c.minPositional = 2;
    c.maxPositional = 2;
    c.run = notYetAvailable(c.name, "the analysis service, issue 8");
    return c;
}

} // namespace lv::cli
