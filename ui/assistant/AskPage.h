// The Ask tab: the conversation about the open document, a question box with Send
// (Stop while an answer is being written) and example questions when it is empty.
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;
class QToolButton;

namespace lv::ui {

class ChatView;
class EmptyState;
class PromptEdit;

class AskPage : public QWidget {
    Q_OBJECT
public:
    explicit AskPage(QWidget* parent = nullptr);

    ChatView* chat() const { return chat_; }
    PromptEdit* prompt() const { return prompt_; }
    QPushButton* sendButton() const { return send_; }

    void setBusy(bool busy); // an answer is being written: Send becomes Stop
    void setAvailable(bool available, const QString& reason = {}); // no document: disabled
    void setSessionLabel(const QString& label); // "New conversation", "Conversation of 3 March"
    void setModelDescription(const QString& description); // under the empty state's title
    // The example questions offered while the conversation is empty (each is sent as it
    // is): about code for a codebase; a repository has no obligations or deadlines.
    void setForCodebase(bool codebase);
    QStringList suggestions() const;
    void updateEmptyState();

signals:
    void askRequested(const QString& question);
    void stopRequested();
    void newConversationRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void submit();
    void restyle();

    QLabel* session_ = nullptr;
    QToolButton* newConversation_ = nullptr;
    QStackedWidget* stack_ = nullptr;
    EmptyState* empty_ = nullptr;
    QWidget* suggestions_ = nullptr;
    ChatView* chat_ = nullptr;
    PromptEdit* prompt_ = nullptr;
    QPushButton* send_ = nullptr;
    bool busy_ = false;
    bool available_ = true;
};

} // namespace lv::ui
