#include "ui/viewer/CodebaseView.h"

#include "ui/shell/EmptyState.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"
#include "ui/viewer/CodeEditor.h"
#include "ui/viewer/FileIcons.h"
#include "ui/viewer/SourceFile.h"
#include "ui/worker/DeliverResult.h"

#include <QDir>
#include <QFileInfo>
#include <QFileSystemModel>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QStackedWidget>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace lv::ui {

CodebaseView::CodebaseView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    splitter_ = new QSplitter(Qt::Horizontal);
    splitter_->setChildrenCollapsible(false);
    splitter_->setHandleWidth(1);

    files_ = new QFileSystemModel(this);
    files_->setFilter(QDir::AllDirs | QDir::Files | QDir::NoDotAndDotDot);
    files_->setReadOnly(true);
    files_->setIconProvider(&fileIcons_);
    tree_ = new QTreeView;
    tree_->setModel(files_);
    tree_->setHeaderHidden(true);
    for (int c = 1; c < files_->columnCount(); ++c)
        tree_->hideColumn(c);
    tree_->setFrameShape(QFrame::NoFrame);
    tree_->setUniformRowHeights(true);
    tree_->setAnimated(true);
    tree_->setMinimumWidth(160);
    connect(tree_, &QTreeView::activated, this, [this](const QModelIndex& index) {
        if (!files_->isDir(index)) openFile(files_->filePath(index));
    });
    connect(tree_, &QTreeView::clicked, this, [this](const QModelIndex& index) {
        if (!files_->isDir(index)) openFile(files_->filePath(index));
    });

    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->setSpacing(0);
    header_ = new QWidget;
    header_->setAutoFillBackground(true);
    auto* headerLayout = new QHBoxLayout(header_);
    headerLayout->setContentsMargins(12, 6, 12, 6);
    pathLabel_ = new QLabel;
    pathLabel_->setTextFormat(Qt::RichText);
    pathLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    infoLabel_ = new QLabel;
    headerLayout->addWidget(pathLabel_, 1);
    headerLayout->addWidget(infoLabel_);
    editor_ = new CodeEditor;
    placeholder_ = new EmptyState;
    editorStack_ = new QStackedWidget;
    editorStack_->addWidget(editor_);
    editorStack_->addWidget(placeholder_);
    rightLayout->addWidget(header_);
    rightLayout->addWidget(editorStack_, 1);

    splitter_->addWidget(tree_);
    splitter_->addWidget(right);
    splitter_->setStretchFactor(0, 0);
    splitter_->setStretchFactor(1, 1);
    splitter_->setSizes({240, 700});
    layout->addWidget(splitter_);

    connect(editor_, &CodeEditor::loaded, this, [this] {
        updateHeader();
        emit fileLoaded(currentFile_);
    });
    updateHeader();
}

void CodebaseView::setCodebase(const QString& rootPath) {
    single_ = false;
    root_ = QDir(rootPath).absolutePath();
    currentFile_.clear();
    error_.clear();
    editor_->clearContent();
    // QFileSystemModel lists folders on its own thread.
    tree_->setRootIndex(files_->setRootPath(root_));
    tree_->show();
    updateHeader();
}

void CodebaseView::setSingleFile(const QString& path) {
    single_ = true;
    const QFileInfo fi(path);
    root_ = fi.absolutePath();
    tree_->hide();
    openFile(fi.absoluteFilePath());
}

void CodebaseView::clear() {
    ++generation_;
    root_.clear();
    currentFile_.clear();
    error_.clear();
    editor_->clearContent();
    updateHeader();
}

QString CodebaseView::absolutePath(const QString& path) const {
    if (QFileInfo(path).isAbsolute()) return QDir::cleanPath(path);
    return QDir::cleanPath(QDir(root_).filePath(path));
}

void CodebaseView::openFile(const QString& path, int firstLine, int lastLine) {
    const QString absolute = absolutePath(path);
    const QString relative = QDir(root_).relativeFilePath(absolute);
    if (relative == currentFile_ && error_.isEmpty()) {
        if (firstLine > 0) editor_->showLines(firstLine, lastLine);
        return;
    }
    currentFile_ = relative;
    error_.clear();
    editor_->clearContent();
    if (!single_) {
        const QModelIndex index = files_->index(absolute);
        if (index.isValid()) {
            tree_->setCurrentIndex(index);
            tree_->scrollTo(index);
        }
    }
    if (firstLine > 0) editor_->showLines(firstLine, lastLine);
    updateHeader();
    emit fileOpened(relative);

    const quint64 generation = ++generation_;
    deliverResult(this, QtConcurrent::run([absolute] { return SourceFile::read(absolute); }),
                  [this, generation, firstLine, lastLine](const SourceFile& file) {
                      if (generation != generation_) return;
                      if (!file.error.isEmpty()) {
                          error_ = file.error;
                          editor_->clearContent();
                          updateHeader();
                          return;
                      }
                      editor_->setContent(file.text, SyntaxRules::forFileName(file.path));
                      if (firstLine > 0) editor_->showLines(firstLine, lastLine);
                      updateHeader();
                  });
}

bool CodebaseView::showsPlaceholder() const {
    return editorStack_->currentWidget() == placeholder_;
}

void CodebaseView::updateHeader() {
    // An empty editor with a lone line number looks broken: say what to do, or why the
    // chosen file is not shown.
    if (!error_.isEmpty()) {
        placeholder_->setIcon(icons::themed(QStringLiteral("dialog-warning")));
        placeholder_->setTitle(tr("This file cannot be shown"));
        placeholder_->setBody(error_.toHtmlEscaped());
        editorStack_->setCurrentWidget(placeholder_);
    } else if (currentFile_.isEmpty() && !root_.isEmpty() && !single_) {
        placeholder_->setIcon(icons::themed(QStringLiteral("folder-documents")));
        placeholder_->setTitle(tr("Choose a file"));
        placeholder_->setBody(tr("Pick a file in the tree to read it. Sources cited in answers "
                                 "open here, at their lines."));
        editorStack_->setCurrentWidget(placeholder_);
    } else {
        editorStack_->setCurrentWidget(editor_);
    }
    const QPalette pal = palette();
    header_->setVisible(!currentFile_.isEmpty());
    QPalette headerPalette = header_->palette();
    headerPalette.setColor(QPalette::Window, theme::subtleFill(pal));
    header_->setPalette(headerPalette);
    const QString secondary = theme::secondaryText(pal).name();
    const QFileInfo fi(currentFile_);
    const QString dir = fi.path() == QLatin1String(".") ? QString() : fi.path() + QLatin1Char('/');
    pathLabel_->setText(QStringLiteral("<span style='color:%1'>%2</span><b>%3</b>")
                            .arg(secondary, dir.toHtmlEscaped(), fi.fileName().toHtmlEscaped()));
    QPalette infoPalette = infoLabel_->palette();
    infoPalette.setColor(QPalette::WindowText, theme::secondaryText(pal));
    infoLabel_->setPalette(infoPalette);
    if (!error_.isEmpty() || currentFile_.isEmpty()) {
        infoLabel_->clear();
    } else if (editor_->isLoading() || editor_->lineCount() == 0) {
        infoLabel_->setText(tr("Loading…"));
    } else {
        const int lines = editor_->lineCount();
        infoLabel_->setText(QStringLiteral("%1 · %2").arg(
            editor_->languageName(),
            lines == 1 ? tr("1 line") : tr("%1 lines").arg(QLocale().toString(lines))));
    }
}

void CodebaseView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) updateHeader();
}

QByteArray CodebaseView::splitterState() const {
    return splitter_->saveState();
}
void CodebaseView::restoreSplitterState(const QByteArray& state) {
    splitter_->restoreState(state);
}

} // namespace lv::ui

#include "moc_CodebaseView.cpp"
