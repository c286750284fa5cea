// The assistant pane on the right: Summary, Ask and History for the open document. It
// starts summaries and questions through the analysis client and shows their progress,
// their streamed text and their sources; a source clicked is reported to the window.
#pragma once

#include "analysis/AnalysisTypes.h"
#include "ui/worker/LibraryEntry.h"

#include <QHash>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <optional>

class QLabel;
class QPushButton;
class QTabWidget;

namespace lv::ui {

class AnalysisClient;
class AppSettings;
class AskPage;
class HistoryPage;
class MessageView;
class SummaryPage;

class AssistantPanel : public QWidget {
    Q_OBJECT
public:
    enum Tab { SummaryTab = 0, AskTab = 1, HistoryTab = 2 };

    AssistantPanel(AnalysisClient& client, AppSettings& settings, QWidget* parent = nullptr);

    // The document the assistant talks about; nullopt: none open.
    void setDocument(const std::optional<LibraryEntry>& entry);
    // The document's file changed and was read again: what was said about the old
    // content (its summary) is dropped.
    void documentChanged(qint64 documentId);
    qint64 documentId() const { return entry_ ? entry_->info.id : 0; }
    // Whether a model is configured, and its name, for the texts and the banner.
    void setModel(bool hasModel, const QString& modelName);

    void summarize();
    void ask(const QString& question);
    void startNewConversation();
    void openSession(qint64 sessionId);
    void focusPrompt();
    void showTab(Tab tab);
    // Stops the summary or answer being written for the open document; false if none.
    bool stopCurrent();

    qint64 sessionId() const { return sessionId_; }
    bool showsNoModelBanner() const { return !banner_->isHidden(); }
    quint64 summaryJob() const { return summaryJob_; }
    quint64 askJob() const { return askJob_; }
    SummaryPage* summaryPage() const { return summary_; }
    AskPage* askPage() const { return ask_; }
    HistoryPage* historyPage() const { return history_; }
    QTabWidget* tabs() const { return tabs_; }

signals:
    void citationActivated(const lv::analysis::Citation& citation);
    void chooseModelRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void connectClient();
    void updateTexts();
    void showSummaryState();
    void rebuildChat(const std::vector<analysis::Message>& messages);
    void replaySome();
    void attachPendingAsk();
    QString modeDescription() const;
    // What a job that has not started yet waits for, as its progress line says it.
    QString waitingText(quint64 job) const;
    void updateWaitingTexts();
    static double fraction(qint64 done, qint64 total);

    AnalysisClient& client_;
    AppSettings& settings_;
    std::optional<LibraryEntry> entry_;
    bool hasModel_ = false;
    QString modelName_;

    QWidget* banner_ = nullptr;
    QLabel* bannerText_ = nullptr;
    QLabel* modeChip_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    SummaryPage* summary_ = nullptr;
    AskPage* ask_ = nullptr;
    HistoryPage* history_ = nullptr;

    QHash<qint64, analysis::Summary> summaries_; // this run's summaries, per document
    quint64 summaryJob_ = 0;
    qint64 summaryJobDocument_ = 0;
    QString summaryStage_;

    quint64 askJob_ = 0;
    qint64 askJobDocument_ = 0;
    QString askQuestion_;
    QString askStreamed_;
    QString askStage_;
    QPointer<MessageView> askView_;
    qint64 sessionId_ = 0;
    qint64 loadingSession_ = 0;
    std::vector<analysis::Message> replay_; // a stored conversation being laid out
    std::size_t replayNext_ = 0;
    QTimer replayTimer_;
};

} // namespace lv::ui
