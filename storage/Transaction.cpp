#include "storage/Transaction.h"

#include <atomic>

namespace lv::storage {

namespace {
std::string nextSavepointName() {
    static std::atomic<unsigned long long> counter{0};
    return "lv_savepoint_" + std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}
} // namespace

Transaction::Transaction(Connection& connection, TransactionMode mode) : connection_(&connection) {
    if (connection.inTransaction()) {
        savepoint_ = nextSavepointName();
        connection.exec("SAVEPOINT " + savepoint_);
    } else {
        connection.exec(mode == TransactionMode::Immediate ? "BEGIN IMMEDIATE" : "BEGIN");
    }
}

Transaction::~Transaction() {
    if (!active_) return;
    try {
        rollback();
    } catch (...) {
        // Nothing sensible to do in a destructor; SQLite rolls back on close anyway.
    }
}

void Transaction::commit() {
    if (!active_) throw connection_->error(StorageErrorKind::Other, "transaction already ended");
    // On failure (disk full at commit) the transaction stays active and the
    // destructor rolls it back.
    connection_->exec(savepoint_.empty() ? std::string("COMMIT") : "RELEASE " + savepoint_);
    active_ = false;
}

void Transaction::rollback() {
    if (!active_) return;
    active_ = false;
    // After SQLITE_FULL or an I/O error SQLite may already have rolled the whole
    // transaction back; then there is nothing left to undo.
    if (!connection_->inTransaction()) return;
    if (savepoint_.empty()) {
        connection_->exec("ROLLBACK");
    } else {
        connection_->exec("ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_);
    }
}

} // namespace lv::storage
