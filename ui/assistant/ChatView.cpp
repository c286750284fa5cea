#include "ui/assistant/ChatView.h"

#include "ui/assistant/MessageView.h"

#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

namespace lv::ui {

ChatView::ChatView(QWidget* parent) : QScrollArea(parent) {
    setFrameShape(QFrame::NoFrame);
    setWidgetResizable(true);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    column_ = new QWidget;
    column_->setAutoFillBackground(false);
    layout_ = new QVBoxLayout(column_);
    layout_->setContentsMargins(14, 12, 14, 12);
    layout_->setSpacing(10);
    layout_->addStretch(1);
    setWidget(column_);
    viewport()->setAutoFillBackground(false);

    QScrollBar* bar = verticalScrollBar();
    connect(bar, &QScrollBar::valueChanged, this,
            [this, bar](int value) { atBottom_ = value >= bar->maximum() - 4; });
    // When an answer grows, the range grows: stay at the bottom if we were there.
    connect(bar, &QScrollBar::rangeChanged, this, [this, bar](int, int max) {
        if (atBottom_) bar->setValue(max);
    });
}

MessageView* ChatView::addExchange(const QString& question) {
    auto* view = new MessageView(question);
    connect(view, &MessageView::citationActivated, this, &ChatView::citationActivated);
    layout_->insertWidget(layout_->count() - 1, view);
    atBottom_ = true;
    QTimer::singleShot(0, this,
                       [this] { verticalScrollBar()->setValue(verticalScrollBar()->maximum()); });
    return view;
}

void ChatView::clear() {
    while (layout_->count() > 1) {
        QLayoutItem* item = layout_->takeAt(0);
        delete item->widget();
        delete item;
    }
    atBottom_ = true;
}

int ChatView::exchangeCount() const {
    return layout_->count() - 1;
}

MessageView* ChatView::exchange(int index) const {
    if (index < 0 || index >= exchangeCount()) return nullptr;
    return qobject_cast<MessageView*>(layout_->itemAt(index)->widget());
}

MessageView* ChatView::lastExchange() const {
    return exchange(exchangeCount() - 1);
}

void ChatView::followIfAtBottom() {
    if (atBottom_) verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

} // namespace lv::ui

#include "moc_ChatView.cpp"
