#include "ui/shell/DropOverlay.h"

#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QEvent>
#include <QFileInfo>
#include <QPainter>
#include <QPainterPath>

namespace lv::ui {

DropOverlay::DropOverlay(QWidget* target) : QWidget(target->window()), target_(target) {
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAttribute(Qt::WA_NoSystemBackground);
    hide();
    target_->installEventFilter(this);
}

void DropOverlay::follow() {
    setGeometry(QRect(target_->mapTo(parentWidget(), QPoint(0, 0)), target_->size()));
}

void DropOverlay::showOver(const QStringList& paths) {
    if (paths.size() == 1)
        caption_ = tr("Drop to add “%1” to the library").arg(QFileInfo(paths.first()).fileName());
    else
        caption_ = tr("Drop to add %1 items to the library").arg(paths.size());
    follow();
    raise();
    show();
    update();
}

bool DropOverlay::eventFilter(QObject* watched, QEvent* event) {
    if (watched == parentWidget() && event->type() == QEvent::Resize)
        setGeometry(parentWidget()->rect());
    return QWidget::eventFilter(watched, event);
}

void DropOverlay::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    QColor veil = pal.color(QPalette::Window);
    veil.setAlpha(215);
    p.fillRect(rect(), veil);
    const QRectF box = QRectF(rect()).adjusted(24, 24, -24, -24);
    QPen pen(pal.color(QPalette::Highlight), 2, Qt::DashLine);
    pen.setDashPattern({6, 4});
    p.setPen(pen);
    p.setBrush(theme::accentFill(pal));
    p.drawRoundedRect(box, 16, 16);
    const QSize iconSize(56, 56);
    const QRect iconRect(int(box.center().x()) - 28, int(box.center().y()) - 56, 56, 56);
    icons::themed(QStringLiteral("document-open")).paint(&p, iconRect);
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 1.3);
    f.setWeight(QFont::DemiBold);
    p.setFont(f);
    p.setPen(pal.color(QPalette::WindowText));
    p.drawText(QRectF(box.left(), iconRect.bottom() + 12, box.width(), 40),
               Qt::AlignHCenter | Qt::AlignTop, caption_);
}

} // namespace lv::ui

#include "moc_DropOverlay.cpp"
