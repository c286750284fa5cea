// Finds a cited passage among the words of a page, with their boxes, and returns one
// rectangle per line it covers. Quotes come from the ingested text, so spacing, line
// breaks and punctuation differ from the page; the match is made on normalised words.
#pragma once

#include <QList>
#include <QRectF>
#include <QString>

#include <vector>

namespace lv::ui {

struct PageWord {
    QString text;
    QRectF box;             // points
    bool spaceAfter = true; // false where the PDF sets the next word flush against it
    bool endsLine = false;  // the last word of its line, as the text extractor found lines
    // One box per QChar of text, where the extractor gave them (else empty: the word's box
    // is shared out evenly).
    std::vector<QRectF> chars{};
};

// Empty when fewer than min(3, words in the quote) consecutive words match.
QList<QRectF> locatePassage(const std::vector<PageWord>& words, const QString& quote);

} // namespace lv::ui
