// The documents of the library as a list model: the service's entries in its order,
// updated in place (selection survives a refresh), and files still being added.
#pragma once

#include "ui/worker/LibraryEntry.h"

#include <QAbstractListModel>

#include <optional>

namespace lv::ui {

class LibraryModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        DocumentIdRole = Qt::UserRole + 1, // qint64; 0 for a file being added
        KindRole,                          // int(analysis::DocumentKind)
        DetailRole,                        // "412 pages · 2.1 MB"
        StateCachedRole,                   // bool
        SourceMissingRole,                 // bool
        PendingRole,                       // bool: being added
        ProgressRole,                      // double 0..1, -1: indeterminate
        PathRole,                          // source path
    };

    explicit LibraryModel(QObject* parent = nullptr);

    void setEntries(const LibraryEntries& entries);
    const LibraryEntries& entries() const { return entries_; }
    std::optional<LibraryEntry> entry(qint64 documentId) const;
    std::optional<LibraryEntry> entryForPath(const QString& path) const;
    int rowOf(qint64 documentId) const; // -1 when absent

    // A file or folder being added: shown at the top until its job ends.
    void addPending(quint64 jobId, const QString& path);
    void setPendingProgress(quint64 jobId, const QString& stage, double fraction);
    void removePending(quint64 jobId);
    int pendingCount() const { return int(pending_.size()); }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

    // "2.1 MB", "412 pages · 2.1 MB", "1,204 files · 18.3 MB"
    static QString formatBytes(qint64 bytes);
    static QString describe(const LibraryEntry& entry);

private:
    struct Pending {
        quint64 jobId = 0;
        QString path;
        analysis::DocumentKind kind = analysis::DocumentKind::Text;
        QString stage;
        double fraction = -1;
    };
    int pendingRow(quint64 jobId) const;

    std::vector<Pending> pending_; // rows 0 .. pending_.size() - 1
    LibraryEntries entries_;       // the rows after them
};

} // namespace lv::ui
