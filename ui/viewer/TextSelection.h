// Selecting text on PDF pages: a page's words grouped into lines and hit-tested down to
// the character, and a range in reading order (it may span pages) with its text and
// rectangles.
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

// A caret in the document: before character ch of a word (its index among the page's
// words); ch = the word's length is after its last character.
struct TextPosition {
    int page = -1;
    int word = -1;
    int ch = 0;

    bool isValid() const { return page >= 0 && word >= 0; }
    friend auto operator<=>(const TextPosition&, const TextPosition&) = default;
};

// Carets on one page: from character firstChar of firstWord to before character endChar of
// lastWord (the separators between the words included).
struct PageRange {
    int firstWord = -1, firstChar = 0, lastWord = -1, endChar = 0;
    bool isValid() const { return firstWord >= 0; }
    friend bool operator==(const PageRange&, const PageRange&) = default;
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
    // The caret within word nearest x: the boundary between the characters the point
    // falls between.
    int caretIn(int word, double x) const;
    // The caret a selection reaches when the mouse is at point (nearestWord's word, then
    // caretIn); {-1, 0} on a page without words.
    std::pair<int, int> nearestCaret(QPointF point) const;
    // The first and last word of the line that holds word.
    std::pair<int, int> lineOf(int word) const;
    // Whole words first..last (clamped to the page).
    PageRange words(int first, int last) const;

    // The text of a range: a space between words of a line unless the PDF sets them
    // flush, a newline between lines.
    QString text(const PageRange& range) const;
    QString text(int first, int last) const { return text(words(first, last)); }
    // One rectangle (points) per line the range touches, covering the spaces between its
    // words too and only the selected characters of its end words.
    QList<QRectF> rects(const PageRange& range) const;
    QList<QRectF> rects(int first, int last) const { return rects(words(first, last)); }
    // Character i of word's box.
    QRectF charBox(int word, int i) const;

private:
    bool rightToLeft(int word) const;
    double caretX(int word, int ch) const; // where the caret before character ch stands

    std::vector<PageWord> words_;
    std::vector<int> lineFirst_; // per word: the first word of its line
    std::vector<int> lineLast_;  // per word: the last word of its line
    QRectF bounds_;              // all the words' boxes
};

// The characters between an anchor caret (where the drag began) and a focus caret (where
// it is now), in reading order: pages in order, then words in the page's order.
class TextSelection {
public:
    bool isEmpty() const { return !anchor_.isValid() || anchor_ == focus_; }
    void clear() { anchor_ = focus_ = {}; }
    // An invalid position on either side clears the selection.
    void select(TextPosition anchor, TextPosition focus);

    TextPosition anchor() const { return anchor_; }
    TextPosition focus() const { return focus_; }
    TextPosition start() const { return std::min(anchor_, focus_); }
    TextPosition end() const { return std::max(anchor_, focus_); }
    std::pair<int, int> pages() const { return {start().page, end().page}; } // -1s when empty

    // What is selected of page (whose words are text); invalid where nothing is.
    PageRange rangeOn(int page, const PageText& text) const;

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
