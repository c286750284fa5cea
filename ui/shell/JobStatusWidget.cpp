#include "ui/shell/JobStatusWidget.h"

#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"
#include "ui/worker/AnalysisClient.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QToolButton>

#include <algorithm>

namespace lv::ui {

JobStatusWidget::JobStatusWidget(AnalysisClient& client, QWidget* parent)
    : QWidget(parent), client_(client) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 6, 0);
    layout->setSpacing(8);
    label_ = new QLabel;
    queued_ = new QLabel;
    theme::useSecondaryText(queued_);
    bar_ = new QProgressBar;
    bar_->setFixedWidth(140);
    bar_->setMaximumHeight(14);
    bar_->setTextVisible(false);
    cancel_ = new QToolButton;
    cancel_->setIcon(icons::themed(QStringLiteral("process-stop")));
    cancel_->setToolTip(tr("Cancel"));
    cancel_->setAutoRaise(true);
    layout->addWidget(label_);
    layout->addWidget(bar_);
    layout->addWidget(queued_);
    layout->addWidget(cancel_);

    connect(cancel_, &QToolButton::clicked, this, [this] {
        for (const JobState& j : client_.jobs())
            if (j.running) return client_.cancel(j.id);
        if (!client_.jobs().isEmpty()) client_.cancel(client_.jobs().first().id);
    });
    connect(&client_, &AnalysisClient::jobsChanged, this, &JobStatusWidget::refresh);
    connect(&client_, &AnalysisClient::jobProgress, this, &JobStatusWidget::refresh);
    refresh();
}

QString JobStatusWidget::text() const {
    return text_;
}

QString JobStatusWidget::shownText() const {
    return label_->text();
}

void JobStatusWidget::showText(const QString& text) {
    // A long title ("Adding linux-6.8 (74,000 files)") must not push the model's status off
    // a narrow window: its middle gives way to "…" (the stage and percentage stay), and the
    // tooltip holds the whole.
    text_ = text;
    const QString shown = label_->fontMetrics().elidedText(
        text, Qt::ElideMiddle, 48 * label_->fontMetrics().averageCharWidth());
    label_->setText(shown);
    label_->setToolTip(shown == text ? QString() : text);
}

void JobStatusWidget::refresh() {
    const QList<JobState>& jobs = client_.jobs();
    setVisible(!jobs.isEmpty());
    if (jobs.isEmpty()) return;
    const JobState* current = &jobs.first();
    for (const JobState& j : jobs)
        if (j.running) {
            current = &j;
            break;
        }
    QString text = current->title;
    const bool cancelling = client_.isCancelling(current->id);
    if (cancelling)
        text += QStringLiteral(" · ") + tr("Cancelling…");
    else if (current->running && !current->stage.isEmpty())
        text += QStringLiteral(" · ") + describeStage(current->stage);
    else if (!current->running)
        text += QStringLiteral(" · ") + tr("Waiting");
    showText(text);
    // A job being cancelled makes no more progress: "Cancelling… · 100 %" read as done.
    if (current->total > 0 && !cancelling) {
        const double fraction =
            std::clamp(double(current->done) / double(current->total), 0.0, 1.0);
        showText(text + QStringLiteral(" · %1 %").arg(int(fraction * 100)));
        bar_->setRange(0, 1000);
        bar_->setValue(int(1000.0 * fraction));
    } else {
        bar_->setRange(0, 0);
    }
    const int waiting = int(jobs.size()) - 1;
    queued_->setText(waiting > 0 ? tr("+%1 queued").arg(waiting) : QString());
    queued_->setVisible(waiting > 0);
    cancel_->setToolTip(tr("Cancel %1").arg(current->title));

    // Every job can be cancelled from the button's menu.
    if (jobs.size() > 1) {
        auto* menu = cancel_->menu();
        if (!menu) {
            menu = new QMenu(cancel_);
            cancel_->setMenu(menu);
            cancel_->setPopupMode(QToolButton::MenuButtonPopup);
        }
        menu->clear();
        for (const JobState& j : jobs) {
            const quint64 id = j.id;
            menu->addAction(icons::themed(QStringLiteral("process-stop")),
                            tr("Cancel %1").arg(j.title), this, [this, id] { client_.cancel(id); });
        }
        menu->addSeparator();
        menu->addAction(tr("Cancel All"), this, [this] { client_.cancelAll(); });
    } else if (cancel_->menu()) {
        cancel_->menu()->deleteLater();
        cancel_->setMenu(nullptr);
        cancel_->setPopupMode(QToolButton::DelayedPopup);
    }
}

} // namespace lv::ui

#include "moc_JobStatusWidget.cpp"
