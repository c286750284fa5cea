#include "ui/assistant/MessageView.h"

#include "ui/assistant/CitationChip.h"
#include "ui/assistant/CitationText.h"
#include "ui/assistant/FlowLayout.h"
#include "ui/assistant/MetricsText.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QClipboard>
#include <QContextMenuEvent>
#include <QEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QPainter>
#include <QTextDocument>
#include <QVBoxLayout>

namespace lv::ui {

namespace {

// The question's bubble: a rounded, faintly tinted card.
class Bubble : public QWidget {
public:
    using QWidget::QWidget;

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(theme::accentFill(palette()));
        p.drawRoundedRect(QRectF(rect()), 12, 12);
    }
};

constexpr const char* kCaret = "\u258D"; // shown at the end of a streaming answer

} // namespace

MessageView::MessageView(const QString& question, QWidget* parent)
    : QWidget(parent), question_(question) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 12);
    layout->setSpacing(6);

    // Question, right-aligned, at most ~85 % of the width.
    auto* questionRow = new QHBoxLayout;
    questionRow->addStretch(1);
    questionBubble_ = new Bubble;
    auto* bubbleLayout = new QVBoxLayout(questionBubble_);
    bubbleLayout->setContentsMargins(12, 8, 12, 8);
    questionLabel_ = new QLabel;
    questionLabel_->setWordWrap(true);
    questionLabel_->setTextFormat(Qt::PlainText);
    questionLabel_->setText(question);
    questionLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bubbleLayout->addWidget(questionLabel_);
    questionRow->addWidget(questionBubble_, 6);
    layout->addLayout(questionRow);

    author_ = new QLabel;
    layout->addWidget(author_);

    answerLabel_ = new QLabel;
    answerLabel_->setWordWrap(true);
    answerLabel_->setTextFormat(Qt::RichText);
    answerLabel_->setTextInteractionFlags(Qt::TextBrowserInteraction);
    answerLabel_->setOpenExternalLinks(false);
    answerLabel_->hide();
    connect(answerLabel_, &QLabel::linkActivated, this, [this](const QString& link) {
        const int i = citation_text::citationIndex(link);
        if (i >= 0 && i < int(citations_.size()))
            emit citationActivated(citations_[std::size_t(i)]);
    });
    // Copy (keys and menu) goes through copySelectedAnswer, which drops the break hints.
    answerLabel_->installEventFilter(this);
    layout->addWidget(answerLabel_);

    status_ = new QLabel;
    status_->setWordWrap(true);
    layout->addWidget(status_);

    chips_ = new QWidget;
    chipLayout_ = new FlowLayout(chips_, 6);
    chips_->hide();
    layout->addWidget(chips_);

    metrics_ = new QLabel;
    metrics_->setWordWrap(true);
    metrics_->hide();
    layout->addWidget(metrics_);

    renderTimer_.setSingleShot(true);
    renderTimer_.setInterval(50);
    connect(&renderTimer_, &QTimer::timeout, this, &MessageView::render);
    setStatus(tr("Starting…"));
    restyle();
}

void MessageView::setStatus(const QString& status) {
    status_->setText(status);
    status_->setVisible(!status.isEmpty());
}

QString MessageView::statusText() const {
    return status_->isVisibleTo(this) ? status_->text() : QString();
}

void MessageView::appendAnswerText(const QString& piece) {
    answer_ += piece;
    if (!renderTimer_.isActive()) renderTimer_.start();
}

void MessageView::render() {
    const QString link = palette().color(QPalette::Link).name();
    QString html = citation_text::toHtml(answer_, int(citations_.size()), link);
    if (streaming_) {
        // The caret goes inside the last paragraph so that it follows the text.
        const QString caret =
            QStringLiteral("<span style='color:%1'>%2</span>")
                .arg(palette().color(QPalette::Highlight).name(), QString::fromUtf8(kCaret));
        const int end = int(html.lastIndexOf(QLatin1String("</")));
        if (end >= 0)
            html.insert(end, caret);
        else
            html += caret;
    }
    answerLabel_->setText(html);
    answerLabel_->setVisible(!answer_.isEmpty());
    if (!answer_.isEmpty() && streaming_) setStatus(QString());
}

void MessageView::setAnswer(const QString& text, const std::vector<analysis::Citation>& citations,
                            const analysis::Metrics& metrics, bool extractive) {
    streaming_ = false;
    renderTimer_.stop();
    answer_ = text;
    citations_ = citations;
    setStatus(QString());
    render();
    while (QLayoutItem* item = chipLayout_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (std::size_t i = 0; i < citations_.size(); ++i) {
        auto* chip = new CitationChip(int(i) + 1, citations_[i]);
        connect(chip, &CitationChip::citationActivated, this, &MessageView::citationActivated);
        chipLayout_->addWidget(chip);
    }
    chips_->setVisible(!citations_.empty());
    metrics_->setText(describeMetrics(metrics, extractive));
    metrics_->setVisible(!metrics_->text().isEmpty());
    if (answer_.trimmed().isEmpty()) setStatus(tr("No answer was produced."));
}

void MessageView::setFailed(const QString& message) {
    streaming_ = false;
    renderTimer_.stop();
    render();
    setStatus(QStringLiteral("<span style='color:%1'>%2</span>")
                  .arg(theme::warning(palette()).name(), message.toHtmlEscaped()));
}

void MessageView::setCancelled() {
    streaming_ = false;
    renderTimer_.stop();
    render();
    setStatus(answer_.isEmpty() ? tr("Stopped before the answer began.") : tr("Stopped."));
}

void MessageView::copySelectedAnswer() const {
    if (answerLabel_->hasSelectedText())
        QGuiApplication::clipboard()->setText(
            citation_text::withoutBreakHints(answerLabel_->selectedText()));
}

bool MessageView::eventFilter(QObject* watched, QEvent* event) {
    if (watched != answerLabel_) return QWidget::eventFilter(watched, event);
    if (event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent*>(event)->matches(QKeySequence::Copy)) {
        copySelectedAnswer();
        return true;
    }
    if (event->type() == QEvent::ContextMenu) {
        QMenu menu(answerLabel_);
        QAction* copy = menu.addAction(icons::themed(QStringLiteral("edit-copy")), tr("&Copy"),
                                       this, &MessageView::copySelectedAnswer);
        copy->setShortcut(QKeySequence::Copy);
        copy->setEnabled(answerLabel_->hasSelectedText());
        menu.addAction(tr("Select &All"), this, [this] {
            // Positions count the characters shown, not those of the HTML.
            QTextDocument shown;
            shown.setHtml(answerLabel_->text());
            answerLabel_->setSelection(0, shown.characterCount() - 1);
        });
        menu.exec(static_cast<QContextMenuEvent*>(event)->globalPos());
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void MessageView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        restyle();
        render();
    }
}

void MessageView::restyle() {
    const QPalette pal = palette();
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.9);
    const QString secondary = theme::secondaryText(pal).name();
    author_->setText(
        QStringLiteral("<span style='color:%1'>%2</span>").arg(secondary, tr("Longview")));
    author_->setFont(small);
    for (QLabel* l : {status_, metrics_}) {
        QPalette p = l->palette();
        p.setColor(QPalette::WindowText, theme::secondaryText(pal));
        l->setPalette(p);
        l->setFont(small);
    }
}

} // namespace lv::ui

#include "moc_MessageView.cpp"
