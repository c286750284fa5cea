#include "ingest/pdf/Dehyphenation.h"

namespace lv::ingest {

namespace {

bool isHyphen(QChar c) {
    return c == QLatin1Char('-') || c == QChar(0x00AD) || c == QChar(0x2010);
}

// Whether the text before a line-end hyphen, back to the last space, reads as the start
// of a word that typesetting broke: letters only, not all capitals. "-Wno-", "G_SLICE=
// always-", "state-of-" (a compound already hyphenated) and "LOCK-" keep their hyphen:
// options, identifiers and compounds are where a dropped hyphen changes what is written.
bool brokenWordStart(const QString& text) {
    const qsizetype hyphen = text.size() - 1;
    qsizetype start = hyphen;
    while (start > 0 && !text[start - 1].isSpace())
        --start;
    // Opening punctuation ("(docu-") belongs to the sentence, not the word.
    while (start < hyphen && (text[start] == QLatin1Char('(') || text[start] == QLatin1Char('"') ||
                              text[start] == QChar(0x201C) || text[start] == QChar(0x2018)))
        ++start;
    bool lower = false;
    for (qsizetype i = start; i < hyphen; ++i) {
        if (!text[i].isLetter()) return false;
        lower = lower || text[i].isLower();
    }
    return lower || hyphen - start == 1; // "A-" + "ware" is a word broken after its capital
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
        } else if (piece.front().isLower() && brokenWordStart(text)) {
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
