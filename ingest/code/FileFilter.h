// Which files of a codebase a reader skips: binaries, minified and generated
// files, vendored trees. Each test names the reason it reports.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace lv::ingest {

// Reasons as they appear in SkipReport.
namespace skip {
inline const QString kBinary = QStringLiteral("binary");
inline const QString kTooLarge = QStringLiteral("too large");
inline const QString kMinified = QStringLiteral("minified");
inline const QString kGenerated = QStringLiteral("generated");
inline const QString kVendored = QStringLiteral("vendored directory");
inline const QString kSymlink = QStringLiteral("symbolic link");
inline const QString kUnreadable = QStringLiteral("unreadable");
} // namespace skip

// Images, archives, objects, fonts, media, model weights: skipped unread.
bool hasBinaryExtension(const QString& fileName);

// The first directory component of `path` that is a vendored tree
// ("vendor/x/y.go" -> "vendor"), or an empty string.
QString vendoredPrefix(const QString& path, const QStringList& vendoredNames);

// *.min.js, or text whose lines are machine-long (average over 300 characters,
// or most bytes in lines over 1000 characters).
bool looksMinified(const QString& fileName, const QByteArray& bytes);

// Lock files, protobuf/moc/uic output, and files whose first lines say
// "@generated", "Code generated ... DO NOT EDIT", "automatically generated".
bool looksGenerated(const QString& fileName, const QByteArray& bytes);

} // namespace lv::ingest
