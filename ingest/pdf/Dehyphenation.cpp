#include "ingest/pdf/Dehyphenation.h"

namespace lv::ingest {

namespace {

bool isHyphen(QChar c) {
    return c == QLatin1Char('-') || c == QChar(0x00AD) || c == QChar(0x2010);
}

} // namespace

bool endsWithBrokenWord(const QString& line) {
    const qsizetype n = line.size();
    return n >= 2 && isHyphen(line[n - 1]) && line[n - 2].isLetter();
}

void appendLine(QString& text, const QString& next) {
    const QString piece = next.trimmed();
    if (piece.isEmpty()) return;
    if (text.isEmpty()) {
        text = piece;
        return;
    }
    while (!text.isEmpty() && text.back().isSpace())
        text.chop(1);
    if (endsWithBrokenWord(text)) {
        const QChar hyphen = text.back();
        if (hyphen == QChar(0x00AD)) {
            // A soft hyphen only ever marks a break.
            text.chop(1);
        } else if (piece.front().isLower()) {
            text.chop(1);
        }
        // "Hewlett-" + "Packard": a real hyphen, kept, and no space.
        text += piece;
        return;
    }
    text += QLatin1Char(' ');
    text += piece;
}

QString joinLines(const QStringList& lines) {
    QString text;
    for (const QString& line : lines)
        appendLine(text, line);
    return text;
}

} // namespace lv::ingest
