// Benchmarks run by `longview-cli bench`, one function per subject.
// Each reads its options from the invocation and prints a table (or --json).
#pragma once

#include "cli/Command.h"

namespace lv::cli {

// `bench --tokenizer FILE|DIR [--tokenizer ...] [--corpus FILE]`: single-core
// encode and decode throughput of each tokenizer on a 20 MB text + code corpus.
int runTokenizerBench(const Invocation& invocation, CommandIo& io);

} // namespace lv::cli
