// Joins the lines of a paragraph into one string, undoing line-end hyphenation:
// "docu-" + "ments" -> "documents"; "Hewlett-" + "Packard" keeps its hyphen.
#pragma once

#include <QString>
#include <QStringList>

namespace lv::ingest {

// Whether `line` ends with a word broken by a hyphen (ASCII, soft or U+2010).
bool endsWithBrokenWord(const QString& line);

// Appends `next` to `text` as the following line: a space between them, or
// none (and no hyphen) when a lower-case continuation completes a broken word. A
// hyphen after an option, an identifier, a compound or a word in capitals stays.
void appendLine(QString& text, const QString& next);

QString joinLines(const QStringList& lines);

} // namespace lv::ingest
