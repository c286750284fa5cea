// Question-and-answer sessions and their messages, with citations and metrics
// kept as the JSON the analysis layer writes.
#pragma once

#include "storage/Connection.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lv::storage {

struct NewSession {
    std::optional<std::int64_t> documentId; // removed with the document
    std::string title;
    std::string model; // name or fingerprint of the model used, "" for extractive
};

struct SessionRecord {
    std::int64_t id = 0;
    std::optional<std::int64_t> documentId;
    std::string title;
    std::string model;
    std::int64_t createdAt = 0; // ms since the epoch
    std::int64_t updatedAt = 0; // ms since the epoch, strictly increasing per change
    std::int64_t messageCount = 0;
};

struct NewMessage {
    std::string question;
    std::string answer;
    std::string citationsJson = "[]"; // valid JSON
    std::string metricsJson = "{}";   // timings and metrics, valid JSON
};

struct MessageRecord : NewMessage {
    std::int64_t id = 0;
    std::int64_t sessionId = 0;
    std::int64_t ordinal = 0; // 0-based position in the session
    std::int64_t createdAt = 0;
};

class SessionStore {
public:
    explicit SessionStore(Connection& connection) : c_(&connection) {}

    std::int64_t createSession(const NewSession& session);
    bool renameSession(std::int64_t id, const std::string& title);
    bool removeSession(std::int64_t id);
    std::optional<SessionRecord> session(std::int64_t id);
    // Most recently updated first; documentId: that document's sessions only.
    std::vector<SessionRecord> sessions(std::optional<std::int64_t> documentId = std::nullopt);

    // Appends to the session (atomically with its updated_at); returns the id.
    std::int64_t addMessage(std::int64_t sessionId, const NewMessage& message);
    std::vector<MessageRecord> messages(std::int64_t sessionId); // in order

private:
    Connection* c_;
};

} // namespace lv::storage
