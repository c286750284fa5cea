#include "ui/library/LibraryModel.h"

#include "ui/worker/JobTicket.h"

#include <QFileInfo>
#include <QHash>
#include <QLocale>

namespace lv::ui {

LibraryModel::LibraryModel(QObject* parent) : QAbstractListModel(parent) {}

int LibraryModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(pending_.size() + entries_.size());
}

QString LibraryModel::formatBytes(qint64 bytes) {
    if (bytes < 0) return {};
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString LibraryModel::describe(const LibraryEntry& e) {
    QStringList parts;
    const QLocale locale;
    switch (e.info.kind) {
    case analysis::DocumentKind::Pdf:
        parts << (e.info.pages == 1 ? tr("1 page")
                                    : tr("%1 pages").arg(locale.toString(e.info.pages)));
        break;
    case analysis::DocumentKind::Codebase:
        parts << (e.info.files == 1 ? tr("1 file")
                                    : tr("%1 files").arg(locale.toString(e.info.files)));
        break;
    case analysis::DocumentKind::Text:
        parts << tr("Text");
        break;
    }
    if (e.sourceBytes >= 0) parts << formatBytes(e.sourceBytes);
    if (e.info.scannedPages > 0)
        parts << tr("%1 scanned").arg(locale.toString(e.info.scannedPages));
    return parts.join(QStringLiteral(" · "));
}

QVariant LibraryModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const int row = index.row();
    if (row < int(pending_.size())) {
        const Pending& p = pending_[std::size_t(row)];
        switch (role) {
        case Qt::DisplayRole: {
            const QString name = QFileInfo(p.path).fileName();
            return name.isEmpty() ? p.path : name;
        }
        case Qt::ToolTipRole:
            return p.path;
        case DetailRole:
            return p.stage.isEmpty() ? tr("Waiting to be added…")
                                     : describeStage(p.stage) + QStringLiteral("…");
        case DocumentIdRole:
            return qint64(0);
        case KindRole:
            return int(p.kind);
        case PendingRole:
            return true;
        case ProgressRole:
            return p.fraction;
        case PathRole:
            return p.path;
        case StateCachedRole:
        case SourceMissingRole:
            return false;
        default:
            return {};
        }
    }
    const LibraryEntry& e = entries_[std::size_t(row) - pending_.size()];
    switch (role) {
    case Qt::DisplayRole:
        return e.title().isEmpty() ? QFileInfo(e.sourcePath()).fileName() : e.title();
    case Qt::ToolTipRole: {
        QString tip =
            QStringLiteral("<b>%1</b><br>%2<br>%3")
                .arg(e.title().toHtmlEscaped(), e.sourcePath().toHtmlEscaped(), describe(e));
        if (e.info.stateCached)
            tip += QStringLiteral("<br>") +
                   tr("The model's reading of it is cached: answers start at once.");
        if (!e.sourceExists) tip += QStringLiteral("<br>") + tr("The source is no longer on disk.");
        return tip;
    }
    case DetailRole:
        return e.sourceExists ? describe(e) : tr("Source missing");
    case DocumentIdRole:
        return qint64(e.info.id);
    case KindRole:
        return int(e.info.kind);
    case StateCachedRole:
        return e.info.stateCached;
    case SourceMissingRole:
        return !e.sourceExists;
    case PendingRole:
        return false;
    case ProgressRole:
        return -1.0;
    case PathRole:
        return e.sourcePath();
    default:
        return {};
    }
}

void LibraryModel::setEntries(const LibraryEntries& entries) {
    const int offset = int(pending_.size());
    // Remove rows that are gone, from the bottom up.
    QHash<qint64, int> wanted;
    for (int i = 0; i < int(entries.size()); ++i)
        wanted.insert(entries[std::size_t(i)].info.id, i);
    for (int i = int(entries_.size()) - 1; i >= 0; --i) {
        if (wanted.contains(entries_[std::size_t(i)].info.id)) continue;
        beginRemoveRows({}, offset + i, offset + i);
        entries_.erase(entries_.begin() + i);
        endRemoveRows();
    }
    // Then walk the new order: move or insert each entry into place and refresh it.
    for (int i = 0; i < int(entries.size()); ++i) {
        const LibraryEntry& e = entries[std::size_t(i)];
        int at = -1;
        for (int j = i; j < int(entries_.size()); ++j)
            if (entries_[std::size_t(j)].info.id == e.info.id) {
                at = j;
                break;
            }
        if (at < 0) {
            beginInsertRows({}, offset + i, offset + i);
            entries_.insert(entries_.begin() + i, e);
            endInsertRows();
            continue;
        }
        if (at != i) {
            beginMoveRows({}, offset + at, offset + at, {}, offset + i);
            LibraryEntry moved = std::move(entries_[std::size_t(at)]);
            entries_.erase(entries_.begin() + at);
            entries_.insert(entries_.begin() + i, std::move(moved));
            endMoveRows();
        }
        entries_[std::size_t(i)] = e;
        const QModelIndex idx = index(offset + i);
        emit dataChanged(idx, idx);
    }
}

std::optional<LibraryEntry> LibraryModel::entry(qint64 documentId) const {
    for (const LibraryEntry& e : entries_)
        if (e.info.id == documentId) return e;
    return std::nullopt;
}

std::optional<LibraryEntry> LibraryModel::entryForPath(const QString& path) const {
    const QString wanted = QFileInfo(path).absoluteFilePath();
    for (const LibraryEntry& e : entries_)
        if (QFileInfo(e.sourcePath()).absoluteFilePath() == wanted) return e;
    return std::nullopt;
}

int LibraryModel::rowOf(qint64 documentId) const {
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].info.id == documentId) return int(pending_.size() + i);
    return -1;
}

int LibraryModel::pendingRow(quint64 jobId) const {
    for (std::size_t i = 0; i < pending_.size(); ++i)
        if (pending_[i].jobId == jobId) return int(i);
    return -1;
}

void LibraryModel::addPending(quint64 jobId, const QString& path) {
    if (pendingRow(jobId) >= 0) return;
    Pending p;
    p.jobId = jobId;
    p.path = path;
    // Guessed from the path until the service says; a folder is a codebase.
    const QFileInfo fi(path);
    p.kind = fi.isDir() ? analysis::DocumentKind::Codebase
                        : (fi.suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0
                               ? analysis::DocumentKind::Pdf
                               : analysis::DocumentKind::Text);
    beginInsertRows({}, 0, 0);
    pending_.insert(pending_.begin(), std::move(p));
    endInsertRows();
}

void LibraryModel::setPendingProgress(quint64 jobId, const QString& stage, double fraction) {
    const int row = pendingRow(jobId);
    if (row < 0) return;
    pending_[std::size_t(row)].stage = stage;
    pending_[std::size_t(row)].fraction = fraction;
    emit dataChanged(index(row), index(row));
}

void LibraryModel::removePending(quint64 jobId) {
    const int row = pendingRow(jobId);
    if (row < 0) return;
    beginRemoveRows({}, row, row);
    pending_.erase(pending_.begin() + row);
    endRemoveRows();
}

} // namespace lv::ui

#include "moc_LibraryModel.cpp"
