#include "storage/SessionStore.h"

#include "storage/Clock.h"
#include "storage/Transaction.h"

namespace lv::storage {

namespace {

constexpr const char* kSessionSelect =
    "SELECT s.id, s.document_id, s.title, s.model, s.created_at, s.updated_at, "
    "(SELECT count(*) FROM messages AS m WHERE m.session_id = s.id) FROM sessions AS s ";

SessionRecord readSession(Statement& s) {
    SessionRecord r;
    r.id = s.int64(0);
    r.documentId = s.optionalInt64(1);
    r.title = s.text(2);
    r.model = s.text(3);
    r.createdAt = s.int64(4);
    r.updatedAt = s.int64(5);
    r.messageCount = s.int64(6);
    return r;
}

// An update time that is at least now and later than any other session's, so
// that "most recently updated" is exact even within one millisecond.
constexpr const char* kNextUpdate =
    "max(?, (SELECT coalesce(max(updated_at), 0) FROM sessions) + 1)";

} // namespace

std::int64_t SessionStore::createSession(const NewSession& session) {
    auto op = c_->operation("create session");
    const std::int64_t now = nowMilliseconds();
    auto s = c_->statement(std::string("INSERT INTO sessions (document_id, title, model, "
                                       "created_at, updated_at) VALUES (?, ?, ?, ?, ") +
                           kNextUpdate + ")");
    s->bindAll(session.documentId, session.title, session.model, now, now).run();
    return c_->lastInsertRowId();
}

bool SessionStore::renameSession(std::int64_t id, const std::string& title) {
    auto op = c_->operation("rename session " + std::to_string(id));
    auto s = c_->statement(std::string("UPDATE sessions SET title = ?, updated_at = ") +
                           kNextUpdate + " WHERE id = ?");
    s->bindAll(title, nowMilliseconds(), id).run();
    return c_->changes() > 0;
}

bool SessionStore::removeSession(std::int64_t id) {
    auto op = c_->operation("remove session " + std::to_string(id));
    auto s = c_->statement("DELETE FROM sessions WHERE id = ?");
    s->bindAll(id).run();
    return c_->changes() > 0;
}

std::optional<SessionRecord> SessionStore::session(std::int64_t id) {
    auto op = c_->operation("read session " + std::to_string(id));
    auto s = c_->statement(std::string(kSessionSelect) + "WHERE s.id = ?");
    s->bindAll(id);
    if (!s->step()) return std::nullopt;
    return readSession(*s);
}

std::vector<SessionRecord> SessionStore::sessions(std::optional<std::int64_t> documentId) {
    auto op = c_->operation("list sessions");
    auto s = c_->statement(std::string(kSessionSelect) + "WHERE ?1 IS NULL OR s.document_id = ?1 "
                                                         "ORDER BY s.updated_at DESC, s.id DESC");
    s->bind(1, documentId);
    std::vector<SessionRecord> out;
    while (s->step())
        out.push_back(readSession(*s));
    return out;
}

std::int64_t SessionStore::addMessage(std::int64_t sessionId, const NewMessage& m) {
    auto op = c_->operation("add message to session " + std::to_string(sessionId));
    Transaction tx(*c_);
    const std::int64_t now = nowMilliseconds();
    {
        auto touch = c_->statement(std::string("UPDATE sessions SET updated_at = ") + kNextUpdate +
                                   " WHERE id = ?");
        touch->bindAll(now, sessionId).run();
        if (c_->changes() == 0)
            throw c_->error(StorageErrorKind::InvalidArgument,
                            "no session with id " + std::to_string(sessionId));
    }
    auto s = c_->statement(
        "INSERT INTO messages (session_id, ordinal, question, answer, citations, metrics, "
        "created_at) VALUES (?1, (SELECT coalesce(max(ordinal) + 1, 0) FROM messages "
        "WHERE session_id = ?1), ?2, ?3, ?4, ?5, ?6)");
    s->bindAll(sessionId, m.question, m.answer, m.citationsJson, m.metricsJson, now).run();
    const std::int64_t id = c_->lastInsertRowId();
    tx.commit();
    return id;
}

std::vector<MessageRecord> SessionStore::messages(std::int64_t sessionId) {
    auto op = c_->operation("read messages of session " + std::to_string(sessionId));
    auto s = c_->statement("SELECT id, session_id, ordinal, question, answer, citations, "
                           "metrics, created_at FROM messages WHERE session_id = ? "
                           "ORDER BY ordinal");
    s->bindAll(sessionId);
    std::vector<MessageRecord> out;
    while (s->step()) {
        MessageRecord r;
        r.id = s->int64(0);
        r.sessionId = s->int64(1);
        r.ordinal = s->int64(2);
        r.question = s->text(3);
        r.answer = s->text(4);
        r.citationsJson = s->text(5);
        r.metricsJson = s->text(6);
        r.createdAt = s->int64(7);
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace lv::storage
