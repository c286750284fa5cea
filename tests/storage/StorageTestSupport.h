// Shared pieces of the storage tests: temporary libraries, real text split into
// paragraphs, state-like byte patterns, and database checks.
#pragma once

#include "storage/Connection.h"
#include "storage/DocumentStore.h"

#include "RealText.h"
#include "StateBytes.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lv::storage::test {

inline std::filesystem::path libraryIn(const QTemporaryDir& dir, const char* name = "library.db") {
    return std::filesystem::path(dir.path().toStdString()) / name;
}

inline std::string integrityCheck(Connection& c) {
    auto s = c.statement("PRAGMA integrity_check");
    std::string result;
    while (s->step()) {
        if (!result.empty()) result += "; ";
        result += s->text(0);
    }
    return result;
}

// FTS5's own check that the index matches the external content table; throws
// StorageError(Corrupt) when it does not.
inline void ftsIntegrityCheck(Connection& c) {
    c.exec("INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)");
}

inline std::int64_t count(Connection& c, const std::string& table) {
    return c.queryInt64("SELECT count(*) FROM " + table);
}

} // namespace lv::storage::test

#define LV_REQUIRE_FILE(path)                                                                      \
    do {                                                                                           \
        if (!std::filesystem::exists(path))                                                        \
            QSKIP(qPrintable(QStringLiteral("needs %1 (Debian's base-files)").arg(path)));         \
    } while (0)
