#include "ui/assistant/AskPage.h"

#include "ui/assistant/ChatView.h"
#include "ui/assistant/PromptEdit.h"
#include "ui/shell/EmptyState.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace lv::ui {

AskPage::AskPage(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    auto* header = new QHBoxLayout;
    header->setContentsMargins(14, 8, 8, 4);
    session_ = new QLabel(tr("New conversation"));
    newConversation_ = new QToolButton;
    newConversation_->setIcon(icons::themed(QStringLiteral("list-add")));
    newConversation_->setText(tr("New"));
    newConversation_->setToolTip(tr("Start a new conversation (Ctrl+Shift+N)"));
    newConversation_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    newConversation_->setAutoRaise(true);
    header->addWidget(session_, 1);
    header->addWidget(newConversation_);
    layout->addLayout(header);

    stack_ = new QStackedWidget;
    empty_ = new EmptyState;
    empty_->setIcon(icons::bundled(QStringLiteral("chat")), 48);
    empty_->setTitle(tr("Ask about this document"));
    // Starting points rather than results: each one is sent as the question.
    suggestions_ = new QWidget;
    auto* suggestionLayout = new QVBoxLayout(suggestions_);
    suggestionLayout->setContentsMargins(0, 0, 0, 0);
    suggestionLayout->setSpacing(6);
    empty_->setExtra(suggestions_);
    setForCodebase(false);
    chat_ = new ChatView;
    stack_->addWidget(empty_);
    stack_->addWidget(chat_);
    layout->addWidget(stack_, 1);

    auto* composer = new QHBoxLayout;
    composer->setContentsMargins(10, 6, 10, 10);
    composer->setSpacing(8);
    prompt_ = new PromptEdit;
    prompt_->setPlaceholderText(tr("Ask a question…"));
    send_ = new QPushButton(icons::themed(QStringLiteral("document-send")), tr("Send"));
    send_->setDefault(true);
    composer->addWidget(prompt_, 1);
    composer->addWidget(send_, 0, Qt::AlignBottom);
    layout->addLayout(composer);

    connect(prompt_, &PromptEdit::submitted, this, &AskPage::submit);
    connect(send_, &QPushButton::clicked, this, [this] {
        if (busy_)
            emit stopRequested();
        else
            submit();
    });
    connect(prompt_, &QPlainTextEdit::textChanged, this, [this] {
        if (!busy_) send_->setEnabled(available_ && !prompt_->toPlainText().trimmed().isEmpty());
    });
    connect(newConversation_, &QToolButton::clicked, this, &AskPage::newConversationRequested);
    setBusy(false);
    restyle();
    updateEmptyState();
}

void AskPage::submit() {
    const QString question = prompt_->toPlainText().trimmed();
    if (question.isEmpty() || busy_ || !available_) return;
    prompt_->clear();
    emit askRequested(question);
}

void AskPage::setBusy(bool busy) {
    busy_ = busy;
    if (busy) {
        send_->setText(tr("Stop"));
        send_->setIcon(icons::themed(QStringLiteral("media-playback-stop")));
        send_->setToolTip(tr("Stop writing the answer (Esc)"));
        send_->setEnabled(true);
    } else {
        send_->setText(tr("Send"));
        send_->setIcon(icons::themed(QStringLiteral("document-send")));
        send_->setToolTip(tr("Send the question (Enter)"));
        send_->setEnabled(available_ && !prompt_->toPlainText().trimmed().isEmpty());
    }
    newConversation_->setEnabled(!busy && available_);
}

void AskPage::setAvailable(bool available, const QString& reason) {
    available_ = available;
    prompt_->setEnabled(available);
    prompt_->setPlaceholderText(available ? tr("Ask a question…") : reason);
    setBusy(busy_);
}

void AskPage::setSessionLabel(const QString& label) {
    session_->setText(label);
}

void AskPage::setModelDescription(const QString& description) {
    empty_->setBody(description);
}

void AskPage::setForCodebase(bool codebase) {
    const QStringList questions =
        codebase ? QStringList{tr("What does this codebase do?"), tr("How is the code organised?"),
                               tr("Where does the program start?")}
                 : QStringList{tr("What is this document about?"),
                               tr("What are the key obligations or decisions?"),
                               tr("Which dates and deadlines does it mention?")};
    if (questions == suggestions()) return;
    QLayout* layout = suggestions_->layout();
    while (QLayoutItem* item = layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const QString& q : questions) {
        auto* b = new QPushButton(q);
        b->setCursor(Qt::PointingHandCursor);
        connect(b, &QPushButton::clicked, this, [this, q] {
            if (!busy_ && available_) emit askRequested(q);
        });
        layout->addWidget(b);
    }
}

QStringList AskPage::suggestions() const {
    QStringList questions;
    for (const QPushButton* b : suggestions_->findChildren<QPushButton*>())
        questions << b->text();
    return questions;
}

void AskPage::updateEmptyState() {
    stack_->setCurrentWidget(chat_->exchangeCount() > 0 ? static_cast<QWidget*>(chat_) : empty_);
}

void AskPage::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) restyle();
}

void AskPage::restyle() {
    QPalette p = session_->palette();
    p.setColor(QPalette::WindowText, theme::secondaryText(palette()));
    session_->setPalette(p);
}

} // namespace lv::ui

#include "moc_AskPage.cpp"
