#include "ui/shell/WelcomePage.h"

#include "ui/shell/EmptyState.h"
#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace lv::ui {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    state_ = new EmptyState;
    state_->setIcon(icons::application(), 96, false);
    layout->addWidget(state_);

    recent_ = new QWidget;
    recentLayout_ = new QVBoxLayout(recent_);
    recentLayout_->setContentsMargins(0, 8, 0, 0);
    recentLayout_->setSpacing(2);
    state_->setExtra(recent_);
    setLibraryEmpty(true);
    setRecentFiles({});
}

void WelcomePage::setActions(QAction* openFile, QAction* openFolder) {
    state_->clearButtons();
    connect(state_->addButton(tr("Open File…"), openFile->icon(), true), &QPushButton::clicked,
            openFile, &QAction::trigger);
    connect(state_->addButton(tr("Open Folder…"), openFolder->icon()), &QPushButton::clicked,
            openFolder, &QAction::trigger);
}

void WelcomePage::setLibraryUnavailable() {
    unavailable_ = true;
    state_->clearButtons();
    recent_->hide();
    state_->setTitle(tr("The library could not be opened"));
    state_->setBody(tr("Longview keeps what it reads in its library. The library panel says "
                       "what went wrong; until the library opens, no file can be added."));
}

void WelcomePage::setLibraryEmpty(bool empty) {
    if (unavailable_) return;
    state_->setTitle(empty ? tr("Welcome to Longview") : tr("Choose a document"));
    state_->setBody(
        empty
            ? tr("Open a long PDF, a folder of documents or a whole repository. Longview reads all "
                 "of it, on this computer, and answers with sources you can click.")
            : tr("Pick one from the library on the left, or open another file or folder. "
                 "Files dropped on this window are added too."));
}

void WelcomePage::setRecentFiles(const QStringList& paths) {
    while (QLayoutItem* item = recentLayout_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (paths.isEmpty() || unavailable_) {
        recent_->hide();
        return;
    }
    auto* heading = new QLabel(tr("Recent"));
    QFont f = heading->font();
    f.setWeight(QFont::DemiBold);
    heading->setFont(f);
    theme::useSecondaryText(heading);
    recentLayout_->addWidget(heading, 0, Qt::AlignHCenter);
    for (const QString& path : paths.mid(0, 5)) {
        const QFileInfo fi(path);
        auto* b = new QToolButton;
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        b->setAutoRaise(true);
        b->setIcon(icons::themed(
            fi.isDir() ? QStringLiteral("folder-documents")
                       : (fi.suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0
                              ? QStringLiteral("application-pdf")
                              : QStringLiteral("text-x-generic"))));
        b->setText(fi.fileName().isEmpty() ? path : fi.fileName());
        b->setToolTip(QDir::toNativeSeparators(path));
        b->setCursor(Qt::PointingHandCursor);
        connect(b, &QToolButton::clicked, this, [this, path] { emit recentFileRequested(path); });
        recentLayout_->addWidget(b, 0, Qt::AlignHCenter);
    }
    recent_->show();
}

} // namespace lv::ui

#include "moc_WelcomePage.cpp"
