// Layout analysis of one page: words (boxes in points) into lines in reading
// order, with columns found from vertical whitespace and tables kept as rows.
#pragma once

#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>

#include <vector>

namespace lv::ingest {

struct TextWord {
    QString text;
    QRectF box; // points, origin at the page's top left
    bool spaceAfter = true;
};

struct TextLine {
    QString text;
    QRectF box;
    double fontSize = 0;        // median word height, a proxy for the font size
    double firstWordHeight = 0; // a smaller first word is a footnote's marker
    int region = 0;             // the column region it belongs to; 0 is the page itself
    QRectF regionBox;           // that region's extent
    int table = -1;             // rows of one table share an id; -1 outside tables
    QStringList cells;          // table rows: the cells, left to right
};

struct LayoutParameters {
    // Whitespace at least this many median word heights wide, running through
    // consecutive lines, separates columns.
    double gutterInHeights = 0.6;
    // ...and, between just two lines, this many (wide, as in a table).
    double twoLineGutterInHeights = 1.5;
    // Lines further apart than this many line heights do not share a band.
    double maxBandGapInLines = 1.5;
    // A band of columns is a table when its lines mostly have several cells of
    // at most this many words on average (text columns have full lines).
    double maxWordsPerTableCell = 4.0;
};

// `words` may come in any order. Lines come back in reading order: regions top
// to bottom, columns left to right, lines top to bottom.
std::vector<TextLine> layoutPage(const std::vector<TextWord>& words,
                                 const LayoutParameters& params = {});

} // namespace lv::ingest
