// Bytes of a text file to a QString: UTF-8 (with or without BOM), UTF-16 by BOM,
// else Windows-1252 or Latin-1; line endings normalised to LF.
#pragma once

#include <QByteArray>
#include <QString>

namespace lv::ingest {

struct DecodedText {
    QString text;          // LF line endings only
    QString encoding;      // "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "Windows-1252", "ISO-8859-1"
    bool crlf = false;     // the file had CRLF (or lone CR) line endings
    bool replaced = false; // bytes invalid in its Unicode encoding became U+FFFD
    bool legacy() const { return !encoding.startsWith(QLatin1String("UTF")); }
    // What a reader should be told, or empty: "not UTF-8, decoded as Windows-1252",
    // "invalid UTF-16LE bytes replaced" (a truncated or damaged file).
    QString problem() const;
};

DecodedText decodeText(const QByteArray& bytes);

// Git's rule: a NUL byte in the first 8000 bytes makes a file binary
// (UTF-16 with a BOM excepted).
bool looksBinary(const QByteArray& bytes);

// "a\r\nb\rc" -> "a\nb\nc"; sets *hadCr when anything changed.
QString normaliseLineEndings(QString text, bool* hadCr = nullptr);

} // namespace lv::ingest
