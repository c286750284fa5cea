#include "ui/shell/EmptyState.h"

#include "ui/shell/Theme.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <QWindow>

namespace lv::ui {

namespace {
constexpr int kColumnWidth = 420; // the text's measure on a wide panel
} // namespace

EmptyState::EmptyState(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(24, 24, 24, 24);
    outer->addStretch(2);

    auto* centre = new QHBoxLayout;
    centre->addStretch(1);
    auto* columnWidget = new QWidget;
    columnWidget->setMaximumWidth(kColumnWidth);
    column_ = new QVBoxLayout(columnWidget);
    column_->setContentsMargins(0, 0, 0, 0);
    column_->setSpacing(10);

    icon_ = new QLabel;
    icon_->setAlignment(Qt::AlignCenter);
    title_ = new QLabel;
    title_->setAlignment(Qt::AlignCenter);
    title_->setWordWrap(true);
    title_->setTextInteractionFlags(Qt::NoTextInteraction);
    body_ = new QLabel;
    body_->setAlignment(Qt::AlignCenter);
    body_->setWordWrap(true);
    body_->setTextFormat(Qt::RichText);
    body_->setOpenExternalLinks(false);
    connect(body_, &QLabel::linkActivated, this, &EmptyState::linkActivated);

    buttons_ = new QHBoxLayout;
    buttons_->setSpacing(8);
    buttons_->addStretch(1);
    buttons_->addStretch(1);

    column_->addWidget(icon_);
    column_->addSpacing(4);
    column_->addWidget(title_);
    column_->addWidget(body_);
    column_->addSpacing(8);
    column_->addLayout(buttons_);

    centre->addWidget(columnWidget, 10);
    centre->addStretch(1);
    outer->addLayout(centre);
    outer->addStretch(3);
    restyle();
}

void EmptyState::setIcon(const QIcon& icon, int size, bool muted) {
    iconSource_ = icon;
    iconSize_ = size;
    iconMuted_ = muted;
    restyle();
}

void EmptyState::setTitle(const QString& title) {
    title_->setText(title);
}

void EmptyState::setBody(const QString& body) {
    body_->setText(body);
    body_->setVisible(!body.isEmpty());
}

QString EmptyState::title() const {
    return title_->text();
}
QString EmptyState::body() const {
    return body_->text();
}

QPushButton* EmptyState::addButton(const QString& text, const QIcon& icon, bool primary) {
    auto* button = new QPushButton(icon, text);
    if (primary) {
        button->setDefault(true);
        button->setAutoDefault(true);
    }
    buttons_->insertWidget(buttons_->count() - 1, button);
    updateButtonDirection();
    return button;
}

void EmptyState::clearButtons() {
    for (int i = buttons_->count() - 1; i >= 0; --i) {
        QLayoutItem* item = buttons_->itemAt(i);
        if (QWidget* w = item->widget()) {
            buttons_->removeWidget(w);
            w->deleteLater();
        }
    }
    updateButtonDirection();
}

void EmptyState::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    updateButtonDirection();
}

void EmptyState::updateButtonDirection() {
    // In a narrow panel (the library at its narrowest) a row of buttons would be wider
    // than the panel: clipped, and the text above wrapped for a width it does not have.
    int row = 0;
    int count = 0;
    for (int i = 0; i < buttons_->count(); ++i)
        if (QWidget* button = buttons_->itemAt(i)->widget()) {
            row += button->sizeHint().width();
            ++count;
        }
    row += std::max(0, count - 1) * buttons_->spacing();
    const QMargins margins = layout()->contentsMargins();
    const int available = std::min(width() - margins.left() - margins.right(), kColumnWidth);
    const auto direction =
        count > 1 && row > available ? QBoxLayout::TopToBottom : QBoxLayout::LeftToRight;
    if (buttons_->direction() != direction) buttons_->setDirection(direction);
}

void EmptyState::setExtra(QWidget* widget) {
    if (extra_) {
        column_->removeWidget(extra_);
        extra_->deleteLater();
    }
    extra_ = widget;
    if (extra_) {
        column_->addSpacing(12);
        column_->addWidget(extra_);
    }
}

void EmptyState::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) restyle();
}

void EmptyState::restyle() {
    const QPalette pal = palette();
    QFont titleFont = font();
    titleFont.setPointSizeF(font().pointSizeF() * 1.35);
    titleFont.setWeight(QFont::DemiBold);
    title_->setFont(titleFont);
    QPalette secondary = body_->palette();
    secondary.setColor(QPalette::WindowText, theme::secondaryText(pal));
    body_->setPalette(secondary);
    if (!iconSource_.isNull()) {
        const qreal dpr = devicePixelRatioF();
        QPixmap pm = iconSource_.pixmap(QSize(iconSize_, iconSize_), dpr,
                                        iconMuted_ ? QIcon::Disabled : QIcon::Normal);
        icon_->setPixmap(pm);
        icon_->setVisible(true);
    } else {
        icon_->setVisible(false);
    }
}

} // namespace lv::ui

#include "moc_EmptyState.cpp"
