#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeBenchCommand() {
    Command c;
    c.name = "bench";
    c.summary = "prefill and decode throughput and peak memory";
    c.usage = "bench [--model DIR | --synthetic NAME] [--device cpu|cuda]";
    c.minPositional = 0;
    c.maxPositional = 0;
    c.run = notYetAvailable(c.name, "the engine, issues 3 and 5");
    return c;
}

} // namespace lv::cli
