#include "cli/HumanOutput.h"
#include "cli/Interrupt.h"
#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include <optional>
#include <ostream>

namespace lv::cli {

Command makeSummarizeCommand() {
    Command c;
    c.name = "summarize";
    c.summary = "summary of a document with citations (extractive without a model)";
    c.usage = "summarize PATH|ID [--model DIR] [--json]";
    c.options = generationOptions();
    c.minPositional = 1;
    c.maxPositional = 1;
    c.run = [](const Invocation& inv, CommandIo& io) {
        auto service = makeService(inv);
        analysis::JobControl job;
        InterruptGuard interrupt(job);
        // The heading goes out with the first token (or the finished summary), so that a
        // model that fails to load leaves only its error, not a heading over nothing.
        std::optional<analysis::DocumentInfo> doc;
        bool headed = inv.json;
        const auto heading = [&] {
            if (headed || !doc) return;
            headed = true;
            io.out << "Summary of \"" << doc->title << "\""
                   << (service->hasModel() ? "" : " (extractive: no model configured)") << "\n\n";
        };
        if (!inv.json) {
            job.token = [&io, &heading](const std::string& piece) {
                heading();
                io.out << piece;
                io.out.flush();
            };
        }
        attachProgress(job, io);
        const std::int64_t id = resolveDocumentArgument(*service, inv.positional[0], job);
        doc = service->document(id);
        const analysis::Summary s = service->summarize(id, job);
        heading();
        printDeviceNote(io.err, s.metrics);
        if (inv.json) {
            auto j = toJson(s);
            if (doc) j["document"] = toJson(*doc);
            io.out << j.dump(2) << "\n";
            return 0;
        }
        if (s.extractive) io.out << s.text;
        io.out << "\n";
        printCitations(io.out, s.citations, !s.extractive);
        printMetrics(io.out, s.metrics);
        if (!s.storeError.empty())
            io.err << "longview-cli: the summary was not kept in the library: " << s.storeError
                   << "\n";
        return 0;
    };
    return c;
}

} // namespace lv::cli
