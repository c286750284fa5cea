// A read-only view of a source or text file: line numbers, syntax colouring computed
// off the UI thread and applied in slices, cited line ranges and find matches marked.
#pragma once

#include "ui/viewer/SyntaxRules.h"

#include <QFuture>
#include <QPlainTextEdit>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <vector>

namespace lv::ui {

class CodeEditor : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit CodeEditor(QWidget* parent = nullptr);
    ~CodeEditor() override;

    // Replaces the text; large files arrive in slices so that the UI stays live.
    // loaded() is emitted once every line is in.
    void setContent(const QString& text, const SyntaxRules& rules);
    void clearContent();
    bool isLoading() const { return loading_; }
    bool isDisposing() const { return !retiring_.empty(); } // an old document is being freed
    int lineCount() const { return lineCount_; }
    QString languageName() const { return rules_.languageName(); }

    // 1-based, inclusive; scrolls the range into the middle of the view. Waits
    // for the lines when they are still loading.
    void showLines(int first, int last);
    std::pair<int, int> shownLines() const { return shown_; }
    int firstVisibleLine() const;

    void find(const QString& text, bool caseSensitive);
    void clearFind();
    int matchCount() const { return int(matches_.size()); }
    int currentMatch() const { return currentMatch_; }
    void setCurrentMatch(int index);
    void nextMatch();
    void previousMatch();

    void zoomIn();
    void zoomOut();
    void resetZoom();

    int lineNumberAreaWidth() const;

signals:
    void loaded();
    void matchesChanged(int count, int current, bool searching);

protected:
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    class LineNumberArea;
    struct Prepared {
        // The text in slices of at most kLinesPerSlice lines and about kCharsPerSlice
        // characters, each laid out in one turn of the event loop.
        std::vector<QString> slices;
        std::vector<int> sliceFirstLine;           // 0-based, per slice
        std::vector<std::vector<TokenSpan>> spans; // per line
        int lines = 0;
    };

    static Prepared prepare(const QString& text, const SyntaxRules& rules);
    void appendNextSlice();
    void retireDocument();
    void disposeSlice();
    void applyFormats(int firstLine, int lastLine);
    void restyleAll();
    void rebuildFormats();
    void updateExtraSelections();
    void paintLineNumbers(QPaintEvent* event);
    void updateLineNumberArea(const QRect& rect, int dy);
    void applyFont();

    LineNumberArea* lineNumbers_ = nullptr;
    SyntaxRules rules_ = SyntaxRules::plainText();
    std::shared_ptr<Prepared> prepared_;
    quint64 generation_ = 0;
    std::size_t nextSlice_ = 0;
    bool loading_ = false;
    int lineCount_ = 0;
    QTimer sliceTimer_;
    QTimer restyleTimer_;
    QTimer disposeTimer_;
    std::vector<QPointer<QTextDocument>> retiring_; // children of this editor, emptied in slices
    int restyleLine_ = 0;

    std::vector<QTextCharFormat> formats_; // by TokenKind

    std::pair<int, int> shown_{0, 0};
    std::pair<int, int> pendingShow_{0, 0};

    QFuture<std::vector<int>> search_;
    quint64 searchGeneration_ = 0;
    QString findText_;
    std::vector<int> matches_; // character positions
    int currentMatch_ = -1;

    int zoomSteps_ = 0;
};

} // namespace lv::ui
