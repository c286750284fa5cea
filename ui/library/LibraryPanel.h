// The library pane on the left: documents and codebases with their details, a filter,
// a context menu (open, read again, show in folder, remove) and an empty state.
#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;
class QSortFilterProxyModel;
class QStackedWidget;
class QToolButton;

namespace lv::ui {

class EmptyState;
class LibraryModel;

class LibraryPanel : public QWidget {
    Q_OBJECT
public:
    // The model is owned by the caller (the main window), shared with others.
    explicit LibraryPanel(LibraryModel* model, QWidget* parent = nullptr);

    qint64 currentDocument() const; // 0: none
    void selectDocument(qint64 documentId);
    QListView* view() const { return view_; }
    QLineEdit* filter() const { return filter_; }
    EmptyState* emptyState() const { return empty_; }
    // The panel's own actions, for the main window's menus and shortcuts.
    void setAddActions(QAction* addFile, QAction* addFolder);
    // The library file could not be opened: the panel says so, with SQLite's reason, where
    // it would otherwise call the library empty.
    void showUnavailable(const QString& reason);

signals:
    void currentDocumentChanged(qint64 documentId);
    void documentActivated(qint64 documentId); // double click or Enter
    void removeRequested(qint64 documentId);
    void reingestRequested(qint64 documentId);
    void summarizeRequested(qint64 documentId);

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void updateState();
    void showContextMenu(const QPoint& pos);
    void restyle();

    LibraryModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* count_ = nullptr;
    QToolButton* addButton_ = nullptr;
    QLineEdit* filter_ = nullptr;
    QStackedWidget* stack_ = nullptr;
    QListView* view_ = nullptr;
    EmptyState* empty_ = nullptr;
    QLabel* noMatches_ = nullptr;
    QAction* addFile_ = nullptr;
    QAction* addFolder_ = nullptr;
    qint64 lastCurrent_ = 0;
};

} // namespace lv::ui
