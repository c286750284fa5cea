#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeSummarizeCommand() {
    Command c;
    c.name = "summarize";
    c.summary = "summary of a document with citations (extractive without a model)";
    c.usage = "summarize PATH|ID [--model DIR] [--json]";
    c.minPositional = 1;
    c.maxPositional = 1;
    c.run = notYetAvailable(c.name, "the analysis service, issue 8");
    return c;
}

} // namespace lv::cli
