// Where the tests find the shared reference fixtures, and how GPU tests skip.
// LONGVIEW_FIXTURES overrides the default ../shared/fixtures beside the source tree.
#pragma once

#include <QDir>
#include <QString>
#include <QtTest>

#include <string>

namespace lv::test {

inline QString fixturesDir() {
    const QByteArray env = qgetenv("LONGVIEW_FIXTURES");
    if (!env.isEmpty()) return QDir(QString::fromLocal8Bit(env)).absolutePath();
    return QDir::cleanPath(QStringLiteral(LONGVIEW_SOURCE_DIR) + "/../shared/fixtures");
}

inline std::string fixturePath(const QString& relative) {
    return QDir(fixturesDir()).filePath(relative).toStdString();
}

} // namespace lv::test

// Skips the current test function when the fixtures are not where they should be,
// saying where they were looked for.
#define LV_REQUIRE_FIXTURES()                                                                     \
    do {                                                                                          \
        if (!QDir(lv::test::fixturesDir()).exists())                                              \
            QSKIP(qPrintable("reference fixtures not found at " + lv::test::fixturesDir() +      \
                             " (set LONGVIEW_FIXTURES)"));                                        \
    } while (0)
