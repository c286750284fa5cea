#include "cli/HumanOutput.h"
#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include <cstdio>
#include <ostream>

namespace lv::cli {

Command makeListCommand() {
    Command c;
    c.name = "list";
    c.summary = "list the documents in the library";
    c.usage = "list [--json]";
    c.maxPositional = 0;
    c.run = [](const Invocation& inv, CommandIo& io) {
        auto service = makeService(inv);
        const auto docs = service->documents();
        if (inv.json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& d : docs)
                arr.push_back(toJson(d));
            io.out << arr.dump(2) << "\n";
            return 0;
        }
        if (docs.empty()) {
            io.out << "The library at " << service->databasePath()
                   << " is empty: add documents with 'longview-cli ingest PATH'.\n";
            return 0;
        }
        char line[1024];
        std::snprintf(line, sizeof line, "%5s  %-8s  %11s  %-6s  %s\n", "ID", "KIND", "SIZE",
                      "STATE", "TITLE (SOURCE)");
        io.out << line;
        for (const auto& d : docs) {
            const std::string size =
                d.kind == analysis::DocumentKind::Pdf        ? std::to_string(d.pages) + " p."
                : d.kind == analysis::DocumentKind::Codebase ? counted(d.files, "file", "files")
                                                             : humanCount(d.characters) + " ch";
            std::snprintf(line, sizeof line, "%5lld  %-8s  %11s  %-6s  ", (long long)d.id,
                          kindName(d.kind), size.c_str(), d.stateCached ? "cached" : "-");
            io.out << line << d.title << " (" << d.sourcePath << ")\n"; // (any length)
        }
        return 0;
    };
    return c;
}

} // namespace lv::cli
