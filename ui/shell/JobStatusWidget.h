// The status bar's job indicator: what runs now ("Summarizing contract.pdf · Reading
// the document"), a progress bar, Cancel, and the queued jobs in the Cancel menu.
#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace lv::ui {

class AnalysisClient;

class JobStatusWidget : public QWidget {
    Q_OBJECT
public:
    explicit JobStatusWidget(AnalysisClient& client, QWidget* parent = nullptr);

    QString text() const; // in full, also where the label shows it shortened
    QString shownText() const;
    QToolButton* cancelButton() const { return cancel_; }
    QProgressBar* progressBar() const { return bar_; }

private:
    void refresh();
    void showText(const QString& text);

    AnalysisClient& client_;
    QLabel* label_ = nullptr;
    QLabel* queued_ = nullptr;
    QProgressBar* bar_ = nullptr;
    QToolButton* cancel_ = nullptr;
    QString text_;
};

} // namespace lv::ui
