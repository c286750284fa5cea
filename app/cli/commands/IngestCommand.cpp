#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeIngestCommand() {
    Command c;
    c.name = "ingest";
    c.summary = "ingest PDFs, folders (codebases) and text files into the library";
    c.usage = "ingest PATH... [--json]";
    c.minPositional = 1;
    c.maxPositional = SIZE_MAX;
    c.run = notYetAvailable(c.name, "ingest and storage, issues 6 and 7");
    return c;
}

} // namespace lv::cli
