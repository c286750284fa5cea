#include "cli/HumanOutput.h"
#include "cli/Interrupt.h"
#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include "storage/StorageError.h"

#include <cstdio>
#include <ostream>

namespace lv::cli {

Command makeIngestCommand() {
    Command c;
    c.name = "ingest";
    c.summary = "ingest PDFs, folders (codebases) and text files into the library";
    c.usage = "ingest PATH... [--password P] [--json]";
    c.options = {{"password", "P", "password of an encrypted PDF"}};
    c.minPositional = 1;
    c.run = [](const Invocation& inv, CommandIo& io) {
        auto service = makeService(inv);
        analysis::JobControl job;
        InterruptGuard interrupt(job);
        attachProgress(job, io);
        nlohmann::json all = nlohmann::json::array();
        int failed = 0;
        for (const std::string& path : inv.positional) {
            analysis::IngestReport r;
            try {
                r = service->ingest(path, job);
            } catch (const storage::StorageError&) {
                throw; // the library, not this file: the next paths would fail the same way
            } catch (const std::runtime_error& e) {
                if (job.cancelled()) throw;
                // One bad file among many must not cost the others (the message names it).
                ++failed;
                io.err << "longview-cli: " << oneLine(e.what()) << "\n";
                if (inv.json) all.push_back({{"path", path}, {"error", e.what()}});
                continue;
            }
            if (inv.json) {
                auto j = toJson(r);
                j["path"] = path;
                all.push_back(std::move(j));
                continue;
            }
            const auto& d = r.document;
            char head[64]; // (the path streamed after it: any length)
            std::snprintf(head, sizeof head, "%-9s #%lld  ", kindName(d.kind), (long long)d.id);
            io.out << head << d.sourcePath << "\n";
            if (d.kind == analysis::DocumentKind::Pdf)
                io.out << "          " << counted(d.pages, "page", "pages") << ", "
                       << counted(d.characters, "character", "characters")
                       << (d.scannedPages ? ", " + std::to_string(d.scannedPages) + " scanned"
                                          : std::string())
                       << "\n";
            else if (d.kind == analysis::DocumentKind::Codebase)
                io.out << "          " << counted(d.files, "file", "files") << ", "
                       << counted(d.characters, "character", "characters") << "\n";
            else
                io.out << "          " << counted(d.characters, "character", "characters") << "\n";
            char line[96];
            std::snprintf(line, sizeof line, "          %s in %.2f s\n",
                          r.unchanged ? "unchanged, already in the library" : "ingested",
                          r.seconds);
            io.out << line;
            if (!r.skipped.empty())
                io.out << "          skipped: " << analysis::describeSkipped(r.skipped) << "\n";
            for (const auto& w : r.warnings)
                io.out << "          warning: " << w << "\n";
        }
        if (inv.json) io.out << all.dump(2) << "\n";
        return failed == 0 ? 0 : 1;
    };
    return c;
}

} // namespace lv::cli
