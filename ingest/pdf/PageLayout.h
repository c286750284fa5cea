// Layout analysis of one page: words (boxes in points) into lines in reading
// order, with columns found from vertical whitespace and tables kept as rows.
#pragma once

#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>

#include <vector>

namespace lv::ingest {

// Whether a word's characters advance by the same amount whatever the letter (a
// fixed-pitch font: code, terminal output) or not; Unknown where the word has no letters
// that a proportional font sets at different widths ("}", "end", "42"), or no character
// boxes at all (OCR).
enum class Pitch { Unknown, Fixed, Proportional };

struct TextWord {
    QString text;
    QRectF box; // points, origin at the page's top left
    bool spaceAfter = true;
    Pitch pitch = Pitch::Unknown;
    double charAdvance = 0; // mean advance of its characters; 0 where not measured
};

// Its digits as superscript digits: a footnote's marker raised after a word or figure
// ("2.09" and a raised "3" read "2.09³", never 2.093).
QString superscriptDigits(const QString& text);

// The pitch that a word's character advances show, `advances[i]` for `text[i]`.
Pitch pitchOf(const QString& text, const std::vector<double>& advances);

struct TextLine {
    QString text;
    QRectF box;
    double fontSize = 0;        // median word height, a proxy for the font size
    double firstWordHeight = 0; // a smaller first word is a footnote's marker
    double secondWordLeft = 0;  // where its second word starts (after a label); 0 if none
    int region = 0;             // the column region it belongs to; 0 is the page itself
    QRectF regionBox;           // that region's extent
    int table = -1;             // rows of one table share an id; -1 outside tables
    QStringList cells;          // table rows: the cells, left to right
    // It opens an entry of a list whose labels (markers, reference keys, clause numbers)
    // stand apart from the entries' text, as in a column of their own.
    bool opensListEntry = false;
    Pitch pitch = Pitch::Unknown; // Fixed: its words show a fixed pitch and none a proportional one
    double charAdvance = 0;       // the median advance of its characters; 0 where not measured
    // Where its words all carry character advances and none is proportional: the words with
    // the gaps between them as runs of spaces, one per character advance, so that aligned
    // code keeps its alignment. Empty otherwise.
    QString spacedText;
};

struct LayoutParameters {
    // Whitespace at least this many median word heights wide, running through
    // consecutive lines, separates columns.
    double gutterInHeights = 0.6;
    // ...and, between just two lines, this many (wide, as in a table).
    double twoLineGutterInHeights = 1.5;
    // Lines further apart than this many line heights do not share a band.
    double maxBandGapInLines = 1.5;
    // ...unless they are columns already and go on past a gap of up to this many.
    double maxColumnGapInLines = 4.0;
    // A band of columns is a table when its lines mostly have several cells of
    // at most this many words on average (text columns have full lines).
    double maxWordsPerTableCell = 4.0;
};

// `words` may come in any order. Lines come back in reading order: regions top
// to bottom, columns left to right, lines top to bottom.
std::vector<TextLine> layoutPage(const std::vector<TextWord>& words,
                                 const LayoutParameters& params = {});

} // namespace lv::ingest
