#include "ui/assistant/CitationChip.h"

#include "ui/assistant/CitationText.h"
#include "ui/shell/Theme.h"

#include <QPainter>
#include <QPainterPath>

namespace lv::ui {

CitationChip::CitationChip(int number, const analysis::Citation& citation, QWidget* parent)
    : QAbstractButton(parent), number_(number), citation_(citation) {
    setText(citation_text::chipLabel(citation));
    setCursor(Qt::PointingHandCursor);
    setFocusPolicy(Qt::TabFocus);
    QString tip = QString::fromStdString(citation.quote).simplified();
    if (tip.size() > 280) tip = tip.left(277) + QStringLiteral("…");
    setToolTip(tip.isEmpty() ? tr("Open the source") : QStringLiteral("“%1”").arg(tip));
    connect(this, &QAbstractButton::clicked, this, [this] { emit citationActivated(citation_); });
}

QSize CitationChip::sizeHint() const {
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    const QFontMetrics fm(f);
    const QString numberText = QString::number(number_);
    const int w = fm.horizontalAdvance(numberText) + fm.horizontalAdvance(text()) + 10 + 8 + 12;
    return QSize(std::min(w, 320), fm.height() + 8);
}

void CitationChip::enterEvent(QEnterEvent* event) {
    hovered_ = true;
    update();
    QAbstractButton::enterEvent(event);
}

void CitationChip::leaveEvent(QEvent* event) {
    hovered_ = false;
    update();
    QAbstractButton::leaveEvent(event);
}

void CitationChip::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const QRectF r = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    const qreal radius = r.height() / 2;
    const QColor accent = pal.color(QPalette::Highlight);
    p.setPen(QPen(hovered_ || hasFocus() ? accent : theme::border(pal), 1));
    p.setBrush(isDown() ? theme::accentFill(pal)
                        : (hovered_ ? theme::subtleFill(pal) : pal.color(QPalette::Base)));
    p.drawRoundedRect(r, radius, radius);

    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    p.setFont(f);
    const QFontMetrics fm(f);
    const QString numberText = QString::number(number_);
    int x = 10;
    p.setPen(accent);
    p.drawText(QRect(x, 0, fm.horizontalAdvance(numberText), height()), Qt::AlignVCenter,
               numberText);
    x += fm.horizontalAdvance(numberText) + 8;
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRect(x, 0, width() - x - 10, height()), Qt::AlignVCenter,
               fm.elidedText(text(), Qt::ElideMiddle, width() - x - 10));
}

} // namespace lv::ui

#include "moc_CitationChip.cpp"
