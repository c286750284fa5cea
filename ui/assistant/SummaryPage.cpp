#include "ui/assistant/SummaryPage.h"

#include "ui/assistant/CitationText.h"
#include "ui/assistant/MetricsText.h"
#include "ui/shell/EmptyState.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

#include <memory>

namespace lv::ui {

namespace {

// Copies the summary as it reads: without the break hints that let long runs wrap.
class SummaryBrowser : public QTextBrowser {
protected:
    QMimeData* createMimeDataFromSelection() const override {
        const std::unique_ptr<QMimeData> made(QTextBrowser::createMimeDataFromSelection());
        auto* mime = new QMimeData;
        mime->setText(citation_text::withoutBreakHints(made->text()));
        if (made->hasHtml()) mime->setHtml(citation_text::withoutBreakHints(made->html()));
        return mime;
    }
};

} // namespace

SummaryPage::SummaryPage(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    stack_ = new QStackedWidget;

    empty_ = new EmptyState;
    empty_->setIcon(icons::bundled(QStringLiteral("summary")), 48);
    summarize_ =
        empty_->addButton(tr("Summarize"), icons::bundled(QStringLiteral("sparkle")), true);
    connect(summarize_, &QPushButton::clicked, this, &SummaryPage::summarizeRequested);

    result_ = new QWidget;
    auto* resultLayout = new QVBoxLayout(result_);
    resultLayout->setContentsMargins(0, 0, 0, 0);
    resultLayout->setSpacing(0);

    progressRow_ = new QWidget;
    auto* progressLayout = new QVBoxLayout(progressRow_);
    progressLayout->setContentsMargins(14, 10, 14, 6);
    progressLayout->setSpacing(6);
    auto* progressTop = new QHBoxLayout;
    progressLabel_ = new QLabel;
    cancel_ = new QPushButton(icons::themed(QStringLiteral("process-stop")), tr("Cancel"));
    progressTop->addWidget(progressLabel_, 1);
    progressTop->addWidget(cancel_);
    progress_ = new QProgressBar;
    progress_->setTextVisible(false);
    progress_->setMaximumHeight(6);
    progressLayout->addLayout(progressTop);
    progressLayout->addWidget(progress_);
    connect(cancel_, &QPushButton::clicked, this, &SummaryPage::cancelRequested);

    browser_ = new SummaryBrowser;
    browser_->setFrameShape(QFrame::NoFrame);
    browser_->setOpenLinks(false);
    browser_->document()->setDocumentMargin(14);
    connect(browser_, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
        const int i = citation_text::citationIndex(url.toString());
        if (summary_ && i >= 0 && i < int(summary_->citations.size()))
            emit citationActivated(summary_->citations[std::size_t(i)]);
    });

    actions_ = new QWidget;
    auto* actionsLayout = new QHBoxLayout(actions_);
    actionsLayout->setContentsMargins(14, 6, 10, 10);
    metrics_ = new QLabel;
    metrics_->setObjectName(QStringLiteral("summaryMetrics"));
    metrics_->setWordWrap(true);
    QPalette metricsPalette = metrics_->palette();
    metricsPalette.setColor(QPalette::WindowText, theme::secondaryText(palette()));
    metrics_->setPalette(metricsPalette);
    again_ = new QPushButton(icons::themed(QStringLiteral("view-refresh")), tr("Summarize Again"));
    copy_ = new QPushButton(icons::themed(QStringLiteral("edit-copy")), tr("Copy"));
    actionsLayout->addWidget(metrics_, 1);
    actionsLayout->addWidget(copy_);
    actionsLayout->addWidget(again_);
    connect(again_, &QPushButton::clicked, this, &SummaryPage::summarizeRequested);
    connect(copy_, &QPushButton::clicked, this, [this] {
        if (summary_) QApplication::clipboard()->setText(QString::fromStdString(summary_->text));
    });

    resultLayout->addWidget(progressRow_);
    resultLayout->addWidget(browser_, 1);
    resultLayout->addWidget(actions_);

    stack_->addWidget(empty_);
    stack_->addWidget(result_);
    layout->addWidget(stack_);

    renderTimer_.setSingleShot(true);
    renderTimer_.setInterval(60);
    connect(&renderTimer_, &QTimer::timeout, this, &SummaryPage::render);
    setUnavailable(tr("Open a document to summarize it."));
}

void SummaryPage::setUnavailable(const QString& reason) {
    state_ = State::Unavailable;
    summary_.reset();
    streamed_.clear();
    empty_->setTitle(tr("Summary"));
    empty_->setBody(reason.toHtmlEscaped());
    summarize_->setEnabled(false);
    stack_->setCurrentWidget(empty_);
}

void SummaryPage::setIdle(const QString& documentTitle, const QString& modeDescription) {
    state_ = State::Idle;
    summary_.reset();
    streamed_.clear();
    empty_->setTitle(tr("Summarize “%1”").arg(documentTitle));
    empty_->setBody(modeDescription);
    summarize_->setEnabled(true);
    stack_->setCurrentWidget(empty_);
}

void SummaryPage::setRunning(const QString& stage, double fraction) {
    if (state_ != State::Running) {
        streamed_.clear();
        summary_.reset();
        browser_->clear();
    }
    state_ = State::Running;
    progressLabel_->setText(
        fraction >= 0 ? QStringLiteral("%1 · %2 %").arg(stage).arg(int(fraction * 100)) : stage);
    if (fraction < 0) {
        progress_->setRange(0, 0);
    } else {
        progress_->setRange(0, 1000);
        progress_->setValue(int(fraction * 1000));
    }
    progressRow_->show();
    cancel_->setEnabled(true);
    actions_->hide();
    stack_->setCurrentWidget(result_);
}

QString SummaryPage::progressText() const {
    return progressLabel_->text();
}

void SummaryPage::appendText(const QString& piece) {
    streamed_ += piece;
    if (!renderTimer_.isActive()) renderTimer_.start();
}

void SummaryPage::setSummary(const analysis::Summary& summary) {
    state_ = State::Done;
    summary_ = summary;
    renderTimer_.stop();
    progressRow_->hide();
    actions_->show();
    QString line = describeMetrics(summary.metrics, summary.extractive);
    if (!summary.storeError.empty()) {
        line += QStringLiteral(" · ") +
                tr("not kept in the library: %1").arg(QString::fromStdString(summary.storeError));
    } else if (!summary.storedAt.empty()) {
        const QDateTime at =
            QDateTime::fromString(QString::fromStdString(summary.storedAt), Qt::ISODate);
        if (at.isValid()) {
            const QLocale locale;
            const QDateTime local = at.toLocalTime();
            // Minutes are enough; some locales' short format still carries seconds.
            const QString time = locale.toString(
                local.time(),
                locale.timeFormat(QLocale::ShortFormat).remove(QStringLiteral(":ss")));
            line += QStringLiteral(" · ") +
                    (local.date() == QDate::currentDate()
                         ? tr("summarized today at %1").arg(time)
                         : tr("summarized %1 %2")
                               .arg(locale.toString(local.date(), QLocale::ShortFormat), time));
        }
    }
    metrics_->setText(line);
    render();
    stack_->setCurrentWidget(result_);
}

void SummaryPage::setFailed(const QString& message) {
    state_ = State::Failed;
    renderTimer_.stop();
    progressRow_->hide();
    actions_->show();
    metrics_->setText(QString());
    browser_->setHtml(QStringLiteral("<p style='color:%1'>%2</p>")
                          .arg(theme::warning(palette()).name(), message.toHtmlEscaped()));
    stack_->setCurrentWidget(result_);
}

void SummaryPage::render() {
    const QPalette pal = palette();
    const QString link = pal.color(QPalette::Link).name();
    const QString secondary = theme::secondaryText(pal).name();
    if (!summary_) {
        browser_->setHtml(citation_text::toHtml(streamed_, 0, link));
        browser_->moveCursor(QTextCursor::End);
        return;
    }
    const analysis::Summary& s = *summary_;
    QString html =
        citation_text::toHtml(QString::fromStdString(s.text), int(s.citations.size()), link);
    if (!s.citations.empty()) {
        html +=
            QStringLiteral(
                "<p style='margin-top:14px;'><b>%1</b></p><table cellspacing='0' cellpadding='3'>")
                .arg(tr("Sources"));
        for (std::size_t i = 0; i < s.citations.size(); ++i) {
            const analysis::Citation& c = s.citations[i];
            QString quote = QString::fromStdString(c.quote).simplified();
            if (quote.size() > 160) quote = quote.left(157) + QStringLiteral("…");
            html +=
                QStringLiteral("<tr><td valign='top' style='color:%1; padding-right:6px;'>%2</td>"
                               "<td valign='top'><a href='cite:%3' style='color:%4; "
                               "text-decoration:none;'>%5</a>"
                               "<br><span style='color:%1;'>%6</span></td></tr>")
                    .arg(secondary)
                    .arg(i + 1)
                    .arg(i)
                    .arg(link, citation_text::chipLabel(c).toHtmlEscaped(), quote.toHtmlEscaped());
        }
        html += QStringLiteral("</table>");
    }
    browser_->setHtml(html);
}

void SummaryPage::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && (summary_ || !streamed_.isEmpty())) render();
    if (event->type() == QEvent::PaletteChange) {
        QPalette p = metrics_->palette();
        p.setColor(QPalette::WindowText, theme::secondaryText(palette()));
        metrics_->setPalette(p);
    }
}

} // namespace lv::ui

#include "moc_SummaryPage.cpp"
