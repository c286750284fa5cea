// longview-cli bench --storage [--db FILE]: state-cache save/load throughput
// (100 MiB and 1 GiB states, against dd's raw write speed) and FTS5 query time.
#pragma once

#include "cli/Command.h"

namespace lv::cli {

// Works in a scratch library next to --db (or the default library), never in
// the library itself, and removes it afterwards. Optional: --sizes MiB,MiB.
int runStorageBench(const Invocation& invocation, CommandIo& io);

} // namespace lv::cli
