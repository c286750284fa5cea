// PDFs made for the GUI tests: text pages written with QPdfWriter, roman page labels
// added by an incremental update, and an encrypted copy (through qpdf when installed).
#pragma once

#include <QString>
#include <QStringList>

namespace lv::test {

// One page per string, wrapped to the page width in a 12 pt serif face.
bool writeTextPdf(const QString& path, const QStringList& pages, const QString& title);

// One page per HTML fragment, laid out by QTextDocument on A4 with generous margins:
// headings, paragraphs and lists that look like a real publication.
bool writeHtmlPdf(const QString& path, const QStringList& htmlPages, const QString& title);

// Labels the first romanPages pages i, ii, iii... and the rest 1, 2, 3...: the
// labelling of a book's front matter. Appends an incremental update to the file.
bool addRomanPageLabels(const QString& path, int romanPages);

// Writes an AES-encrypted copy of in to out that opens only with password.
// False (with the reason in error) when qpdf is not installed.
bool encryptPdf(const QString& in, const QString& out, const QString& password, QString* error);

} // namespace lv::test
