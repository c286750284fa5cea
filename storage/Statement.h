// A prepared SQLite statement with typed binding and column access, and a lease on
// one kept in a connection's cache (reset and unbound when the lease ends).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace lv::storage {

struct ConnectionHandle;

class Statement {
public:
    Statement(ConnectionHandle& connection, std::string_view sql, bool persistent);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;

    // Parameters are 1-based, as in SQL. Text and ordinary blobs are copied.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::string& text) {
        return bind(index, std::string_view(text));
    }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, std::nullopt_t);
    template <class T> Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, std::nullopt);
    }
    Statement& bindBlob(int index, std::span<const std::byte> bytes);
    // No copy: bytes must stay alive and unchanged until the statement is reset.
    Statement& bindBlobUncopied(int index, std::span<const std::byte> bytes);
    Statement& bindZeroBlob(int index, std::int64_t size);

    // Binds the arguments to parameters 1..N.
    template <class... Args> Statement& bindAll(const Args&... args) {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }

    // True when a row is ready; false when done. Errors throw StorageError.
    bool step();
    // Steps to the end, for statements that return no rows.
    void run();
    void reset();

    bool isNull(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::optional<std::string> optionalText(int column) const;
    std::optional<std::int64_t> optionalInt64(int column) const;
    // Valid until the next step() or reset().
    std::span<const std::byte> blob(int column) const;

    sqlite3_stmt* handle() const { return stmt_; }
    std::string_view sql() const;

private:
    void check(int rc, const char* what);

    ConnectionHandle* connection_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

// A cached statement borrowed from a Connection; it goes back reset when the
// lease ends. When the cached copy is already borrowed (a nested use of the same
// SQL), the lease holds a private one.
class CachedStatement {
public:
    CachedStatement(Statement& cached, bool* inUse) : statement_(&cached), inUse_(inUse) {}
    explicit CachedStatement(Statement&& owned);
    ~CachedStatement();
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;

    Statement& operator*() { return *statement_; }
    Statement* operator->() { return statement_; }

private:
    std::optional<Statement> owned_;
    Statement* statement_;
    bool* inUse_ = nullptr;
};

} // namespace lv::storage
