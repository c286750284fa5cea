// Shared pieces of the storage tests: temporary libraries, real text split into
// paragraphs, state-like byte patterns, and database checks.
#pragma once

#include "storage/Connection.h"
#include "storage/DocumentStore.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace lv::storage::test {

inline const char* kGpl3 = "/usr/share/common-licenses/GPL-3";
inline const char* kApache2 = "/usr/share/common-licenses/Apache-2.0";

inline std::filesystem::path libraryIn(const QTemporaryDir& dir, const char* name = "library.db") {
    return std::filesystem::path(dir.path().toStdString()) / name;
}

// Paragraphs (separated by blank lines) with runs of whitespace collapsed.
inline std::vector<std::string> paragraphsOf(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    std::string line, current;
    auto flush = [&] {
        if (!current.empty()) out.push_back(current);
        current.clear();
    };
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string w;
        bool any = false;
        while (words >> w) {
            if (!current.empty()) current += ' ';
            current += w;
            any = true;
        }
        if (!any) flush();
    }
    flush();
    return out;
}

inline std::vector<NewSegment> segmentsOf(const std::vector<std::string>& paragraphs) {
    std::vector<NewSegment> out;
    std::int64_t line = 1;
    for (const std::string& p : paragraphs) {
        NewSegment s;
        s.text = p;
        s.lineStart = line;
        s.lineEnd = line + static_cast<std::int64_t>(p.size() / 70);
        line = *s.lineEnd + 2;
        out.push_back(std::move(s));
    }
    return out;
}

// Bytes that look like a model state: float32 values of layer-dependent scale
// (random mantissas, so barely compressible) followed by bf16 values (their
// sign/exponent bytes repeat, so zstd shrinks them).
inline std::vector<std::byte> stateLikeBytes(std::size_t n, std::uint64_t seed) {
    std::vector<std::byte> out(n);
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const std::size_t half = (n / 2) & ~std::size_t{3};
    for (std::size_t i = 0; i + 4 <= half; i += 4) {
        const float v = normal(rng) * (1.0f + static_cast<float>((i >> 16) % 7));
        std::memcpy(out.data() + i, &v, 4);
    }
    for (std::size_t i = half; i + 2 <= n; i += 2) {
        const float v = normal(rng) * 0.05f;
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        const auto bf16 = static_cast<std::uint16_t>(bits >> 16);
        std::memcpy(out.data() + i, &bf16, 2);
    }
    if (n % 2) out[n - 1] = std::byte{0x5a};
    return out;
}

inline std::vector<std::byte> randomBytes(std::size_t n, std::uint64_t seed) {
    std::vector<std::byte> out(n);
    std::mt19937_64 rng(seed);
    for (std::size_t i = 0; i < n; i += 8) {
        const std::uint64_t v = rng();
        std::memcpy(out.data() + i, &v, std::min<std::size_t>(8, n - i));
    }
    return out;
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
