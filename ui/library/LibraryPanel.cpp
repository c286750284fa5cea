#include "ui/library/LibraryPanel.h"

#include "ui/library/LibraryDelegate.h"
#include "ui/library/LibraryModel.h"
#include "ui/shell/EmptyState.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace lv::ui {

LibraryPanel::LibraryPanel(LibraryModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    auto* header = new QWidget;
    auto* headerLayout = new QHBoxLayout(header);
    headerLayout->setContentsMargins(12, 10, 8, 6);
    headerLayout->setSpacing(6);
    title_ = new QLabel(tr("Library"));
    count_ = new QLabel;
    addButton_ = new QToolButton;
    addButton_->setIcon(icons::themed(QStringLiteral("list-add")));
    addButton_->setToolTip(tr("Add to the library"));
    addButton_->setAutoRaise(true);
    addButton_->setPopupMode(QToolButton::InstantPopup);
    headerLayout->addWidget(title_);
    headerLayout->addWidget(count_);
    headerLayout->addStretch(1);
    headerLayout->addWidget(addButton_);

    filter_ = new QLineEdit;
    filter_->setPlaceholderText(tr("Filter"));
    filter_->setClearButtonEnabled(true);
    filter_->addAction(icons::themed(QStringLiteral("edit-find")), QLineEdit::LeadingPosition);
    auto* filterRow = new QHBoxLayout;
    filterRow->setContentsMargins(10, 0, 10, 8);
    filterRow->addWidget(filter_);

    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy_->setFilterRole(Qt::DisplayRole);

    view_ = new QListView;
    view_->setModel(proxy_);
    view_->setItemDelegate(new LibraryDelegate(view_));
    view_->setFrameShape(QFrame::NoFrame);
    view_->setUniformItemSizes(true);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setContextMenuPolicy(Qt::CustomContextMenu);
    view_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    view_->setMouseTracking(true);
    view_->setAttribute(Qt::WA_MacShowFocusRect, false);
    view_->setAutoFillBackground(false);
    view_->viewport()->setAutoFillBackground(false);

    empty_ = new EmptyState;
    empty_->setIcon(icons::bundled(QStringLiteral("library")), 56);
    empty_->setTitle(tr("Your library is empty"));
    empty_->setBody(tr("Add a PDF, a text file or a code folder, or drop them here. "
                       "Longview reads them once and keeps them."));

    noMatches_ = new QLabel(tr("No documents match the filter."));
    noMatches_->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    noMatches_->setWordWrap(true);
    noMatches_->setContentsMargins(12, 24, 12, 12);

    stack_ = new QStackedWidget;
    stack_->addWidget(view_);
    stack_->addWidget(empty_);
    stack_->addWidget(noMatches_);

    layout->addWidget(header);
    layout->addLayout(filterRow);
    layout->addWidget(stack_, 1);

    connect(filter_, &QLineEdit::textChanged, this, [this](const QString& text) {
        proxy_->setFilterFixedString(text);
        // Filtering hides rows but does not close the open document; when it shows
        // again it is selected again.
        const int row = model_->rowOf(lastCurrent_);
        if (row >= 0) {
            const QModelIndex index = proxy_->mapFromSource(model_->index(row));
            if (index.isValid()) view_->setCurrentIndex(index);
        }
        updateState();
    });
    connect(view_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& index) {
                const qint64 id = index.data(LibraryModel::DocumentIdRole).toLongLong();
                if (id <= 0 || id == lastCurrent_) return; // filtered away, or a row being added
                lastCurrent_ = id;
                emit currentDocumentChanged(id);
            });
    connect(model_, &QAbstractItemModel::rowsRemoved, this, [this] {
        if (lastCurrent_ && model_->rowOf(lastCurrent_) < 0) {
            lastCurrent_ = 0;
            emit currentDocumentChanged(0);
        }
    });
    connect(view_, &QListView::activated, this, [this](const QModelIndex& index) {
        const qint64 id = index.data(LibraryModel::DocumentIdRole).toLongLong();
        if (id > 0) emit documentActivated(id);
    });
    connect(view_, &QListView::customContextMenuRequested, this, &LibraryPanel::showContextMenu);
    connect(model_, &QAbstractItemModel::rowsInserted, this, &LibraryPanel::updateState);
    connect(model_, &QAbstractItemModel::rowsRemoved, this, &LibraryPanel::updateState);
    connect(model_, &QAbstractItemModel::modelReset, this, &LibraryPanel::updateState);

    view_->installEventFilter(this);

    restyle();
    updateState();
}

void LibraryPanel::setAddActions(QAction* addFile, QAction* addFolder) {
    addFile_ = addFile;
    addFolder_ = addFolder;
    auto* menu = new QMenu(addButton_);
    menu->addAction(addFile);
    menu->addAction(addFolder);
    addButton_->setMenu(menu);
    empty_->clearButtons();
    connect(empty_->addButton(tr("Add File…"), addFile->icon(), true), &QPushButton::clicked,
            addFile, &QAction::trigger);
    connect(empty_->addButton(tr("Add Folder…"), addFolder->icon()), &QPushButton::clicked,
            addFolder, &QAction::trigger);
}

void LibraryPanel::showUnavailable(const QString& reason) {
    empty_->setTitle(tr("The library could not be opened"));
    empty_->setBody(reason.toHtmlEscaped() + QStringLiteral("<br><br>") +
                    tr("Start Longview with <tt>--db</tt> and another file, or move this one "
                       "aside."));
    empty_->clearButtons();
    if (addButton_) addButton_->setEnabled(false);
    stack_->setCurrentWidget(empty_);
}

qint64 LibraryPanel::currentDocument() const {
    return lastCurrent_;
}

void LibraryPanel::selectDocument(qint64 documentId) {
    const int row = model_->rowOf(documentId);
    if (row < 0) return;
    const QModelIndex index = proxy_->mapFromSource(model_->index(row));
    if (!index.isValid()) {
        filter_->clear();
        return selectDocument(documentId);
    }
    view_->setCurrentIndex(index);
    view_->scrollTo(index);
}

void LibraryPanel::updateState() {
    const int total = model_->rowCount();
    count_->setText(total > 0 ? QString::number(total - model_->pendingCount()) : QString());
    count_->setVisible(total - model_->pendingCount() > 0);
    filter_->setVisible(total > 0);
    if (total == 0)
        stack_->setCurrentWidget(empty_);
    else if (proxy_->rowCount() == 0)
        stack_->setCurrentWidget(noMatches_);
    else
        stack_->setCurrentWidget(view_);
}

void LibraryPanel::showContextMenu(const QPoint& pos) {
    const QModelIndex index = view_->indexAt(pos);
    QMenu menu(this);
    if (!index.isValid() || index.data(LibraryModel::PendingRole).toBool()) {
        if (!addFile_) return;
        menu.addAction(addFile_);
        menu.addAction(addFolder_);
        menu.exec(view_->viewport()->mapToGlobal(pos));
        return;
    }
    const qint64 id = index.data(LibraryModel::DocumentIdRole).toLongLong();
    const QString path = index.data(LibraryModel::PathRole).toString();
    const bool missing = index.data(LibraryModel::SourceMissingRole).toBool();
    menu.addAction(icons::themed(QStringLiteral("view-list-text")), tr("Summarize"), this,
                   [this, id] { emit summarizeRequested(id); });
    QAction* reread =
        menu.addAction(icons::themed(QStringLiteral("view-refresh")), tr("Read Again from Disk"),
                       this, [this, id] { emit reingestRequested(id); });
    reread->setEnabled(!missing);
    menu.addSeparator();
    QAction* show = menu.addAction(
        icons::themed(QStringLiteral("folder-open")), tr("Show in Folder"), this, [path] {
            const QFileInfo fi(path);
            QDesktopServices::openUrl(
                QUrl::fromLocalFile(fi.isDir() ? fi.absoluteFilePath() : fi.absolutePath()));
        });
    show->setEnabled(!missing);
    menu.addAction(icons::themed(QStringLiteral("edit-copy")), tr("Copy Path"), this,
                   [path] { QApplication::clipboard()->setText(path); });
    menu.addSeparator();
    menu.addAction(icons::themed(QStringLiteral("edit-delete")), tr("Remove from Library"), this,
                   [this, id] { emit removeRequested(id); });
    menu.exec(view_->viewport()->mapToGlobal(pos));
}

bool LibraryPanel::eventFilter(QObject* watched, QEvent* event) {
    // Delete removes the selected document (after the window asks to confirm).
    if (watched == view_ && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->matches(QKeySequence::Delete) || key->key() == Qt::Key_Delete) {
            if (const qint64 id = currentDocument()) emit removeRequested(id);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void LibraryPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) restyle();
}

void LibraryPanel::restyle() {
    QFont f = font();
    f.setWeight(QFont::DemiBold);
    f.setPointSizeF(font().pointSizeF() * 1.1);
    title_->setFont(f);
    QPalette secondary = count_->palette();
    secondary.setColor(QPalette::WindowText, theme::secondaryText(palette()));
    count_->setPalette(secondary);
    noMatches_->setPalette(secondary);
}

} // namespace lv::ui

#include "moc_LibraryPanel.cpp"
