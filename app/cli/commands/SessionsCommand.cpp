#include "cli/HumanOutput.h"
#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <stdexcept>

namespace lv::cli {

Command makeSessionsCommand() {
    Command c;
    c.name = "sessions";
    c.summary = "list question-and-answer sessions, or show one";
    c.usage = "sessions [SESSION_ID] [--document ID] [--json]";
    c.options = {{"document", "ID", "only the sessions of this document"}};
    c.maxPositional = 1;
    c.run = [](const Invocation& inv, CommandIo& io) {
        std::optional<std::int64_t> sessionId, doc;
        if (!inv.positional.empty()) sessionId = parseInteger("SESSION_ID", inv.positional[0]);
        if (inv.has("document")) doc = inv.intOr("document", 0);
        auto service = makeService(inv);
        if (sessionId) {
            const auto messages = service->messages(*sessionId);
            // No messages is an answer only for a session that exists (its first question
            // failed); for any other id it would hide a typo.
            if (messages.empty()) {
                const auto all = service->sessions();
                if (std::none_of(all.begin(), all.end(), [&](const analysis::SessionInfo& s) {
                        return s.id == *sessionId;
                    }))
                    throw std::runtime_error("no session #" + std::to_string(*sessionId));
            }
            if (inv.json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& m : messages)
                    arr.push_back(toJson(m));
                io.out << nlohmann::json{{"session_id", *sessionId}, {"messages", arr}}.dump(2)
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
        if (doc && !service->document(*doc))
            throw std::runtime_error("no document #" + std::to_string(*doc) + " in the library " +
                                     service->databasePath() + " (see 'longview-cli list')");
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
        io.out << "   ID  CREATED              " << column("DOCUMENT", 30, 30) << "  "
               << column("MESSAGES", 12, 12) << "  LAST QUESTION\n";
        for (const auto& s : sessions) {
            char head[64];
            std::snprintf(head, sizeof head, "%5lld  ", (long long)s.id);
            io.out << head << s.createdAt << "  " << column(s.documentTitle, 30, 30) << "  "
                   << column(std::to_string(s.messages) +
                                 (s.messages == 1 ? " message" : " messages"),
                             12, 12)
                   << "  " << column(s.lastQuestion, 60) << "\n";
        }
        return 0;
    };
    return c;
}

} // namespace lv::cli
