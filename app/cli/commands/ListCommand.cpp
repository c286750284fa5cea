#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeListCommand() {
    Command c;
    c.name = "list";
    c.summary = "list the documents in the library";
    c.usage = "list [--json]";
    c.minPositional = 0;
    c.maxPositional = 0;
    c.run = notYetAvailable(c.name, "storage, issue 7");
    return c;
}

} // namespace lv::cli
