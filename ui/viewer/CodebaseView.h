// A codebase or a text file in the viewer: the folder's files in a tree beside the
// open file, with a header naming the file, its language and its length.
#pragma once

#include "ui/viewer/FileIcons.h"

#include <QWidget>

class QFileSystemModel;
class QLabel;
class QSplitter;
class QStackedWidget;
class QTreeView;

namespace lv::ui {

class CodeEditor;
class EmptyState;

class CodebaseView : public QWidget {
    Q_OBJECT
public:
    explicit CodebaseView(QWidget* parent = nullptr);

    void setCodebase(const QString& rootPath); // shows the file tree
    void setSingleFile(const QString& path);   // no tree; opens the file
    void clear();

    // path: relative to the codebase root, or absolute. Lines are 1-based; 0: none.
    void openFile(const QString& path, int firstLine = 0, int lastLine = 0);
    QString root() const { return root_; }
    QString currentFile() const { return currentFile_; } // relative to the root
    bool isSingleFile() const { return single_; }

    CodeEditor* editor() const { return editor_; }
    QTreeView* tree() const { return tree_; }
    // Shown instead of the editor while no file is chosen or the chosen one cannot be shown.
    EmptyState* placeholder() const { return placeholder_; }
    bool showsPlaceholder() const;
    QByteArray splitterState() const;
    void restoreSplitterState(const QByteArray& state);

signals:
    void fileOpened(const QString& relativePath);
    void fileLoaded(const QString& relativePath); // every line is in the editor

protected:
    void changeEvent(QEvent* event) override;

private:
    QString absolutePath(const QString& path) const;
    void updateHeader();

    QSplitter* splitter_ = nullptr;
    QTreeView* tree_ = nullptr;
    FileIcons fileIcons_; // before files_, which uses it
    QFileSystemModel* files_ = nullptr;
    QWidget* header_ = nullptr;
    QLabel* pathLabel_ = nullptr;
    QLabel* infoLabel_ = nullptr;
    CodeEditor* editor_ = nullptr;
    QStackedWidget* editorStack_ = nullptr;
    EmptyState* placeholder_ = nullptr;
    QString root_;
    QString currentFile_;
    QString error_;
    bool single_ = false;
    quint64 generation_ = 0;
};

} // namespace lv::ui
