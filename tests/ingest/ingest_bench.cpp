// Runs runIngestBench() (what `longview-cli bench --ingest PATH` calls) on its
// own, so that ingest can be measured before the bench command is wired.
// Usage: ingest_bench PATH [--repeat N] [--threads N] [--json]

#include "cli/CommandLine.h"
#include "cli/commands/IngestBench.h"

#include <iostream>

int main(int argc, char** argv) {
    using namespace lv::cli;
    Command bench;
    bench.name = "bench";
    bench.usage = "bench PATH [--repeat N] [--threads N]";
    bench.options = {{"ingest", "PATH", "PDF or folder"},
                     {"repeat", "N", "runs, the best counts"},
                     {"threads", "N", "PDF extraction threads"}};
    bench.minPositional = 0;
    bench.maxPositional = 1;
    bench.run = runIngestBench;
    std::vector<std::string> args{"bench"};
    args.insert(args.end(), argv + 1, argv + argc);
    CommandIo io{std::cout, std::cerr};
    try {
        const std::vector<Command> commands{bench};
        const ParsedCommandLine parsed = parseCommandLine(args, commands);
        return runIngestBench(parsed.invocation, io);
    } catch (const std::exception& e) {
        std::cerr << "ingest_bench: " << e.what() << "\n";
        return 1;
    }
}
