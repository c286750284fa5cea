// Walking a codebase's folders the way a reader would: hidden folders (.git) and
// build outputs are not part of it. Shared by the size shown in the library and the
// folders the source watcher follows.
#pragma once

#include <QString>
#include <QStringList>

namespace lv::ui {

bool isSkippedFolder(const QString& name);

struct FolderWalk {
    QStringList folders; // the root first, then its subfolders, up to maxFolders
    qint64 bytes = 0;    // of the files in those folders
    qint64 files = 0;
};

// Blocking: call it on a worker thread.
FolderWalk walkFolder(const QString& root, int maxFolders);

} // namespace lv::ui
