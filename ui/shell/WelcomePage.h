// What the viewer shows when no document is open: what Longview does, Open File and
// Open Folder, and the recently opened files.
#pragma once

#include <QStringList>
#include <QWidget>

class QVBoxLayout;

namespace lv::ui {

class EmptyState;

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

    void setActions(QAction* openFile, QAction* openFolder);
    void setRecentFiles(const QStringList& paths);
    // With documents in the library the page invites a choice rather than a first file.
    void setLibraryEmpty(bool empty);
    // The library cannot be opened: nothing to open a file into, so no buttons either.
    void setLibraryUnavailable();
    EmptyState* state() const { return state_; }

signals:
    void recentFileRequested(const QString& path);

private:
    EmptyState* state_ = nullptr;
    bool unavailable_ = false;
    QWidget* recent_ = nullptr;
    QVBoxLayout* recentLayout_ = nullptr;
};

} // namespace lv::ui
