#include "ui/worker/FolderWalk.h"

#include <QDir>
#include <QFileInfo>

namespace lv::ui {

bool isSkippedFolder(const QString& name) {
    static const QStringList outputs = {QStringLiteral("node_modules"), QStringLiteral("build"),
                                        QStringLiteral("__pycache__"),  QStringLiteral("target"),
                                        QStringLiteral("dist"),         QStringLiteral("out")};
    return name.startsWith(QLatin1Char('.')) || outputs.contains(name);
}

FolderWalk walkFolder(const QString& root, int maxFolders) {
    FolderWalk walk;
    QStringList pending{root};
    while (!pending.isEmpty()) {
        const QString folder = pending.takeFirst();
        if (walk.folders.size() < maxFolders) walk.folders << folder;
        const QFileInfoList entries = QDir(folder).entryInfoList(
            QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::NoSymLinks);
        for (const QFileInfo& e : entries) {
            if (e.isDir()) {
                if (!isSkippedFolder(e.fileName())) pending << e.absoluteFilePath();
            } else {
                walk.bytes += e.size();
                ++walk.files;
            }
        }
    }
    return walk;
}

} // namespace lv::ui
