#include "ui/library/LibraryDelegate.h"

#include "analysis/AnalysisTypes.h"
#include "ui/library/LibraryModel.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

namespace lv::ui {

namespace {
constexpr int kPadding = 8;
constexpr int kIconSize = 32;
constexpr int kBadgeSize = 16;

QFont titleFont(const QFont& base) {
    QFont f = base;
    f.setWeight(QFont::DemiBold);
    return f;
}

QFont detailFont(const QFont& base) {
    QFont f = base;
    f.setPointSizeF(base.pointSizeF() * 0.9);
    return f;
}
} // namespace

QIcon LibraryDelegate::kindIcon(int kind) {
    switch (analysis::DocumentKind(kind)) {
    case analysis::DocumentKind::Pdf:
        return icons::themed(QStringLiteral("application-pdf"));
    case analysis::DocumentKind::Codebase:
        return icons::themed(QStringLiteral("folder-documents"));
    case analysis::DocumentKind::Text:
        return icons::themed(QStringLiteral("text-x-generic"));
    }
    return {};
}

QSize LibraryDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
    const int h = QFontMetrics(titleFont(option.font)).height() +
                  QFontMetrics(detailFont(option.font)).height() + 2;
    return QSize(200, std::max(kIconSize, h) + 2 * kPadding + 4);
}

void LibraryDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                            const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();

    // The selection and hover background of the platform's style.
    opt.text.clear();
    opt.icon = QIcon();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette& pal = option.palette;
    const QColor text = selected ? pal.color(QPalette::HighlightedText) : pal.color(QPalette::Text);
    const QColor secondary = selected ? theme::mix(pal.color(QPalette::HighlightedText),
                                                   pal.color(QPalette::Highlight), 0.3)
                                      : theme::secondaryText(pal);
    const bool pending = index.data(LibraryModel::PendingRole).toBool();
    const bool missing = index.data(LibraryModel::SourceMissingRole).toBool();
    const bool cached = index.data(LibraryModel::StateCachedRole).toBool();

    const QRect r = option.rect.adjusted(kPadding + 2, kPadding, -kPadding, -kPadding);
    const QRect iconRect(r.left(), r.top() + (r.height() - kIconSize) / 2, kIconSize, kIconSize);
    const QIcon icon = kindIcon(index.data(LibraryModel::KindRole).toInt());
    icon.paint(painter, iconRect, Qt::AlignCenter,
               pending || missing ? QIcon::Disabled : QIcon::Normal);

    int right = r.right();
    if (cached || missing) {
        const QRect badge(right - kBadgeSize + 1, r.top() + (r.height() - kBadgeSize) / 2,
                          kBadgeSize, kBadgeSize);
        const QIcon badgeIcon = missing ? icons::themed(QStringLiteral("dialog-warning"))
                                        : icons::bundled(QStringLiteral("state-cached"));
        badgeIcon.paint(painter, badge, Qt::AlignCenter,
                        selected ? QIcon::Selected : QIcon::Normal);
        right = badge.left() - 6;
    }

    const QFont tf = titleFont(option.font);
    const QFont df = detailFont(option.font);
    const QFontMetrics tfm(tf);
    const QFontMetrics dfm(df);
    const int textLeft = iconRect.right() + 10;
    const int blockHeight = tfm.height() + 2 + dfm.height();
    const int top = r.top() + (r.height() - blockHeight) / 2;
    const int width = std::max(0, right - textLeft);

    painter->setFont(tf);
    painter->setPen(pending ? secondary : text);
    painter->drawText(
        QRect(textLeft, top, width, tfm.height()), Qt::AlignLeft | Qt::AlignVCenter,
        tfm.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, width));

    QString detail = index.data(LibraryModel::DetailRole).toString();
    painter->setFont(df);
    painter->setPen(missing && !selected ? theme::warning(pal) : secondary);
    const QRect detailRect(textLeft, top + tfm.height() + 2, width, dfm.height());
    const double progress = index.data(LibraryModel::ProgressRole).toDouble();
    if (pending) {
        // A thin progress track under the title instead of the details line's end.
        const int barWidth = std::min(90, width / 3);
        const QRect textPart = detailRect.adjusted(0, 0, -(barWidth + 8), 0);
        painter->drawText(textPart, Qt::AlignLeft | Qt::AlignVCenter,
                          dfm.elidedText(detail, Qt::ElideRight, textPart.width()));
        const QRectF track(detailRect.right() - barWidth, detailRect.center().y() - 2, barWidth, 4);
        painter->setPen(Qt::NoPen);
        painter->setBrush(theme::border(pal));
        painter->drawRoundedRect(track, 2, 2);
        if (progress >= 0) {
            painter->setBrush(pal.color(QPalette::Highlight));
            painter->drawRoundedRect(QRectF(track.left(), track.top(),
                                            track.width() * std::clamp(progress, 0.03, 1.0),
                                            track.height()),
                                     2, 2);
        }
    } else {
        painter->drawText(detailRect, Qt::AlignLeft | Qt::AlignVCenter,
                          dfm.elidedText(detail, Qt::ElideRight, width));
    }
    painter->restore();
}

} // namespace lv::ui

#include "moc_LibraryDelegate.cpp"
