// The Summary tab: a Summarize button, then progress with Cancel (and the text as the
// model writes it), then the summary with numbered sources that open in the viewer.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QTimer>
#include <QWidget>

#include <optional>

class QLabel;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTextBrowser;

namespace lv::ui {

class EmptyState;

class SummaryPage : public QWidget {
    Q_OBJECT
public:
    enum class State { Unavailable, Idle, Running, Done, Failed };

    explicit SummaryPage(QWidget* parent = nullptr);

    void setUnavailable(const QString& reason);
    void setIdle(const QString& documentTitle, const QString& modeDescription);
    void setRunning(const QString& stage, double fraction); // fraction < 0: indeterminate
    void appendText(const QString& piece);                  // while the model writes
    void setSummary(const analysis::Summary& summary);
    void setFailed(const QString& message);
    State state() const { return state_; }
    std::optional<analysis::Summary> summary() const { return summary_; }

    QTextBrowser* browser() const { return browser_; }
    QPushButton* summarizeButton() const { return summarize_; }
    QPushButton* cancelButton() const { return cancel_; }
    QString progressText() const; // the line above the progress bar while running

signals:
    void summarizeRequested();
    void cancelRequested();
    void citationActivated(const lv::analysis::Citation& citation);

protected:
    void changeEvent(QEvent* event) override;

private:
    void render();

    State state_ = State::Unavailable;
    QStackedWidget* stack_ = nullptr;
    EmptyState* empty_ = nullptr;
    QPushButton* summarize_ = nullptr;
    QWidget* result_ = nullptr;
    QLabel* progressLabel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QWidget* progressRow_ = nullptr;
    QTextBrowser* browser_ = nullptr;
    QLabel* metrics_ = nullptr;
    QPushButton* again_ = nullptr;
    QPushButton* copy_ = nullptr;
    QWidget* actions_ = nullptr;
    QString streamed_;
    std::optional<analysis::Summary> summary_;
    QTimer renderTimer_;
};

} // namespace lv::ui
