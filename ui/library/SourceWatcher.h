// Tells when a document's source changed on disk: watches PDF and text files, and the
// folders of codebases, and reports each source once its changes have settled.
#pragma once

#include <QFileSystemWatcher>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace lv::ui {

class SourceWatcher : public QObject {
    Q_OBJECT
public:
    // settleMs: how long a source must stay quiet before it is reported; an editor
    // or a copy writes a file in several steps.
    explicit SourceWatcher(int settleMs = 1500, QObject* parent = nullptr);

    // The sources to watch (files, or folders of codebases). Folders are walked on a
    // worker thread; their subfolders are watched too, up to kMaxFolders each.
    void setSources(const QStringList& sources);
    QStringList sources() const { return sources_.values(); }
    QStringList watchedPaths() const;

    static constexpr int kMaxFolders = 256;

signals:
    void sourceChanged(const QString& source);

private:
    void onPathChanged(const QString& path);
    void checkSettled();
    void watchFolderTree(const QString& source);

    QFileSystemWatcher watcher_;
    QSet<QString> sources_;
    QHash<QString, QString> sourceOfPath_; // watched path -> the source it belongs to
    QHash<QString, qint64> dueAt_;         // source -> when to report it (ms since epoch)
    QSet<QString> lostFiles_;              // replaced by an editor's save: re-add when back
    QTimer settleTimer_;
    int settleMs_;
    quint64 generation_ = 0;
};

} // namespace lv::ui
