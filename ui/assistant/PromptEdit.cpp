#include "ui/assistant/PromptEdit.h"

#include <QKeyEvent>
#include <QTextBlock>
#include <QTextDocument>

namespace lv::ui {

namespace {
constexpr int kMaxLines = 6;
}

PromptEdit::PromptEdit(QWidget* parent) : QPlainTextEdit(parent) {
    setTabChangesFocus(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    document()->setDocumentMargin(6);
    connect(this, &QPlainTextEdit::textChanged, this, [this] { updateGeometry(); });
}

int PromptEdit::heightForLines(int lines) const {
    const QMargins m = contentsMargins();
    return lines * fontMetrics().lineSpacing() + int(2 * document()->documentMargin()) + m.top() +
           m.bottom() + 2;
}

QSize PromptEdit::sizeHint() const {
    // Count visual lines, wrapped ones included.
    int lines = 0;
    for (QTextBlock b = document()->begin(); b.isValid(); b = b.next())
        lines += std::max(1, b.layout() ? b.layout()->lineCount() : 1);
    return QSize(200, heightForLines(std::clamp(lines, 2, kMaxLines)));
}

QSize PromptEdit::minimumSizeHint() const {
    return QSize(80, heightForLines(2));
}

void PromptEdit::keyPressEvent(QKeyEvent* event) {
    if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) &&
        !(event->modifiers() & (Qt::ShiftModifier | Qt::AltModifier))) {
        emit submitted();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

} // namespace lv::ui

#include "moc_PromptEdit.cpp"
