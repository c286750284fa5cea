#include "storage/Statement.h"

#include "storage/Connection.h"

#include <sqlite3.h>

#include <limits>

namespace lv::storage {

Statement::Statement(ConnectionHandle& connection, std::string_view sql, bool persistent)
    : connection_(&connection) {
    if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        connection.fail(SQLITE_TOOBIG, "prepare");
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(connection.db, sql.data(), static_cast<int>(sql.size()),
                                      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, &tail);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
        connection.fail(rc, "prepare '" + std::string(sql.substr(0, 60)) + "'");
    }
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        connection_ = other.connection_;
        stmt_ = other.stmt_;
        other.stmt_ = nullptr;
    }
    return *this;
}

std::string_view Statement::sql() const {
    const char* text = sqlite3_sql(stmt_);
    return text ? std::string_view(text) : std::string_view();
}

void Statement::check(int rc, const char* what) {
    if (rc != SQLITE_OK) connection_->fail(rc, what);
}

Statement& Statement::bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    check(sqlite3_bind_double(stmt_, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // A non-null pointer even for "" so that the value is '' and not NULL.
    check(sqlite3_bind_text64(stmt_, index, text.empty() ? "" : text.data(), text.size(),
                              SQLITE_TRANSIENT, SQLITE_UTF8),
          "bind");
    return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
    check(sqlite3_bind_null(stmt_, index), "bind");
    return *this;
}

Statement& Statement::bindBlob(int index, std::span<const std::byte> bytes) {
    static const std::byte empty{};
    check(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &empty : bytes.data(), bytes.size(),
                              SQLITE_TRANSIENT),
          "bind");
    return *this;
}

Statement& Statement::bindBlobUncopied(int index, std::span<const std::byte> bytes) {
    static const std::byte empty{};
    check(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &empty : bytes.data(), bytes.size(),
                              SQLITE_STATIC),
          "bind");
    return *this;
}

Statement& Statement::bindZeroBlob(int index, std::int64_t size) {
    check(sqlite3_bind_zeroblob64(stmt_, index, static_cast<sqlite3_uint64>(size)), "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // Keep the message before reset() releases the statement's locks.
    try {
        connection_->fail(rc, "");
    } catch (...) {
        sqlite3_reset(stmt_);
        throw;
    }
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (!p) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::optionalText(int column) const {
    if (isNull(column)) return std::nullopt;
    return text(column);
}

std::optional<std::int64_t> Statement::optionalInt64(int column) const {
    if (isNull(column)) return std::nullopt;
    return int64(column);
}

std::span<const std::byte> Statement::blob(int column) const {
    const void* p = sqlite3_column_blob(stmt_, column);
    const int n = sqlite3_column_bytes(stmt_, column);
    if (!p || n <= 0) return {};
    return {static_cast<const std::byte*>(p), static_cast<std::size_t>(n)};
}

CachedStatement::CachedStatement(Statement&& owned) : owned_(std::move(owned)) {
    statement_ = &*owned_;
}

CachedStatement::~CachedStatement() {
    statement_->reset();
    if (inUse_) *inUse_ = false;
}

} // namespace lv::storage
