#include "ui/library/SourceWatcher.h"

#include "ui/worker/DeliverResult.h"
#include "ui/worker/FolderWalk.h"

#include <QDateTime>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace lv::ui {

SourceWatcher::SourceWatcher(int settleMs, QObject* parent) : QObject(parent), settleMs_(settleMs) {
    connect(&watcher_, &QFileSystemWatcher::fileChanged, this, &SourceWatcher::onPathChanged);
    connect(&watcher_, &QFileSystemWatcher::directoryChanged, this, &SourceWatcher::onPathChanged);
    settleTimer_.setInterval(std::max(50, settleMs_ / 4));
    connect(&settleTimer_, &QTimer::timeout, this, &SourceWatcher::checkSettled);
}

QStringList SourceWatcher::watchedPaths() const {
    return watcher_.files() + watcher_.directories();
}

void SourceWatcher::setSources(const QStringList& sources) {
    const QSet<QString> wanted(sources.begin(), sources.end());
    if (wanted == sources_) return;
    ++generation_;
    const QStringList watched = watchedPaths();
    if (!watched.isEmpty()) watcher_.removePaths(watched);
    sourceOfPath_.clear();
    lostFiles_.clear();
    for (auto it = dueAt_.begin(); it != dueAt_.end();) {
        if (wanted.contains(it.key()))
            ++it;
        else
            it = dueAt_.erase(it);
    }
    sources_ = wanted;
    QStringList files;
    for (const QString& source : sources_) {
        const QFileInfo fi(source);
        if (fi.isDir()) {
            watchFolderTree(source);
        } else {
            files << source;
            sourceOfPath_.insert(source, source);
        }
    }
    if (!files.isEmpty()) {
        // Missing files cannot be watched; they are no longer there to change.
        const QStringList failed = watcher_.addPaths(files);
        for (const QString& f : failed)
            sourceOfPath_.remove(f);
    }
}

void SourceWatcher::watchFolderTree(const QString& source) {
    const quint64 generation = generation_;
    // The walk touches every folder of the tree: a worker's job.
    deliverResult(this,
                  QtConcurrent::run([source] { return walkFolder(source, kMaxFolders).folders; }),
                  [this, source, generation](const QStringList& folders) {
                      if (generation != generation_) return;
                      for (const QString& f : folders)
                          sourceOfPath_.insert(f, source);
                      watcher_.addPaths(folders);
                  });
}

void SourceWatcher::onPathChanged(const QString& path) {
    const QString source = sourceOfPath_.value(path);
    if (source.isEmpty()) return;
    // A file deleted, or replaced by a rename (how many editors save), drops out of
    // the watch even when a new file already stands at its path.
    if (path == source && !watcher_.files().contains(path) &&
        !watcher_.directories().contains(path))
        lostFiles_.insert(path);
    dueAt_.insert(source, QDateTime::currentMSecsSinceEpoch() + settleMs_);
    if (!settleTimer_.isActive()) settleTimer_.start();
}

void SourceWatcher::checkSettled() {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Files that an editor replaced (write to a temporary, rename over) drop out
    // of the watch; take them back once they exist again.
    for (auto it = lostFiles_.begin(); it != lostFiles_.end();) {
        if (QFileInfo::exists(*it)) {
            watcher_.addPath(*it);
            dueAt_.insert(sourceOfPath_.value(*it, *it), now + settleMs_);
            it = lostFiles_.erase(it);
        } else {
            ++it;
        }
    }
    QStringList ready;
    for (auto it = dueAt_.begin(); it != dueAt_.end();) {
        if (it.value() <= now) {
            ready << it.key();
            it = dueAt_.erase(it);
        } else {
            ++it;
        }
    }
    if (dueAt_.isEmpty() && lostFiles_.isEmpty()) settleTimer_.stop();
    for (const QString& source : ready)
        if (QFileInfo::exists(source)) emit sourceChanged(source);
}

} // namespace lv::ui

#include "moc_SourceWatcher.cpp"
