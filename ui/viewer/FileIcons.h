// Icons and type names for the codebase's file tree: folders, source files and other files,
// from the icon theme when it has them, else Longview's own. No disk access per file.
#pragma once

#include <QAbstractFileIconProvider>

namespace lv::ui {

class FileIcons : public QAbstractFileIconProvider {
public:
    QIcon icon(IconType type) const override;
    QIcon icon(const QFileInfo& info) const override;
    // The base class asks QMimeDatabase, which loads its database and sniffs the file's
    // content: QFileSystemModel::index() calls this on the UI thread.
    QString type(const QFileInfo& info) const override;
};

} // namespace lv::ui
