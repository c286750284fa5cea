// A document of the library as the GUI lists it: what the service stores, plus what
// the worker learnt about its source on disk (size, whether it still exists).
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <vector>

namespace lv::ui {

struct LibraryEntry {
    analysis::DocumentInfo info;
    qint64 sourceBytes = -1; // -1: unknown (missing, unreadable)
    bool sourceExists = true;
    QDateTime sourceModified; // newest modification time of the file or folder

    QString title() const { return QString::fromStdString(info.title); }
    QString sourcePath() const { return QString::fromStdString(info.sourcePath); }
};

using LibraryEntries = std::vector<LibraryEntry>;

} // namespace lv::ui

Q_DECLARE_METATYPE(lv::ui::LibraryEntry)
