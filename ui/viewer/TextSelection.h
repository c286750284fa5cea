// Selecting text on PDF pages: a page's words grouped into lines and hit-tested, and a
// range of words in reading order (it may span pages) with its text and rectangles.
#pragma once

#include "ui/viewer/PassageLocator.h"

#include <QList>
#include <QPointF>
#include <QRectF>
#include <QString>

#include <compare>
#include <functional>
#include <utility>
#include <vector>

namespace lv::ui {

// A word of the document: its page and its index among the page's words.
struct TextPosition {
    int page = -1;
    int word = -1;

    bool isValid() const { return page >= 0 && word >= 0; }
    friend auto operator<=>(const TextPosition&, const TextPosition&) = default;
};

// The words of one page in reading order, with the lines the text extractor found
// (PageWord::endsLine). Built on a worker thread, then only read.
class PageText {
public:
    PageText() = default;
    explicit PageText(std::vector<PageWord> words);

    int wordCount() const { return int(words_.size()); }
    bool isEmpty() const { return words_.empty(); }
    const PageWord& word(int i) const { return words_.at(std::size_t(i)); }

    // The word nearest point (points on the page) when it is at most slop points away
    // from its box; -1 otherwise. Tells "over text" from margins and blank space.
    int wordAt(QPointF point, double slop) const;
    // The word a selection reaches when the mouse is at point: above all the text, the
    // first word; below it, the last; otherwise the word whose box is nearest. -1 on a
    // page without words.
    int nearestWord(QPointF point) const;
    // The first and last word of the line that holds word.
    std::pair<int, int> lineOf(int word) const;

    // Words first..last (inclusive): a space between words of a line unless the PDF
    // sets them flush, a newline between lines.
    QString text(int first, int last) const;
    // One rectangle (points) per line that words first..last touch, covering the
    // spaces between the words too.
    QList<QRectF> rects(int first, int last) const;

private:
    std::vector<PageWord> words_;
    std::vector<int> lineFirst_; // per word: the first word of its line
    std::vector<int> lineLast_;  // per word: the last word of its line
    QRectF bounds_;              // all the words' boxes
};

// The words between an anchor (where the drag began) and a focus (where it is now),
// both included, in reading order: pages in order, then words in the page's order.
class TextSelection {
public:
    bool isEmpty() const { return !anchor_.isValid(); }
    void clear() { anchor_ = focus_ = {}; }
    // An invalid position on either side clears the selection.
    void select(TextPosition anchor, TextPosition focus);

    TextPosition anchor() const { return anchor_; }
    TextPosition focus() const { return focus_; }
    TextPosition start() const { return std::min(anchor_, focus_); }
    TextPosition end() const { return std::max(anchor_, focus_); }
    std::pair<int, int> pages() const { return {start().page, end().page}; } // -1s when empty

    // The selected words of page, a page of wordCount words: {first, last}, or {-1, -1}.
    std::pair<int, int> wordsOn(int page, int wordCount) const;

    // The selected text, pages apart by a blank line. pageText gives a page's words,
    // or null when they are not at hand: such pages are left out and, when missing
    // is given, listed there.
    QString text(const std::function<const PageText*(int page)>& pageText,
                 QList<int>* missing = nullptr) const;

    friend bool operator==(const TextSelection&, const TextSelection&) = default;

private:
    TextPosition anchor_;
    TextPosition focus_;
};

} // namespace lv::ui
