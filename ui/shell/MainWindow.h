// Longview's main window: the library on the left, the viewer in the middle, the
// assistant on the right; menus, toolbar, status bar, drag and drop, recent files,
// PDF passwords and reading changed files again. Everything slow runs elsewhere.
#pragma once

#include "analysis/AnalysisTypes.h"
#include "ui/shell/Theme.h"
#include "ui/worker/AnalysisWorker.h"
#include "ui/worker/LibraryEntry.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QSet>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QMessageBox;
class QSplitter;

namespace lv::ui {

class AnalysisClient;
class AppSettings;
class AssistantPanel;
class DropOverlay;
class JobStatusWidget;
class LibraryModel;
class LibraryPanel;
class ModelStatusWidget;
class SourceWatcher;
class ViewerPanel;
class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // databasePath: shown in the settings and used when the service is reconfigured;
    // empty lets the service choose its default.
    MainWindow(AnalysisClient& client, AppSettings& settings, const QString& databasePath,
               QWidget* parent = nullptr);
    ~MainWindow() override;

    // Adds files and folders to the library, as File > Open and drops do. The last
    // one is opened once it is in. Encrypted PDFs ask for their password first.
    void openPaths(const QStringList& paths);
    void selectDocument(qint64 documentId);
    void showCitation(const analysis::Citation& citation);
    void openSettings(int page = 0);
    // How a changed appearance setting is applied (main() knows the system's own
    // palette and style); without one the setting takes effect at the next start.
    void setAppearanceHandler(std::function<void(Appearance)> handler) {
        applyAppearance_ = std::move(handler);
    }

    qint64 currentDocument() const { return currentDocument_; }
    LibraryModel* libraryModel() const { return libraryModel_; }
    LibraryPanel* library() const { return library_; }
    ViewerPanel* viewer() const { return viewer_; }
    AssistantPanel* assistant() const { return assistant_; }
    ModelStatusWidget* modelStatus() const { return modelStatus_; }
    JobStatusWidget* jobStatus() const { return jobStatus_; }
    WelcomePage* welcome() const { return welcome_; }
    SourceWatcher* sourceWatcher() const { return watcher_; }
    QAction* action(const QString& objectName) const;

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createToolBar();
    void createStatusBar();
    void connectClient();
    void restoreWindow();
    void saveWindow();

    void onLibraryChanged(const LibraryEntries& entries);
    void onDocumentSelected(qint64 documentId);
    void onSourceChanged(const QString& path);
    void ingest(const QString& path, bool reread);
    void ingestPdf(const QString& path, bool reread);
    void askPassword(const QString& path, bool wrong,
                     std::function<void(const QString&)> onPassword);
    void removeDocument(qint64 documentId);
    void locateDocument(qint64 documentId);
    void updateNavigation();
    void updateDocumentActions(); // enabled while a document of the library is open
    void updateCopyAction();      // enabled while the PDF shown has selected text
    void updateRecentMenu();
    void updateModelPicker();
    void updateStateStatus();
    void showError(const QString& title, const QString& text);
    // Files that could not be added are listed in one dialog until it is dismissed, so
    // that dropping ten broken files does not stack ten dialogs.
    void reportNotAdded(const QString& path, const QString& reason);
    void rememberViewPosition();

    AnalysisClient& client_;
    AppSettings& settings_;
    QString databasePath_;

    LibraryModel* libraryModel_ = nullptr;
    LibraryPanel* library_ = nullptr;
    ViewerPanel* viewer_ = nullptr;
    AssistantPanel* assistant_ = nullptr;
    WelcomePage* welcome_ = nullptr;
    QSplitter* splitter_ = nullptr;
    DropOverlay* dropOverlay_ = nullptr;
    SourceWatcher* watcher_ = nullptr;
    JobStatusWidget* jobStatus_ = nullptr;
    ModelStatusWidget* modelStatus_ = nullptr;

    QMenu* recentMenu_ = nullptr;
    QLineEdit* pageField_ = nullptr;
    QLabel* pageCount_ = nullptr;
    QComboBox* zoomBox_ = nullptr;
    QComboBox* modelPicker_ = nullptr;
    QHash<QString, QAction*> actions_;

    qint64 currentDocument_ = 0;
    qint64 selectWhenListed_ = 0;
    QString selectPathWhenIngested_;
    qint64 shownWhenOpened_ = 0; // the document open when selectPathWhenIngested_ was asked for
    bool firstListing_ = true;
    QSet<qint64> checkedForChanges_;
    QSet<quint64> rereadJobs_;
    QHash<quint64, QString> ingestJobs_;      // job -> path, to name a file that could not be added
    QHash<QString, QString> passwords_;       // this run only; never written anywhere
    QList<QPair<QString, QString>> notAdded_; // path, reason: what notAddedBox_ lists
    QPointer<QMessageBox> notAddedBox_;
    ModelList models_;
    QString modelsFolder_;
    bool hasModel_ = false;
    bool libraryUnavailable_ = false; // the service could not open the library file
    int lastStateStatus_ = 0;
    std::function<void(Appearance)> applyAppearance_;
};

} // namespace lv::ui
