#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeVerifyReferenceCommand() {
    Command c;
    c.name = "verify-reference";
    c.summary = "check the engine against reference fixtures";
    c.usage = "verify-reference [--device cpu|cuda] DIR...";
    c.minPositional = 1;
    c.maxPositional = SIZE_MAX;
    c.run = notYetAvailable(c.name, "the CPU engine, issue 3");
    return c;
}

} // namespace lv::cli
