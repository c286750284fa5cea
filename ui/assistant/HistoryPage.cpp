#include "ui/assistant/HistoryPage.h"

#include "ui/shell/EmptyState.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QApplication>
#include <QDateTime>
#include <QListWidget>
#include <QLocale>
#include <QPainter>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace lv::ui {

namespace {

// Two lines per conversation: its last question and when and how long it was.
class SessionDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const override {
        return QSize(200, QFontMetrics(option.font).height() * 2 + 22);
    }

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear();
        const QWidget* w = option.widget;
        (w ? w->style() : QApplication::style())
            ->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, w);
        painter->save();
        const bool selected = option.state & QStyle::State_Selected;
        const QPalette& pal = option.palette;
        const QRect r = option.rect.adjusted(14, 8, -12, -8);
        const QIcon icon = icons::bundled(QStringLiteral("chat"));
        const QRect iconRect(r.left(), r.top() + 2, 16, 16);
        icon.paint(painter, iconRect, Qt::AlignCenter, selected ? QIcon::Selected : QIcon::Normal);
        const QRect text = r.adjusted(26, 0, 0, 0);
        QFont title = option.font;
        title.setWeight(QFont::Medium);
        painter->setFont(title);
        painter->setPen(pal.color(selected ? QPalette::HighlightedText : QPalette::Text));
        const QFontMetrics fm(title);
        painter->drawText(
            QRect(text.left(), text.top(), text.width(), fm.height()),
            Qt::AlignLeft | Qt::AlignVCenter,
            fm.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, text.width()));
        QFont small = option.font;
        small.setPointSizeF(option.font.pointSizeF() * 0.9);
        painter->setFont(small);
        painter->setPen(selected ? pal.color(QPalette::HighlightedText)
                                 : theme::secondaryText(pal));
        const QFontMetrics sfm(small);
        painter->drawText(
            QRect(text.left(), text.top() + fm.height() + 3, text.width(), sfm.height()),
            Qt::AlignLeft | Qt::AlignVCenter,
            sfm.elidedText(index.data(HistoryPage::DetailRole).toString(), Qt::ElideRight,
                           text.width()));
        painter->restore();
    }
};

} // namespace

HistoryPage::HistoryPage(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    stack_ = new QStackedWidget;
    list_ = new QListWidget;
    list_->setFrameShape(QFrame::NoFrame);
    list_->setItemDelegate(new SessionDelegate(list_));
    list_->setUniformItemSizes(true);
    list_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    empty_ = new EmptyState;
    empty_->setIcon(icons::bundled(QStringLiteral("history")), 48);
    empty_->setTitle(tr("No conversations yet"));
    empty_->setBody(
        tr("Questions you ask about this document are kept here, with their answers and sources, "
           "also after you close Longview."));
    stack_->addWidget(empty_);
    stack_->addWidget(list_);
    layout->addWidget(stack_);
    connect(list_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        emit sessionActivated(item->data(SessionIdRole).toLongLong());
    });
    connect(list_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        emit sessionActivated(item->data(SessionIdRole).toLongLong());
    });
}

QString HistoryPage::formatTime(const QString& iso) {
    QDateTime t = QDateTime::fromString(iso, Qt::ISODate);
    if (!t.isValid()) t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!t.isValid()) return iso;
    t = t.toLocalTime();
    const QLocale locale;
    const QDate today = QDate::currentDate();
    // Minutes are enough; some locales' short format carries seconds.
    QString timeFormat = locale.timeFormat(QLocale::ShortFormat);
    timeFormat.remove(QStringLiteral(":ss"));
    const QString time = locale.toString(t.time(), timeFormat);
    if (t.date() == today) return tr("Today, %1").arg(time);
    if (t.date() == today.addDays(-1)) return tr("Yesterday, %1").arg(time);
    const QString dateFormat =
        t.date().year() == today.year() ? QStringLiteral("d MMMM") : QStringLiteral("d MMMM yyyy");
    return locale.toString(t.date(), dateFormat) + QStringLiteral(", ") + time;
}

void HistoryPage::setSessions(const std::vector<analysis::SessionInfo>& sessions) {
    const qint64 current =
        list_->currentItem() ? list_->currentItem()->data(SessionIdRole).toLongLong() : 0;
    list_->clear();
    for (const analysis::SessionInfo& s : sessions) {
        auto* item = new QListWidgetItem;
        const QString last = QString::fromStdString(s.lastQuestion).simplified();
        item->setText(last.isEmpty() ? tr("Conversation") : last);
        const QString count =
            s.messages == 1 ? tr("1 question") : tr("%1 questions").arg(s.messages);
        item->setData(DetailRole, count + QStringLiteral(" · ") +
                                      formatTime(QString::fromStdString(s.lastActiveAt)));
        item->setData(SessionIdRole, qint64(s.id));
        item->setToolTip(last);
        list_->addItem(item);
        if (s.id == current) list_->setCurrentItem(item);
    }
    stack_->setCurrentWidget(sessions.empty() ? static_cast<QWidget*>(empty_) : list_);
}

void HistoryPage::setCurrentSession(qint64 sessionId) {
    for (int i = 0; i < list_->count(); ++i)
        if (list_->item(i)->data(SessionIdRole).toLongLong() == sessionId) {
            list_->setCurrentRow(i);
            return;
        }
    list_->clearSelection();
}

int HistoryPage::sessionCount() const {
    return list_->count();
}

} // namespace lv::ui

#include "moc_HistoryPage.cpp"
