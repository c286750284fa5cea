#include "ui/assistant/AssistantPanel.h"

#include "ui/assistant/AskPage.h"
#include "ui/assistant/ChatView.h"
#include "ui/assistant/HistoryPage.h"
#include "ui/assistant/MessageView.h"
#include "ui/assistant/PromptEdit.h"
#include "ui/assistant/SummaryPage.h"
#include "ui/shell/AppSettings.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"
#include "ui/worker/AnalysisClient.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace lv::ui {

namespace {
QString qs(const std::string& s) {
    return QString::fromStdString(s);
}
} // namespace

AssistantPanel::AssistantPanel(AnalysisClient& client, AppSettings& settings, QWidget* parent)
    : QWidget(parent), client_(client), settings_(settings) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    auto* header = new QHBoxLayout;
    header->setContentsMargins(14, 10, 12, 6);
    auto* title = new QLabel(tr("Assistant"));
    QFont titleFont = title->font();
    titleFont.setWeight(QFont::DemiBold);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.1);
    title->setFont(titleFont);
    modeChip_ = new QLabel;
    modeChip_->setTextFormat(Qt::RichText);
    header->addWidget(title);
    header->addStretch(1);
    header->addWidget(modeChip_);
    layout->addLayout(header);

    // Shown while no model is configured: what works anyway, and where to set one.
    banner_ = new QWidget;
    banner_->setAutoFillBackground(true);
    auto* bannerLayout = new QHBoxLayout(banner_);
    bannerLayout->setContentsMargins(12, 8, 10, 8);
    auto* bannerIcon = new QLabel;
    bannerIcon->setPixmap(icons::themed(QStringLiteral("dialog-information"))
                              .pixmap(QSize(16, 16), devicePixelRatioF()));
    bannerText_ = new QLabel;
    bannerText_->setWordWrap(true);
    auto* choose = new QPushButton(tr("Choose Model…"));
    bannerLayout->addWidget(bannerIcon, 0, Qt::AlignTop);
    bannerLayout->addWidget(bannerText_, 1);
    bannerLayout->addWidget(choose, 0, Qt::AlignVCenter);
    connect(choose, &QPushButton::clicked, this, &AssistantPanel::chooseModelRequested);
    layout->addWidget(banner_);

    tabs_ = new QTabWidget;
    tabs_->setDocumentMode(true);
    summary_ = new SummaryPage;
    ask_ = new AskPage;
    history_ = new HistoryPage;
    tabs_->addTab(summary_, icons::bundled(QStringLiteral("summary")), tr("Summary"));
    tabs_->addTab(ask_, icons::bundled(QStringLiteral("chat")), tr("Ask"));
    tabs_->addTab(history_, icons::bundled(QStringLiteral("history")), tr("History"));
    layout->addWidget(tabs_, 1);

    connect(summary_, &SummaryPage::summarizeRequested, this, &AssistantPanel::summarize);
    connect(summary_, &SummaryPage::cancelRequested, this, [this] {
        if (summaryJob_) client_.cancel(summaryJob_);
    });
    connect(summary_, &SummaryPage::citationActivated, this, &AssistantPanel::citationActivated);
    connect(ask_, &AskPage::askRequested, this, &AssistantPanel::ask);
    connect(ask_, &AskPage::stopRequested, this, [this] {
        if (askJob_) client_.cancel(askJob_);
    });
    connect(ask_, &AskPage::newConversationRequested, this, &AssistantPanel::startNewConversation);
    connect(ask_->chat(), &ChatView::citationActivated, this, &AssistantPanel::citationActivated);
    connect(history_, &HistoryPage::sessionActivated, this, &AssistantPanel::openSession);

    replayTimer_.setInterval(0);
    connect(&replayTimer_, &QTimer::timeout, this, &AssistantPanel::replaySome);
    connectClient();
    setModel(false, QString());
    setDocument(std::nullopt);
}

double AssistantPanel::fraction(qint64 done, qint64 total) {
    return total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : -1.0;
}

void AssistantPanel::connectClient() {
    connect(
        &client_, &AnalysisClient::jobProgress, this,
        [this](quint64 id, const QString& stage, qint64 done, qint64 total) {
            if (id == summaryJob_) {
                summaryStage_ = describeStage(stage);
                if (summaryJobDocument_ == documentId())
                    summary_->setRunning(summaryStage_, fraction(done, total));
            } else if (id == askJob_) {
                const double f = fraction(done, total);
                askStage_ =
                    f >= 0 && stage != QLatin1String("generate")
                        ? QStringLiteral("%1 · %2 %").arg(describeStage(stage)).arg(int(f * 100))
                        : describeStage(stage) + QStringLiteral("…");
                if (askView_ && askStreamed_.isEmpty()) askView_->setStatus(askStage_);
            }
        });
    connect(&client_, &AnalysisClient::jobStarted, this, [this](quint64 id) {
        if (id == summaryJob_ && summaryJobDocument_ == documentId())
            summary_->setRunning(tr("Starting"), -1);
        if (id == askJob_ && askStage_.isEmpty()) {
            askStage_ = tr("Starting…");
            if (askView_ && askStreamed_.isEmpty()) askView_->setStatus(askStage_);
        }
    });
    // A queued job's line names the job it waits for, which changes as the queue moves.
    connect(&client_, &AnalysisClient::jobsChanged, this, &AssistantPanel::updateWaitingTexts);
    connect(&client_, &AnalysisClient::jobToken, this, [this](quint64 id, const QString& piece) {
        if (id == summaryJob_) {
            if (summaryJobDocument_ == documentId()) summary_->appendText(piece);
        } else if (id == askJob_) {
            askStreamed_ += piece;
            if (askView_) askView_->appendAnswerText(piece);
        }
    });
    connect(&client_, &AnalysisClient::storedSummaryLoaded, this,
            [this](qint64 documentId, const analysis::Summary& s, bool found) {
                // A summary written meanwhile, or one being written, wins over the stored one.
                if (!found || summaries_.contains(documentId) ||
                    (summaryJob_ && summaryJobDocument_ == documentId))
                    return;
                summaries_.insert(documentId, s);
                if (documentId == this->documentId()) summary_->setSummary(s);
            });
    connect(&client_, &AnalysisClient::summarized, this,
            [this](quint64 id, const analysis::Summary& s) {
                if (id != summaryJob_) return;
                summaryJob_ = 0;
                summaries_.insert(s.documentId, s);
                if (s.documentId == documentId()) summary_->setSummary(s);
            });
    connect(&client_, &AnalysisClient::answered, this,
            [this](quint64 id, const analysis::Answer& a) {
                if (id != askJob_) return;
                askJob_ = 0;
                settings_.setLastSession(a.documentId, a.sessionId);
                if (a.documentId == documentId()) {
                    sessionId_ = a.sessionId;
                    if (askView_)
                        askView_->setAnswer(qs(a.text), a.citations, a.metrics, a.extractive);
                    ask_->setBusy(false);
                    ask_->setSessionLabel(tr("Conversation"));
                    client_.loadSessions(a.documentId);
                }
                askView_ = nullptr;
                askStreamed_.clear();
            });
    auto ended = [this](quint64 id, const QString* failure) {
        if (id == summaryJob_) {
            summaryJob_ = 0;
            if (summaryJobDocument_ == documentId()) {
                if (failure)
                    summary_->setFailed(*failure);
                else
                    showSummaryState();
            }
        } else if (id == askJob_) {
            askJob_ = 0;
            if (askView_) {
                if (failure)
                    askView_->setFailed(*failure);
                else
                    askView_->setCancelled();
            }
            askView_ = nullptr;
            askStreamed_.clear();
            if (askJobDocument_ == documentId()) ask_->setBusy(false);
        }
    };
    connect(&client_, &AnalysisClient::jobFailed, this,
            [ended](quint64 id, const QString& message) { ended(id, &message); });
    connect(&client_, &AnalysisClient::jobCancelled, this,
            [ended](quint64 id) { ended(id, nullptr); });

    connect(&client_, &AnalysisClient::sessionsLoaded, this,
            [this](qint64 documentId, const SessionList& sessions) {
                if (documentId != this->documentId()) return;
                history_->setSessions(sessions);
                history_->setCurrentSession(sessionId_);
            });
    connect(&client_, &AnalysisClient::messagesLoaded, this,
            [this](qint64 sessionId, const MessageList& messages) {
                if (sessionId != loadingSession_) return;
                loadingSession_ = 0;
                rebuildChat(messages);
            });
    connect(&client_, &AnalysisClient::queryFailed, this,
            [this](const QString& what, const QString&) {
                if (what == QLatin1String("messages") && loadingSession_) {
                    // The remembered conversation is gone (removed with its document): start
                    // afresh.
                    loadingSession_ = 0;
                    startNewConversation();
                }
            });
}

QString AssistantPanel::waitingText(quint64 job) const {
    if (const auto ahead = client_.jobAhead(job))
        return tr("Waiting for “%1” to finish").arg(ahead->title);
    return tr("Starting");
}

void AssistantPanel::updateWaitingTexts() {
    if (summaryJob_ && summaryStage_.isEmpty() && summaryJobDocument_ == documentId() &&
        summary_->state() == SummaryPage::State::Running)
        summary_->setRunning(waitingText(summaryJob_), -1);
    if (askJob_ && askStage_.isEmpty() && askView_ && askStreamed_.isEmpty())
        askView_->setStatus(waitingText(askJob_) + QStringLiteral("…"));
}

void AssistantPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) updateTexts(); // the banner and chip colours
}

void AssistantPanel::setModel(bool hasModel, const QString& modelName) {
    hasModel_ = hasModel;
    modelName_ = modelName;
    updateTexts();
}

QString AssistantPanel::modeDescription() const {
    if (!hasModel_)
        return tr(
            "Without a model, Longview picks the sentences that best represent the document and "
            "shows where each one is.");
    QString text = tr("%1 reads the whole document and writes a summary with its sources.")
                       .arg(modelName_.toHtmlEscaped());
    if (entry_ && entry_->info.stateCached)
        text += QStringLiteral(" ") + tr("Its reading is cached, so it starts at once.");
    return text;
}

void AssistantPanel::updateTexts() {
    const QPalette pal = palette();
    QPalette bannerPalette = banner_->palette();
    bannerPalette.setColor(QPalette::Window, theme::accentFill(pal));
    banner_->setPalette(bannerPalette);
    banner_->setVisible(!hasModel_);
    bannerText_->setText(tr("No language model is set up. Summaries and answers are extractive: "
                            "the best passages, with their pages."));
    modeChip_->setText(QStringLiteral("<span style='color:%1'>%2</span>")
                           .arg(theme::secondaryText(pal).name(),
                                hasModel_ ? modelName_.toHtmlEscaped() : tr("Extractive")));
    ask_->setModelDescription(
        hasModel_ ? tr("%1 answers from the whole document, with the pages or lines it used.")
                        .arg(modelName_.toHtmlEscaped())
                  : tr("Without a model, answers are the passages that match your question best."));
    if (summary_->state() == SummaryPage::State::Idle && entry_)
        summary_->setIdle(entry_->title(), modeDescription());
}

void AssistantPanel::setDocument(const std::optional<LibraryEntry>& entry) {
    const qint64 previous = documentId();
    entry_ = entry;
    if (!entry_) {
        summary_->setUnavailable(tr("Open a document or a codebase to summarize it."));
        ask_->chat()->clear();
        ask_->updateEmptyState();
        ask_->setAvailable(false, tr("Open a document to ask about it"));
        ask_->setBusy(false);
        history_->setSessions({});
        sessionId_ = 0;
        return;
    }
    if (previous == entry_->info.id) {
        // The same document, refreshed (its state may now be cached).
        updateTexts();
        return;
    }
    ask_->setAvailable(true);
    ask_->setForCodebase(entry_->info.kind == analysis::DocumentKind::Codebase);
    showSummaryState();

    replayTimer_.stop();
    replay_.clear();
    ask_->chat()->clear();
    askView_ = nullptr;
    ask_->setBusy(askJob_ && askJobDocument_ == entry_->info.id);
    sessionId_ = settings_.lastSession(entry_->info.id);
    ask_->setSessionLabel(sessionId_ > 0 ? tr("Conversation") : tr("New conversation"));
    loadingSession_ = sessionId_;
    if (sessionId_ > 0)
        client_.loadMessages(sessionId_);
    else
        attachPendingAsk();
    ask_->updateEmptyState();
    history_->setSessions({});
    client_.loadSessions(entry_->info.id);
    updateTexts();
}

void AssistantPanel::documentChanged(qint64 documentId) {
    summaries_.remove(documentId);
    if (documentId == this->documentId()) showSummaryState();
}

void AssistantPanel::showSummaryState() {
    if (!entry_) return;
    const qint64 id = entry_->info.id;
    if (summaryJob_ && summaryJobDocument_ == id) {
        summary_->setRunning(summaryStage_.isEmpty() ? waitingText(summaryJob_) : summaryStage_,
                             -1);
    } else if (summaries_.contains(id)) {
        summary_->setSummary(summaries_.value(id));
    } else {
        summary_->setIdle(entry_->title(), modeDescription());
        client_.loadStoredSummary(id); // one from an earlier run replaces the idle page
    }
}

void AssistantPanel::summarize() {
    if (!entry_ || (summaryJob_ && summaryJobDocument_ == entry_->info.id)) return;
    if (summaryJob_) client_.cancel(summaryJob_); // one summary at a time
    summaryJobDocument_ = entry_->info.id;
    summaryStage_.clear();
    summaryJob_ = client_.summarize(entry_->info.id, entry_->title());
    summary_->setRunning(waitingText(summaryJob_), -1);
    showTab(SummaryTab);
}

void AssistantPanel::ask(const QString& question) {
    if (!entry_ || askJob_ || question.trimmed().isEmpty()) return;
    askJobDocument_ = entry_->info.id;
    askQuestion_ = question;
    askStreamed_.clear();
    askStage_.clear();
    askJob_ = client_.ask(entry_->info.id, question, sessionId_);
    askView_ = ask_->chat()->addExchange(question);
    askView_->setStatus(waitingText(askJob_) + QStringLiteral("…"));
    ask_->updateEmptyState();
    ask_->setBusy(true);
    showTab(AskTab);
}

void AssistantPanel::attachPendingAsk() {
    // Back on a document whose answer is still being written: show it again.
    if (!entry_ || !askJob_ || askJobDocument_ != entry_->info.id) return;
    askView_ = ask_->chat()->addExchange(askQuestion_);
    if (!askStreamed_.isEmpty())
        askView_->appendAnswerText(askStreamed_);
    else if (!askStage_.isEmpty())
        askView_->setStatus(askStage_);
    else
        askView_->setStatus(waitingText(askJob_) + QStringLiteral("…"));
    ask_->updateEmptyState();
    ask_->setBusy(true);
}

bool AssistantPanel::stopCurrent() {
    if (askJob_ && askJobDocument_ == documentId()) {
        client_.cancel(askJob_);
        return true;
    }
    if (summaryJob_ && summaryJobDocument_ == documentId()) {
        client_.cancel(summaryJob_);
        return true;
    }
    return false;
}

void AssistantPanel::startNewConversation() {
    // As the New button, disabled while an answer is written: that answer still belongs
    // to the conversation on screen, which would otherwise come back when it is done.
    if (!entry_ || (askJob_ && askJobDocument_ == entry_->info.id)) return;
    sessionId_ = 0;
    loadingSession_ = 0;
    replayTimer_.stop();
    replay_.clear();
    settings_.setLastSession(entry_->info.id, 0);
    ask_->chat()->clear();
    ask_->setSessionLabel(tr("New conversation"));
    ask_->updateEmptyState();
    history_->setCurrentSession(0);
    showTab(AskTab);
    focusPrompt();
}

void AssistantPanel::openSession(qint64 sessionId) {
    // The conversation that an answer is being written into stays on screen until it is
    // done; an answer about another document does not hold this one's history back.
    if (!entry_ || sessionId <= 0 || (askJob_ && askJobDocument_ == entry_->info.id)) return;
    sessionId_ = sessionId;
    loadingSession_ = sessionId;
    settings_.setLastSession(entry_->info.id, sessionId);
    ask_->setSessionLabel(tr("Conversation"));
    client_.loadMessages(sessionId);
    showTab(AskTab);
}

void AssistantPanel::rebuildChat(const std::vector<analysis::Message>& messages) {
    ask_->chat()->clear();
    askView_ = nullptr;
    replay_ = messages;
    replayNext_ = 0;
    replayTimer_.start();
    ask_->updateEmptyState();
    history_->setCurrentSession(sessionId_);
}

void AssistantPanel::replaySome() {
    // A long conversation is laid out a few exchanges per turn of the event loop,
    // so that opening it never holds up the window.
    constexpr std::size_t kPerTurn = 6;
    for (std::size_t n = 0; n < kPerTurn && replayNext_ < replay_.size(); ++n, ++replayNext_) {
        const analysis::Message& m = replay_[replayNext_];
        MessageView* view = ask_->chat()->addExchange(qs(m.question));
        view->setAnswer(qs(m.answer), m.citations, m.metrics, m.metrics.model.empty());
    }
    ask_->updateEmptyState();
    if (replayNext_ < replay_.size()) return;
    replayTimer_.stop();
    replay_.clear();
    attachPendingAsk();
}

void AssistantPanel::focusPrompt() {
    showTab(AskTab);
    ask_->prompt()->setFocus(Qt::ShortcutFocusReason);
}

void AssistantPanel::showTab(Tab tab) {
    tabs_->setCurrentIndex(int(tab));
}

} // namespace lv::ui

#include "moc_AssistantPanel.cpp"
