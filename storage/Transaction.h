// An explicit transaction that rolls back unless committed. Nested inside another
// transaction on the same connection it becomes a SAVEPOINT, so store functions
// that need atomicity compose with callers that batch several of them.
#pragma once

#include "storage/Connection.h"

#include <string>

namespace lv::storage {

enum class TransactionMode {
    Deferred,  // BEGIN: a read snapshot, upgraded to a write on the first write
    Immediate, // BEGIN IMMEDIATE: takes the write lock now (waits up to the busy timeout)
};

class Transaction {
public:
    explicit Transaction(Connection& connection, TransactionMode mode = TransactionMode::Immediate);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();
    void rollback();
    bool nested() const { return !savepoint_.empty(); }

private:
    Connection* connection_;
    std::string savepoint_; // empty: the outermost transaction
    bool active_ = true;
};

} // namespace lv::storage
