// Paints a library row: the kind's icon, the title, a line of details (pages or files,
// size), a badge when the model's state is cached, and progress while a file is added.
#pragma once

#include <QStyledItemDelegate>

namespace lv::ui {

class LibraryDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

    static QIcon kindIcon(int kind);
};

} // namespace lv::ui
