// Reading a source or text file for the viewer, off the UI thread: decoded as the
// ingesters decode it (UTF-8, UTF-16 by BOM, Windows-1252 or Latin-1; line endings made
// LF), binary and oversized files refused with a reason.
#pragma once

#include <QString>

namespace lv::ui {

struct SourceFile {
    QString path;
    QString text;
    QString error; // empty when text is valid
    qint64 bytes = 0;

    static constexpr qint64 kMaxBytes = 32ll * 1024 * 1024;
    static SourceFile read(const QString& path); // blocking
};

} // namespace lv::ui
