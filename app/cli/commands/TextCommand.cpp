#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeTextCommand() {
    Command c;
    c.name = "text";
    c.summary = "print the text the model reads for a document";
    c.usage = "text PATH|ID";
    c.minPositional = 1;
    c.maxPositional = 1;
    c.run = notYetAvailable(c.name, "ingest, issue 6");
    return c;
}

} // namespace lv::cli
