// `longview-cli bench --ingest PATH`: ingest throughput. A PDF: pages per second
// against pdftotext on the same file; a folder: MB/s of source read and segmented.
#pragma once

#include "cli/Command.h"

namespace lv::cli {

// PATH is the value of --ingest, else the first positional argument.
// Options: --repeat N (default 3; the best run counts), --threads N, --json.
int runIngestBench(const Invocation& invocation, CommandIo& io);

} // namespace lv::cli
