#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeGenerateCommand() {
    Command c;
    c.name = "generate";
    c.summary = "greedy or sampled continuation of token ids";
    c.usage = "generate --model DIR --prompt-ids IDS [--max-tokens N]";
    c.minPositional = 0;
    c.maxPositional = 0;
    c.run = notYetAvailable(c.name, "the CPU engine, issue 3");
    return c;
}

} // namespace lv::cli
