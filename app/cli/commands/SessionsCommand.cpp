#include "cli/HumanOutput.h"
#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include <cstdio>
#include <ostream>

namespace lv::cli {

Command makeSessionsCommand() {
    Command c;
    c.name = "sessions";
    c.summary = "list question-and-answer sessions, or show one";
    c.usage = "sessions [SESSION_ID] [--document ID] [--json]";
    c.options = {{"document", "ID", "only the sessions of this document"}};
    c.maxPositional = 1;
    c.run = [](const Invocation& inv, CommandIo& io) {
        auto service = makeService(inv);
        if (!inv.positional.empty()) {
            const std::int64_t sessionId = std::stoll(inv.positional[0]);
            const auto messages = service->messages(sessionId);
            if (inv.json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& m : messages)
                    arr.push_back(toJson(m));
                io.out << nlohmann::json{{"session_id", sessionId}, {"messages", arr}}.dump(2)
                       << "\n";
                return 0;
            }
            for (const auto& m : messages) {
                io.out << "Q: " << m.question << "\nA: " << m.answer << "\n";
                printCitations(io.out, m.citations);
                io.out << "\n";
            }
            return 0;
        }
        std::optional<std::int64_t> doc;
        if (inv.has("document")) doc = inv.intOr("document", 0);
        const auto sessions = service->sessions(doc);
        if (inv.json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& s : sessions)
                arr.push_back(toJson(s));
            io.out << arr.dump(2) << "\n";
            return 0;
        }
        if (sessions.empty()) {
            io.out << "No sessions yet: ask a question with 'longview-cli ask DOC \"...\"'.\n";
            return 0;
        }
        for (const auto& s : sessions) {
            char head[64];
            std::snprintf(head, sizeof head, "%5lld  ", (long long)s.id);
            io.out << head << s.createdAt << "  " << column(s.documentTitle, 30, 30) << "  "
                   << column(std::to_string(s.messages) +
                                 (s.messages == 1 ? " message" : " messages"),
                             12, 12)
                   << "  last: " << column(s.lastQuestion, 60) << "\n";
        }
        return 0;
    };
    return c;
}

} // namespace lv::cli
