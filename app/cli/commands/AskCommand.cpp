#include "cli/HumanOutput.h"
#include "cli/Interrupt.h"
#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include <ostream>

namespace lv::cli {

Command makeAskCommand() {
    Command c;
    c.name = "ask";
    c.summary = "answer a question about a document with citations (reuses the cached state)";
    c.usage = "ask PATH|ID QUESTION [--session ID] [--model DIR] [--json]";
    c.options = generationOptions();
    c.options.push_back({"session", "ID", "continue this session (see 'sessions')"});
    c.minPositional = 2;
    c.maxPositional = 2;
    c.run = [](const Invocation& inv, CommandIo& io) {
        auto service = makeService(inv);
        analysis::JobControl job;
        InterruptGuard interrupt(job);
        if (!inv.json) {
            job.token = [&io](const std::string& piece) {
                io.out << piece;
                io.out.flush();
            };
        }
        attachProgress(job, io);
        std::optional<std::int64_t> session;
        if (inv.has("session")) session = inv.intOr("session", 0);
        const std::int64_t id = resolveDocumentArgument(*service, inv.positional[0], job);
        const analysis::Answer a = service->ask(id, inv.positional[1], session, job);
        printDeviceNote(io.err, a.metrics);
        if (inv.json) {
            io.out << toJson(a).dump(2) << "\n";
            return 0;
        }
        if (a.extractive) io.out << a.text;
        io.out << "\n";
        printCitations(io.out, a.citations, !a.extractive);
        printMetrics(io.out, a.metrics);
        io.out << "\n(session " << a.sessionId << ")\n";
        return 0;
    };
    return c;
}

} // namespace lv::cli
