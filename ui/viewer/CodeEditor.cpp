#include "ui/viewer/CodeEditor.h"

#include "ui/shell/Theme.h"

#include <QCoreApplication>
#include <QFontDatabase>
#include <QFutureWatcher>
#include <QLocale>
#include <QPainter>
#include <QScrollBar>
#include <QTextBlock>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace lv::ui {

namespace {
constexpr int kLinesPerSlice = 500;
// Laying out one line costs the UI thread time in proportion to its length: a 20 MB
// line (minified code, a log without newlines) froze the window for seconds. Longer
// lines are cut here, so every line keeps its number for citations and find.
constexpr qsizetype kLongestLineShown = 4000;
// Long lines make a slice of kLinesPerSlice lines too long to lay out within a frame.
constexpr qsizetype kCharsPerSlice = 64000;
constexpr int kLinesPerRestyle = 1000;
constexpr int kMaxMatches = 2000; // highlighted; more would slow every repaint
} // namespace

class CodeEditor::LineNumberArea : public QWidget {
public:
    explicit LineNumberArea(CodeEditor* editor) : QWidget(editor), editor_(editor) {}
    QSize sizeHint() const override { return QSize(editor_->lineNumberAreaWidth(), 0); }

protected:
    void paintEvent(QPaintEvent* event) override { editor_->paintLineNumbers(event); }

private:
    CodeEditor* editor_;
};

CodeEditor::CodeEditor(QWidget* parent) : QPlainTextEdit(parent) {
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFrameShape(QFrame::NoFrame);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    document()->setDocumentMargin(8);
    document()->setUndoRedoEnabled(false); // read-only: undo would only keep copies of every slice
    lineNumbers_ = new LineNumberArea(this);
    applyFont();
    rebuildFormats();

    connect(this, &QPlainTextEdit::blockCountChanged, this,
            [this] { setViewportMargins(lineNumberAreaWidth(), 0, 0, 0); });
    connect(this, &QPlainTextEdit::updateRequest, this, &CodeEditor::updateLineNumberArea);

    sliceTimer_.setInterval(0);
    connect(&sliceTimer_, &QTimer::timeout, this, &CodeEditor::appendNextSlice);
    disposeTimer_.setInterval(0);
    connect(&disposeTimer_, &QTimer::timeout, this, &CodeEditor::disposeSlice);
    restyleTimer_.setInterval(0);
    connect(&restyleTimer_, &QTimer::timeout, this, [this] {
        if (!prepared_ || restyleLine_ >= lineCount_) {
            restyleTimer_.stop();
            return;
        }
        const int last = std::min(lineCount_, restyleLine_ + kLinesPerRestyle) - 1;
        applyFormats(restyleLine_, last);
        restyleLine_ = last + 1;
    });
    setViewportMargins(lineNumberAreaWidth(), 0, 0, 0);
}

CodeEditor::~CodeEditor() {
    search_.cancel();
}

void CodeEditor::applyFont() {
    QFont f = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    const qreal base = f.pointSizeF() > 0 ? f.pointSizeF() : 10.0;
    f.setPointSizeF(std::clamp(base + zoomSteps_, 5.0, 48.0));
    setFont(f);
    lineNumbers_->setFont(f);
    setTabStopDistance(QFontMetricsF(f).horizontalAdvance(QLatin1Char(' ')) * 4);
    setViewportMargins(lineNumberAreaWidth(), 0, 0, 0);
}

void CodeEditor::zoomIn() {
    zoomSteps_ = std::min(zoomSteps_ + 1, 30);
    applyFont();
}

void CodeEditor::zoomOut() {
    zoomSteps_ = std::max(zoomSteps_ - 1, -5);
    applyFont();
}

void CodeEditor::resetZoom() {
    zoomSteps_ = 0;
    applyFont();
}

// Colours in the style of well-known light and dark code themes, chosen by the
// palette so that they follow the system theme.
void CodeEditor::rebuildFormats() {
    const bool dark = theme::isDark(palette());
    struct Colours {
        QColor keyword, type, string, comment, number, preproc, function, heading, emphasis, link;
    };
    const Colours c =
        dark ? Colours{QColor(0xff7b72), QColor(0xffa657), QColor(0xa5d6ff), QColor(0x8b949e),
                       QColor(0x79c0ff), QColor(0xff7b72), QColor(0xd2a8ff), QColor(0x79c0ff),
                       QColor(0x7ee787), QColor(0xa5d6ff)}
             : Colours{QColor(0xcf222e), QColor(0x953800), QColor(0x0a3069), QColor(0x6e7781),
                       QColor(0x0550ae), QColor(0xcf222e), QColor(0x8250df), QColor(0x0550ae),
                       QColor(0x116329), QColor(0x0a3069)};
    formats_.assign(10, QTextCharFormat());
    auto set = [this](TokenKind k, const QColor& colour, bool italic = false,
                      bool underline = false) {
        QTextCharFormat f;
        f.setForeground(colour);
        if (italic) f.setFontItalic(true);
        if (underline) f.setFontUnderline(true);
        formats_[std::size_t(k)] = f;
    };
    set(TokenKind::Keyword, c.keyword);
    set(TokenKind::Type, c.type);
    set(TokenKind::String, c.string);
    set(TokenKind::Comment, c.comment, true);
    set(TokenKind::Number, c.number);
    set(TokenKind::Preprocessor, c.preproc);
    set(TokenKind::Function, c.function);
    set(TokenKind::Heading, c.heading);
    set(TokenKind::Emphasis, c.emphasis);
    set(TokenKind::Link, c.link, false, true);
}

CodeEditor::Prepared CodeEditor::prepare(const QString& text, const SyntaxRules& rules) {
    Prepared p;
    int state = 0;
    QString slice;
    int inSlice = 0;
    qsizetype start = 0;
    const qsizetype n = text.size();
    while (start <= n) {
        qsizetype end = text.indexOf(QLatin1Char('\n'), start);
        const bool last = end < 0;
        if (last) end = n;
        QStringView line = QStringView(text).mid(start, end - start);
        if (line.endsWith(QLatin1Char('\r'))) line.chop(1);
        QString cut;
        if (line.size() > kLongestLineShown) {
            cut = line.left(kLongestLineShown).toString() + QStringLiteral(" … ") +
                  QCoreApplication::translate("CodeEditor", "[%1 more characters not shown]")
                      .arg(QLocale().toString(qlonglong(line.size() - kLongestLineShown)));
            line = cut;
        }
        p.spans.push_back(rules.highlightLine(line, state));
        if (inSlice == 0) p.sliceFirstLine.push_back(p.lines);
        if (inSlice > 0) slice += QLatin1Char('\n');
        slice += line;
        ++inSlice;
        ++p.lines;
        if (inSlice == kLinesPerSlice || slice.size() >= kCharsPerSlice) {
            p.slices.push_back(std::move(slice));
            slice.clear();
            inSlice = 0;
        }
        if (last) break;
        start = end + 1;
    }
    if (inSlice > 0 || p.slices.empty()) {
        if (inSlice == 0) p.sliceFirstLine.push_back(p.lines);
        p.slices.push_back(std::move(slice));
    }
    return p;
}

void CodeEditor::clearContent() {
    ++generation_;
    sliceTimer_.stop();
    restyleTimer_.stop();
    if (prepared_ && prepared_->lines > 4 * kLinesPerSlice) {
        // Freeing the spans of 100 000 lines takes a while: let a worker do it.
        (void)QtConcurrent::run([old = std::move(prepared_)]() mutable { old.reset(); });
    }
    prepared_.reset();
    loading_ = false;
    lineCount_ = 0;
    shown_ = pendingShow_ = {0, 0};
    clearFind();
    retireDocument();
}

void CodeEditor::retireDocument() {
    QTextDocument* old = document();
    if (old->blockCount() <= 4 * kLinesPerSlice) {
        clear();
        return;
    }
    // Destroying a document of 100 000 lines holds the UI thread for tens of
    // milliseconds: show a fresh one now and take the old one apart in slices.
    auto* fresh = new QTextDocument(this);
    fresh->setDocumentLayout(new QPlainTextDocumentLayout(fresh));
    fresh->setDocumentMargin(old->documentMargin());
    fresh->setUndoRedoEnabled(false);
    fresh->setDefaultFont(font());
    // The text control deletes a replaced document it owns; this editor owns it now.
    old->setParent(this);
    setDocument(fresh);
    retiring_.push_back(old);
    disposeTimer_.start();
}

void CodeEditor::disposeSlice() {
    while (!retiring_.empty()) {
        QTextDocument* doc = retiring_.front();
        if (doc && doc->blockCount() > kLinesPerSlice) {
            // By positions: moving block by block would lay out every line passed.
            const QTextBlock from = doc->findBlockByNumber(doc->blockCount() - kLinesPerSlice);
            QTextCursor c(doc);
            c.setPosition(from.position());
            c.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
            c.removeSelectedText();
            return; // one slice per turn of the event loop
        }
        delete doc;
        retiring_.erase(retiring_.begin());
    }
    disposeTimer_.stop();
}

void CodeEditor::setContent(const QString& text, const SyntaxRules& rules) {
    clearContent();
    rules_ = rules;
    loading_ = true;
    const quint64 generation = generation_;
    // The prepared text comes back as a pointer: copying 100 000 lines of spans on
    // the UI thread would cost more than a frame.
    auto* watcher = new QFutureWatcher<std::shared_ptr<Prepared>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != generation_ || watcher->future().resultCount() == 0) return;
        prepared_ = watcher->result();
        lineCount_ = prepared_->lines;
        nextSlice_ = 0;
        appendNextSlice();
    });
    watcher->setFuture(QtConcurrent::run(
        [text, rules] { return std::make_shared<Prepared>(prepare(text, rules)); }));
}

void CodeEditor::appendNextSlice() {
    if (!prepared_ || nextSlice_ >= prepared_->slices.size()) {
        sliceTimer_.stop();
        return;
    }
    const int firstLine = prepared_->sliceFirstLine[nextSlice_];
    QTextCursor cursor(document());
    cursor.movePosition(QTextCursor::End);
    cursor.beginEditBlock();
    if (nextSlice_ > 0) cursor.insertText(QStringLiteral("\n"));
    cursor.insertText(prepared_->slices[nextSlice_]);
    cursor.endEditBlock();
    prepared_->slices[nextSlice_].clear(); // the document holds it now
    ++nextSlice_;
    const int lastLine =
        (nextSlice_ < prepared_->slices.size() ? prepared_->sliceFirstLine[nextSlice_]
                                               : prepared_->lines) -
        1;
    applyFormats(firstLine, lastLine);
    if (nextSlice_ == 1) moveCursor(QTextCursor::Start);

    if (pendingShow_.first > 0 && pendingShow_.first - 1 <= lastLine) {
        const auto wanted = pendingShow_;
        pendingShow_ = {0, 0};
        showLines(wanted.first, wanted.second);
    }
    if (nextSlice_ < prepared_->slices.size()) {
        sliceTimer_.start();
        return;
    }
    sliceTimer_.stop();
    loading_ = false;
    if (pendingShow_.first > 0) {
        const auto wanted = pendingShow_;
        pendingShow_ = {0, 0};
        showLines(std::min(wanted.first, lineCount_), std::min(wanted.second, lineCount_));
    }
    if (!findText_.isEmpty()) find(findText_, false);
    emit loaded();
}

void CodeEditor::applyFormats(int firstLine, int lastLine) {
    if (!prepared_) return;
    QTextBlock block = document()->findBlockByNumber(firstLine);
    if (!block.isValid()) return;
    const int from = block.position();
    int to = from;
    for (int line = firstLine; line <= lastLine && block.isValid(); ++line, block = block.next()) {
        if (std::size_t(line) >= prepared_->spans.size()) break;
        const auto& spans = prepared_->spans[std::size_t(line)];
        to = block.position() + block.length();
        if (spans.empty() && block.layout()->formats().isEmpty()) continue;
        QList<QTextLayout::FormatRange> ranges;
        ranges.reserve(qsizetype(spans.size()));
        for (const TokenSpan& s : spans) {
            QTextLayout::FormatRange r;
            r.start = s.start;
            r.length = s.length;
            r.format = formats_[std::size_t(s.kind)];
            ranges.push_back(r);
        }
        block.layout()->setFormats(ranges);
    }
    // One relayout for the whole range rather than one per line.
    document()->markContentsDirty(from, std::max(0, to - from));
}

void CodeEditor::restyleAll() {
    rebuildFormats();
    restyleLine_ = 0;
    if (prepared_) restyleTimer_.start();
    updateExtraSelections();
}

void CodeEditor::changeEvent(QEvent* event) {
    QPlainTextEdit::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) restyleAll();
    if (event->type() == QEvent::FontChange) setViewportMargins(lineNumberAreaWidth(), 0, 0, 0);
}

int CodeEditor::firstVisibleLine() const {
    return firstVisibleBlock().blockNumber() + 1;
}

void CodeEditor::showLines(int first, int last) {
    if (first <= 0) return;
    if (last < first) last = first;
    if (document()->blockCount() < first || (loading_ && document()->blockCount() < last)) {
        pendingShow_ = {first, last};
        shown_ = {first, last};
        return;
    }
    shown_ = {first, last};
    const QTextBlock block = document()->findBlockByNumber(first - 1);
    QTextCursor cursor(block);
    setTextCursor(cursor);
    // Put the range in the upper third, where the eye lands after a jump.
    const int visibleLines =
        std::max(1, viewport()->height() / std::max(1, fontMetrics().lineSpacing()));
    const int span = last - first + 1;
    const int top = std::max(0, first - 1 - std::max(2, (visibleLines - span) / 3));
    verticalScrollBar()->setValue(top);
    updateExtraSelections();
}

int CodeEditor::lineNumberAreaWidth() const {
    int digits = 1;
    for (int max = std::max(1, std::max(lineCount_, blockCount())); max >= 10; max /= 10)
        ++digits;
    digits = std::max(digits, 3);
    return 20 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits;
}

void CodeEditor::resizeEvent(QResizeEvent* event) {
    QPlainTextEdit::resizeEvent(event);
    const QRect cr = contentsRect();
    lineNumbers_->setGeometry(QRect(cr.left(), cr.top(), lineNumberAreaWidth(), cr.height()));
}

void CodeEditor::updateLineNumberArea(const QRect& rect, int dy) {
    if (dy)
        lineNumbers_->scroll(0, dy);
    else
        lineNumbers_->update(0, rect.y(), lineNumbers_->width(), rect.height());
}

void CodeEditor::paintLineNumbers(QPaintEvent* event) {
    QPainter p(lineNumbers_);
    const QPalette pal = palette();
    p.fillRect(event->rect(), pal.color(QPalette::Base));
    const QColor numberColour = theme::secondaryText(pal);
    const QColor accent = pal.color(QPalette::Highlight);
    QTextBlock block = firstVisibleBlock();
    int number = block.blockNumber() + 1;
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    int bottom = top + qRound(blockBoundingRect(block).height());
    const int w = lineNumbers_->width();
    while (block.isValid() && top <= event->rect().bottom()) {
        if (block.isVisible() && bottom >= event->rect().top()) {
            const bool inShown =
                shown_.first > 0 && number >= shown_.first && number <= shown_.second;
            if (inShown) p.fillRect(QRect(w - 3, top, 3, bottom - top), accent);
            p.setPen(inShown ? pal.color(QPalette::Text) : numberColour);
            p.drawText(QRect(0, top, w - 12, bottom - top), Qt::AlignRight | Qt::AlignVCenter,
                       QString::number(number));
        }
        block = block.next();
        top = bottom;
        bottom = top + qRound(blockBoundingRect(block).height());
        ++number;
    }
}

// --- find -------------------------------------------------------------------

void CodeEditor::clearFind() {
    ++searchGeneration_;
    search_.cancel();
    findText_.clear();
    matches_.clear();
    currentMatch_ = -1;
    updateExtraSelections();
    emit matchesChanged(0, -1, false);
}

void CodeEditor::find(const QString& text, bool caseSensitive) {
    ++searchGeneration_;
    search_.cancel();
    matches_.clear();
    currentMatch_ = -1;
    findText_ = text;
    if (text.isEmpty()) {
        updateExtraSelections();
        emit matchesChanged(0, -1, false);
        return;
    }
    const quint64 generation = searchGeneration_;
    const QString haystack = toPlainText(); // implicitly shared copy for the worker
    const int from = textCursor().position();
    const Qt::CaseSensitivity cs = caseSensitive ? Qt::CaseSensitive : Qt::CaseInsensitive;
    auto* watcher = new QFutureWatcher<std::vector<int>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, from] {
        watcher->deleteLater();
        if (generation != searchGeneration_ || watcher->future().resultCount() == 0) return;
        matches_ = watcher->result();
        // The first match at or after the cursor, as readers expect.
        auto it = std::lower_bound(matches_.begin(), matches_.end(), from);
        setCurrentMatch(matches_.empty() ? -1
                                         : int(it == matches_.end() ? 0 : it - matches_.begin()));
    });
    search_ = QtConcurrent::run([haystack, text, cs](QPromise<std::vector<int>>& promise) {
        std::vector<int> found;
        qsizetype at = 0;
        while ((at = haystack.indexOf(text, at, cs)) >= 0 &&
               found.size() < std::size_t(kMaxMatches)) {
            if (promise.isCanceled()) return;
            found.push_back(int(at));
            at += text.size();
        }
        promise.addResult(std::move(found));
    });
    watcher->setFuture(search_);
    emit matchesChanged(0, -1, true);
}

void CodeEditor::setCurrentMatch(int index) {
    currentMatch_ = (index >= 0 && index < int(matches_.size())) ? index : -1;
    if (currentMatch_ >= 0) {
        QTextCursor c(document());
        c.setPosition(matches_[std::size_t(currentMatch_)]);
        c.setPosition(matches_[std::size_t(currentMatch_)] + int(findText_.size()),
                      QTextCursor::KeepAnchor);
        setTextCursor(c);
        centerCursor();
    }
    updateExtraSelections();
    emit matchesChanged(int(matches_.size()), currentMatch_, false);
}

void CodeEditor::nextMatch() {
    if (!matches_.empty()) setCurrentMatch((currentMatch_ + 1) % int(matches_.size()));
}

void CodeEditor::previousMatch() {
    if (!matches_.empty())
        setCurrentMatch((currentMatch_ - 1 + int(matches_.size())) % int(matches_.size()));
}

void CodeEditor::updateExtraSelections() {
    QList<QTextEdit::ExtraSelection> selections;
    const QPalette pal = palette();
    if (shown_.first > 0 && shown_.first <= document()->blockCount()) {
        QTextEdit::ExtraSelection sel;
        sel.format.setBackground(theme::accentFill(pal));
        sel.format.setProperty(QTextFormat::FullWidthSelection, true);
        QTextCursor c(document()->findBlockByNumber(shown_.first - 1));
        const QTextBlock lastBlock =
            document()->findBlockByNumber(std::min(shown_.second, document()->blockCount()) - 1);
        c.setPosition(lastBlock.position() + std::max(0, lastBlock.length() - 1),
                      QTextCursor::KeepAnchor);
        sel.cursor = c;
        selections.append(sel);
    }
    const bool dark = theme::isDark(pal);
    for (std::size_t i = 0; i < matches_.size(); ++i) {
        QTextEdit::ExtraSelection sel;
        const bool current = int(i) == currentMatch_;
        sel.format.setBackground(current ? QColor(255, 150, 50)
                                         : (dark ? QColor(120, 100, 20) : QColor(255, 230, 90)));
        if (current) sel.format.setForeground(Qt::black);
        QTextCursor c(document());
        c.setPosition(matches_[i]);
        c.setPosition(matches_[i] + int(findText_.size()), QTextCursor::KeepAnchor);
        sel.cursor = c;
        selections.append(sel);
    }
    setExtraSelections(selections);
}

} // namespace lv::ui

#include "moc_CodeEditor.cpp"
