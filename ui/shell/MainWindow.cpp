#include "ui/shell/MainWindow.h"

#include "ui/assistant/AssistantPanel.h"
#include "ui/library/LibraryModel.h"
#include "ui/library/LibraryPanel.h"
#include "ui/library/SourceWatcher.h"
#include "ui/shell/AboutDialog.h"
#include "ui/shell/AppSettings.h"
#include "ui/shell/DropOverlay.h"
#include "ui/shell/Icons.h"
#include "ui/shell/JobStatusWidget.h"
#include "ui/shell/ModelStatusWidget.h"
#include "ui/shell/SettingsDialog.h"
#include "ui/shell/Theme.h"
#include "ui/shell/WelcomePage.h"
#include "ui/viewer/FindBar.h"
#include "ui/viewer/PdfDocument.h"
#include "ui/viewer/PdfView.h"
#include "ui/viewer/ViewerPanel.h"
#include "ui/worker/AnalysisClient.h"
#include "ui/worker/DeliverResult.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

namespace lv::ui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

bool isDefaultLibrary(const QString& databasePath) {
    const QString fallback = qs(analysis::AnalysisService::defaultDatabasePath());
    return !fallback.isEmpty() &&
           QFileInfo(databasePath).absoluteFilePath() == QFileInfo(fallback).absoluteFilePath();
}

QStringList localPaths(const QMimeData* mime) {
    QStringList paths;
    if (!mime || !mime->hasUrls()) return paths;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile()) paths << QFileInfo(url.toLocalFile()).absoluteFilePath();
    return paths;
}

bool isPdf(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0;
}

} // namespace

MainWindow::MainWindow(AnalysisClient& client, AppSettings& settings, const QString& databasePath,
                       QWidget* parent)
    : QMainWindow(parent), client_(client), settings_(settings), databasePath_(databasePath) {
    setWindowTitle(QStringLiteral("Longview"));
    setWindowIcon(icons::application());
    setAcceptDrops(true);
    setObjectName(QStringLiteral("LongviewMainWindow"));

    libraryModel_ = new LibraryModel(this);
    library_ = new LibraryPanel(libraryModel_);
    viewer_ = new ViewerPanel;
    welcome_ = new WelcomePage;
    viewer_->setPlaceholder(welcome_);
    assistant_ = new AssistantPanel(client_, settings_);
    watcher_ = new SourceWatcher(1500, this);

    splitter_ = new QSplitter(Qt::Horizontal);
    splitter_->setObjectName(QStringLiteral("mainSplitter"));
    splitter_->setChildrenCollapsible(false);
    splitter_->addWidget(library_);
    splitter_->addWidget(viewer_);
    splitter_->addWidget(assistant_);
    splitter_->setStretchFactor(0, 0);
    splitter_->setStretchFactor(1, 1);
    splitter_->setStretchFactor(2, 0);
    library_->setMinimumWidth(200);
    assistant_->setMinimumWidth(300);
    splitter_->setSizes({270, 760, 400});
    setCentralWidget(splitter_);
    dropOverlay_ = new DropOverlay(splitter_);

    createActions();
    createMenus();
    createToolBar();
    createStatusBar();
    library_->setAddActions(action(QStringLiteral("open_file")),
                            action(QStringLiteral("open_folder")));
    welcome_->setActions(action(QStringLiteral("open_file")),
                         action(QStringLiteral("open_folder")));
    welcome_->setRecentFiles(settings_.recentFiles());

    connect(library_, &LibraryPanel::currentDocumentChanged, this, &MainWindow::onDocumentSelected);
    connect(library_, &LibraryPanel::removeRequested, this, &MainWindow::removeDocument);
    connect(library_, &LibraryPanel::reingestRequested, this, [this](qint64 id) {
        if (auto e = libraryModel_->entry(id)) ingest(e->sourcePath(), true);
    });
    connect(library_, &LibraryPanel::summarizeRequested, this, [this](qint64 id) {
        selectDocument(id);
        assistant_->summarize();
    });
    connect(viewer_, &ViewerPanel::navigationChanged, this, &MainWindow::updateNavigation);
    connect(viewer_->pdfView(), &PdfView::selectionChanged, this, &MainWindow::updateCopyAction);
    connect(viewer_, &ViewerPanel::removeRequested, this, &MainWindow::removeDocument);
    connect(viewer_, &ViewerPanel::locateRequested, this, &MainWindow::locateDocument);
    connect(viewer_, &ViewerPanel::passwordRequired, this, [this](const QString& path, bool wrong) {
        const QString known = passwords_.value(path);
        if (!known.isEmpty() && !wrong) return viewer_->unlock(known);
        askPassword(path, wrong, [this, path](const QString& pw) {
            passwords_.insert(path, pw);
            if (viewer_->entry() && viewer_->entry()->sourcePath() == path) viewer_->unlock(pw);
        });
    });
    connect(viewer_, &ViewerPanel::unlockRequested, this, [this] {
        if (!viewer_->entry()) return;
        const QString path = viewer_->entry()->sourcePath();
        askPassword(path, false, [this, path](const QString& pw) {
            passwords_.insert(path, pw);
            viewer_->unlock(pw);
        });
    });
    connect(welcome_, &WelcomePage::recentFileRequested, this,
            [this](const QString& path) { openPaths({path}); });
    connect(assistant_, &AssistantPanel::citationActivated, this, &MainWindow::showCitation);
    connect(assistant_, &AssistantPanel::chooseModelRequested, this,
            [this] { openSettings(SettingsDialog::ModelPage); });
    connect(watcher_, &SourceWatcher::sourceChanged, this, &MainWindow::onSourceChanged);
    connectClient();

    restoreWindow();
    updateNavigation();
    updateRecentMenu();
    // Until the library is listed and the models known: nothing open, extractive mode.
    updateDocumentActions();
    updateModelPicker();
    updateStateStatus();
    modelStatus_->setDevicePreference(settings_.device());
    if (client_.isReady()) {
        client_.refreshLibrary();
        client_.loadModels();
    }
}

MainWindow::~MainWindow() = default;

QAction* MainWindow::action(const QString& objectName) const {
    return actions_.value(objectName);
}

// --- actions, menus, toolbar ------------------------------------------------------

void MainWindow::createActions() {
    auto make = [this](const QString& id, const QString& text, const QString& icon,
                       const QKeySequence& key, auto&& slot) {
        auto* a = new QAction(text, this);
        a->setObjectName(id);
        if (!icon.isEmpty()) a->setIcon(icons::themed(icon));
        if (!key.isEmpty()) a->setShortcut(key);
        connect(a, &QAction::triggered, this, slot);
        actions_.insert(id, a);
        addAction(a); // shortcuts work while the menu bar is hidden too
        return a;
    };
    make(QStringLiteral("open_file"), tr("&Open File…"), QStringLiteral("document-open"),
         QKeySequence::Open,
         [this] {
             const QStringList files = QFileDialog::getOpenFileNames(
                 this, tr("Open File"), settings_.recentFiles().value(0),
                 tr("Documents (*.pdf *.txt *.md *.rst *.tex *.html *.htm *.csv *.json *.xml);;All "
                    "files (*)"));
             if (!files.isEmpty()) openPaths(files);
         })
        ->setToolTip(tr("Add a PDF or a text file to the library (Ctrl+O)"));
    make(QStringLiteral("open_folder"), tr("Open &Folder…"), QStringLiteral("folder-open"),
         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
         [this] {
             const QString dir =
                 QFileDialog::getExistingDirectory(this, tr("Open Folder or Repository"));
             if (!dir.isEmpty()) openPaths({dir});
         })
        ->setToolTip(tr("Add a codebase or a folder of documents (Ctrl+Shift+O)"));
    make(QStringLiteral("reread"), tr("&Read Again from Disk"), QStringLiteral("view-refresh"),
         QKeySequence::Refresh, [this] {
             if (auto e = libraryModel_->entry(currentDocument_)) ingest(e->sourcePath(), true);
         });
    make(QStringLiteral("remove"), tr("Re&move from Library"), QStringLiteral("edit-delete"),
         QKeySequence(), [this] { removeDocument(currentDocument_); });
    make(QStringLiteral("quit"), tr("&Quit"), QStringLiteral("application-exit"),
         QKeySequence::Quit, [this] { close(); });

    // Ctrl+C reaches this only when the focused widget does not take it itself (text
    // fields and the PDF view do), so it copies the PDF's selection from anywhere else.
    make(QStringLiteral("copy"), tr("&Copy"), QStringLiteral("edit-copy"), QKeySequence::Copy,
         [this] { viewer_->pdfView()->copy(); })
        ->setEnabled(false);
    make(QStringLiteral("find"), tr("&Find…"), QStringLiteral("edit-find"), QKeySequence::Find,
         [this] { viewer_->activateFind(); });
    make(QStringLiteral("find_next"), tr("Find &Next"), QStringLiteral("go-down"),
         QKeySequence::FindNext, [this] { viewer_->findNext(); });
    make(QStringLiteral("find_previous"), tr("Find Pre&vious"), QStringLiteral("go-up"),
         QKeySequence::FindPrevious, [this] { viewer_->findPrevious(); });
    make(QStringLiteral("settings"), tr("&Configure Longview…"), QStringLiteral("configure"),
         QKeySequence::Preferences, [this] { openSettings(); });
    if (action(QStringLiteral("settings"))->shortcut().isEmpty())
        action(QStringLiteral("settings"))->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));

    auto* showLibrary =
        make(QStringLiteral("show_library"), tr("&Library"), QStringLiteral("view-left-pane"),
             QKeySequence(Qt::Key_F9), [this](bool on) { library_->setVisible(on); });
    showLibrary->setCheckable(true);
    showLibrary->setChecked(true);
    auto* showAssistant =
        make(QStringLiteral("show_assistant"), tr("&Assistant"), QStringLiteral("view-right-pane"),
             QKeySequence(Qt::Key_F10), [this](bool on) { assistant_->setVisible(on); });
    showAssistant->setCheckable(true);
    showAssistant->setChecked(true);
    make(QStringLiteral("zoom_in"), tr("Zoom &In"), QStringLiteral("zoom-in"), QKeySequence::ZoomIn,
         [this] { viewer_->zoomIn(); });
    make(QStringLiteral("zoom_out"), tr("Zoom &Out"), QStringLiteral("zoom-out"),
         QKeySequence::ZoomOut, [this] { viewer_->zoomOut(); });
    make(QStringLiteral("fit_width"), tr("Fit &Width"), QStringLiteral("zoom-fit-width"),
         QKeySequence(Qt::CTRL | Qt::Key_0), [this] { viewer_->fitWidth(); });
    make(QStringLiteral("actual_size"), tr("&Actual Size"), QStringLiteral("zoom-original"),
         QKeySequence(Qt::CTRL | Qt::Key_1), [this] { viewer_->actualSize(); });
    auto* fullScreen =
        make(QStringLiteral("full_screen"), tr("F&ull Screen"), QStringLiteral("view-fullscreen"),
             QKeySequence::FullScreen, [this](bool on) { on ? showFullScreen() : showNormal(); });
    fullScreen->setCheckable(true);

    make(QStringLiteral("previous_page"), tr("&Previous Page"), QStringLiteral("go-previous"),
         QKeySequence(Qt::ALT | Qt::Key_Left), [this] { viewer_->previousPage(); });
    make(QStringLiteral("next_page"), tr("&Next Page"), QStringLiteral("go-next"),
         QKeySequence(Qt::ALT | Qt::Key_Right), [this] { viewer_->nextPage(); });
    make(QStringLiteral("first_page"), tr("&First Page"), QStringLiteral("go-first"),
         QKeySequence(Qt::CTRL | Qt::Key_Home), [this] { viewer_->goToPage(0); });
    make(QStringLiteral("last_page"), tr("&Last Page"), QStringLiteral("go-last"),
         QKeySequence(Qt::CTRL | Qt::Key_End),
         [this] { viewer_->goToPage(viewer_->pageCount() - 1); });
    make(QStringLiteral("go_to_page"), tr("&Go to Page…"), QStringLiteral("go-jump"),
         QKeySequence(Qt::CTRL | Qt::Key_G), [this] {
             pageField_->setFocus(Qt::ShortcutFocusReason);
             pageField_->selectAll();
         });

    make(QStringLiteral("summarize"), tr("&Summarize"), QString(),
         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), [this] { assistant_->summarize(); })
        ->setIcon(icons::bundled(QStringLiteral("sparkle")));
    make(QStringLiteral("ask"), tr("&Ask a Question"), QString(),
         QKeySequence(Qt::CTRL | Qt::Key_L), [this] { assistant_->focusPrompt(); })
        ->setIcon(icons::bundled(QStringLiteral("chat")));
    make(QStringLiteral("new_conversation"), tr("&New Conversation"), QStringLiteral("list-add"),
         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N),
         [this] { assistant_->startNewConversation(); });
    make(QStringLiteral("history"), tr("&History"), QString(), QKeySequence(Qt::CTRL | Qt::Key_H),
         [this] { assistant_->showTab(AssistantPanel::HistoryTab); })
        ->setIcon(icons::bundled(QStringLiteral("history")));
    make(QStringLiteral("stop"), tr("S&top"), QStringLiteral("process-stop"),
         QKeySequence(Qt::Key_Escape), [this] {
             // Esc also closes the find bar; the bar wins when it has the focus.
             if (viewer_->findBar()->isVisible() &&
                 viewer_->findBar()->isAncestorOf(focusWidget())) {
                 viewer_->findBar()->hide();
                 emit viewer_->findBar()->closed();
                 return;
             }
             // In a field with text (the library's filter, the page number), Esc clears
             // the field: a reader undoing a filter must not cancel a long ingest.
             if (auto* field = qobject_cast<QLineEdit*>(focusWidget());
                 field && !field->isReadOnly() && !field->text().isEmpty()) {
                 field->clear();
                 return;
             }
             if (!assistant_->stopCurrent() && !client_.jobs().isEmpty()) {
                 for (const JobState& j : client_.jobs())
                     if (j.running) client_.cancel(j.id);
             }
         });

    make(QStringLiteral("about"), tr("&About Longview"), QStringLiteral("help-about"),
         QKeySequence(), [this] {
             auto* dialog = new AboutDialog(this);
             dialog->setAttribute(Qt::WA_DeleteOnClose);
             dialog->open();
         });
    make(QStringLiteral("about_qt"), tr("About &Qt"), QString(), QKeySequence(),
         [] { QApplication::aboutQt(); });
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(action(QStringLiteral("open_file")));
    file->addAction(action(QStringLiteral("open_folder")));
    recentMenu_ =
        file->addMenu(icons::themed(QStringLiteral("document-open-recent")), tr("Open &Recent"));
    file->addSeparator();
    file->addAction(action(QStringLiteral("reread")));
    file->addAction(action(QStringLiteral("remove")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("quit")));

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(action(QStringLiteral("copy")));
    edit->addSeparator();
    edit->addAction(action(QStringLiteral("find")));
    edit->addAction(action(QStringLiteral("find_next")));
    edit->addAction(action(QStringLiteral("find_previous")));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(action(QStringLiteral("show_library")));
    view->addAction(action(QStringLiteral("show_assistant")));
    view->addSeparator();
    view->addAction(action(QStringLiteral("zoom_in")));
    view->addAction(action(QStringLiteral("zoom_out")));
    view->addAction(action(QStringLiteral("fit_width")));
    view->addAction(action(QStringLiteral("actual_size")));
    view->addSeparator();
    view->addAction(action(QStringLiteral("full_screen")));

    QMenu* go = menuBar()->addMenu(tr("&Go"));
    go->addAction(action(QStringLiteral("previous_page")));
    go->addAction(action(QStringLiteral("next_page")));
    go->addAction(action(QStringLiteral("first_page")));
    go->addAction(action(QStringLiteral("last_page")));
    go->addSeparator();
    go->addAction(action(QStringLiteral("go_to_page")));

    QMenu* assistant = menuBar()->addMenu(tr("&Assistant"));
    assistant->addAction(action(QStringLiteral("summarize")));
    assistant->addAction(action(QStringLiteral("ask")));
    assistant->addAction(action(QStringLiteral("new_conversation")));
    assistant->addAction(action(QStringLiteral("history")));
    assistant->addSeparator();
    assistant->addAction(action(QStringLiteral("stop")));

    QMenu* settingsMenu = menuBar()->addMenu(tr("&Settings"));
    settingsMenu->addAction(action(QStringLiteral("settings")));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(action(QStringLiteral("about")));
    help->addAction(action(QStringLiteral("about_qt")));
}

void MainWindow::createToolBar() {
    QToolBar* bar = addToolBar(tr("Main Toolbar"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonFollowStyle);
    bar->addAction(action(QStringLiteral("open_file")));
    bar->addAction(action(QStringLiteral("open_folder")));
    bar->addSeparator();
    bar->addAction(action(QStringLiteral("show_library")));
    bar->addSeparator();
    bar->addAction(action(QStringLiteral("previous_page")));
    pageField_ = new QLineEdit;
    pageField_->setObjectName(QStringLiteral("pageField"));
    pageField_->setAlignment(Qt::AlignCenter);
    pageField_->setFixedWidth(fontMetrics().horizontalAdvance(QStringLiteral("mmmmmm")));
    pageField_->setToolTip(tr("Page number or label (Ctrl+G)"));
    bar->addWidget(pageField_);
    pageCount_ = new QLabel;
    pageCount_->setContentsMargins(4, 0, 4, 0);
    bar->addWidget(pageCount_);
    bar->addAction(action(QStringLiteral("next_page")));
    bar->addSeparator();
    bar->addAction(action(QStringLiteral("zoom_out")));
    zoomBox_ = new QComboBox;
    zoomBox_->setObjectName(QStringLiteral("zoomBox"));
    zoomBox_->setEditable(true);
    zoomBox_->setInsertPolicy(QComboBox::NoInsert);
    zoomBox_->addItem(tr("Fit Width"), 0.0);
    for (int z : {50, 75, 100, 125, 150, 200, 300, 400})
        zoomBox_->addItem(QStringLiteral("%1 %").arg(z), z / 100.0);
    zoomBox_->setMinimumContentsLength(8);
    bar->addWidget(zoomBox_);
    bar->addAction(action(QStringLiteral("zoom_in")));
    bar->addSeparator();
    bar->addAction(action(QStringLiteral("find")));

    auto* spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    bar->addAction(action(QStringLiteral("summarize")));
    // The one action worth its words on the toolbar.
    if (auto* button =
            qobject_cast<QToolButton*>(bar->widgetForAction(action(QStringLiteral("summarize")))))
        button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    modelPicker_ = new QComboBox;
    modelPicker_->setObjectName(QStringLiteral("modelPicker"));
    modelPicker_->setToolTip(tr("The language model that reads documents and answers"));
    modelPicker_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(modelPicker_);
    bar->addAction(action(QStringLiteral("show_assistant")));

    connect(pageField_, &QLineEdit::returnPressed, this, [this] {
        if (!viewer_->goToLabel(pageField_->text()))
            statusBar()->showMessage(tr("No page “%1”").arg(pageField_->text()), 3000);
        viewer_->setFocus();
        updateNavigation(); // a label that matched no page gives way to the current one
    });
    connect(zoomBox_, &QComboBox::activated, this, [this](int index) {
        const double z = zoomBox_->itemData(index).toDouble();
        if (z <= 0)
            viewer_->fitWidth();
        else if (viewer_->pdfView())
            viewer_->pdfView()->setZoom(z);
    });
    connect(zoomBox_->lineEdit(), &QLineEdit::returnPressed, this, [this] {
        QString text = zoomBox_->currentText();
        text.remove(QLatin1Char('%'));
        bool ok = false;
        const double z = text.trimmed().toDouble(&ok);
        if (ok && z > 0) viewer_->pdfView()->setZoom(z / 100.0);
        updateNavigation();
    });
    connect(modelPicker_, &QComboBox::activated, this, [this](int index) {
        const QVariant data = modelPicker_->itemData(index);
        if (data.toString() == QLatin1String("#settings")) {
            updateModelPicker();
            return openSettings(SettingsDialog::ModelPage);
        }
        const QString path = data.toString();
        QString current;
        for (const analysis::ModelInfo& m : models_)
            if (m.isDefault) current = qs(m.path);
        if (path == current) return;
        statusBar()->showMessage(path.isEmpty()
                                     ? tr("Switching to extractive mode…")
                                     : tr("Switching to %1…").arg(modelPicker_->itemText(index)));
        client_.chooseModel(path);
    });
}

void MainWindow::createStatusBar() {
    jobStatus_ = new JobStatusWidget(client_);
    modelStatus_ = new ModelStatusWidget;
    statusBar()->addPermanentWidget(jobStatus_);
    statusBar()->addPermanentWidget(modelStatus_);
    connect(modelStatus_, &ModelStatusWidget::modelClicked, this,
            [this] { openSettings(SettingsDialog::ModelPage); });
}

// --- the analysis client ---------------------------------------------------------

void MainWindow::connectClient() {
    connect(&client_, &AnalysisClient::configured, this,
            [this](const QString& databasePath, bool hasModel) {
                libraryUnavailable_ = false;
                for (const char* id : {"open_file", "open_folder"})
                    action(QLatin1String(id))->setEnabled(true);
                updateRecentMenu();
                if (databasePath_.isEmpty()) databasePath_ = databasePath;
                settings_.setLibrary(databasePath, isDefaultLibrary(databasePath));
                hasModel_ = hasModel;
                client_.loadModels();
            });
    connect(&client_, &AnalysisClient::configurationFailed, this,
            [this](const QString& message, bool libraryUnavailable) {
                if (libraryUnavailable) {
                    library_->showUnavailable(message);
                    // Nothing can be added to a library that is not open: the welcome page
                    // says why instead of offering files.
                    libraryUnavailable_ = true;
                    welcome_->setLibraryUnavailable();
                    for (const char* id : {"open_file", "open_folder"})
                        action(QLatin1String(id))->setEnabled(false);
                    recentMenu_->setEnabled(false);
                    showError(
                        tr("The library could not be opened"),
                        tr("%1\n\nLongview cannot list or add documents until it can open its "
                           "library: start it with --db and another file, or move this one aside.")
                            .arg(message));
                    return;
                }
                showError(
                    tr("The model could not be loaded"),
                    tr("%1\n\nLongview works on in extractive mode: summaries and answers are the "
                       "best passages "
                       "of the document.")
                        .arg(message));
            });
    connect(&client_, &AnalysisClient::libraryChanged, this, &MainWindow::onLibraryChanged);
    connect(&client_, &AnalysisClient::modelsLoaded, this,
            [this](const ModelList& models, bool hasModel, const QString& folder) {
                models_ = models;
                hasModel_ = hasModel;
                modelsFolder_ = folder;
                QString name;
                for (const analysis::ModelInfo& m : models)
                    if (m.isDefault) name = qs(m.name.empty() ? m.path : m.name);
                if (name.isEmpty() && hasModel) name = tr("Model");
                modelStatus_->setModel(name, hasModel);
                assistant_->setModel(hasModel, name);
                updateModelPicker();
                updateStateStatus();
            });
    connect(&client_, &AnalysisClient::modelChosen, this, [this](const QString& path) {
        statusBar()->showMessage(path.isEmpty()
                                     ? tr("Extractive mode")
                                     : tr("Model set to %1").arg(QDir::toNativeSeparators(path)),
                                 4000);
    });
    connect(&client_, &AnalysisClient::queryFailed, this,
            [this](const QString& what, const QString& message) {
                if (what == QLatin1String("model") || what == QLatin1String("models")) {
                    showError(tr("The model was not changed"), message);
                    updateModelPicker();
                } else if (what == QLatin1String("remove")) {
                    showError(tr("The document was not removed"), message);
                } else if (what == QLatin1String("documents")) {
                    statusBar()->showMessage(tr("The library could not be read: %1").arg(message));
                }
            });
    connect(&client_, &AnalysisClient::jobStarted, this, [this](quint64 id) {
        if (auto job = client_.job(id); job && job->kind == JobKind::Ingest)
            libraryModel_->setPendingProgress(id, QStringLiteral("ingest"), -1);
    });
    connect(&client_, &AnalysisClient::jobProgress, this,
            [this](quint64 id, const QString& stage, qint64 done, qint64 total) {
                libraryModel_->setPendingProgress(id, stage,
                                                  total > 0 ? double(done) / double(total) : -1);
            });
    connect(&client_, &AnalysisClient::ingested, this,
            [this](quint64 id, const analysis::IngestReport& report) {
                libraryModel_->removePending(id);
                ingestJobs_.remove(id);
                const bool reread = rereadJobs_.remove(id);
                const QString title = qs(report.document.title);
                if (report.unchanged) {
                    if (reread)
                        statusBar()->showMessage(tr("“%1” has not changed").arg(title), 4000);
                } else {
                    QString message =
                        tr("“%1” read in %2 s").arg(title).arg(report.seconds, 0, 'f', 1);
                    // A codebase's left-out files, so that a missing file is not a mystery.
                    if (!report.skipped.empty())
                        message +=
                            tr("; skipped: %1").arg(qs(analysis::describeSkipped(report.skipped)));
                    statusBar()->showMessage(message, report.skipped.empty() ? 6000 : 10000);
                    assistant_->documentChanged(report.document.id);
                    if (report.document.id == currentDocument_) {
                        // The file changed: show the new version where the reader was.
                        rememberViewPosition();
                        if (auto e = libraryModel_->entry(report.document.id)) {
                            LibraryEntry updated = *e;
                            updated.info = report.document;
                            viewer_->reload(updated);
                        }
                    }
                }
                if (!report.warnings.empty())
                    statusBar()->showMessage(tr("“%1”: %2").arg(title, qs(report.warnings.front())),
                                             8000);
                if (!selectPathWhenIngested_.isEmpty() &&
                    QFileInfo(selectPathWhenIngested_).absoluteFilePath() ==
                        QFileInfo(qs(report.document.sourcePath)).absoluteFilePath()) {
                    selectPathWhenIngested_.clear();
                    // A reader who opened another document while this one was read keeps
                    // it: a folder that takes minutes must not take the view when done.
                    if (currentDocument_ == shownWhenOpened_ ||
                        currentDocument_ == report.document.id) {
                        selectWhenListed_ = report.document.id;
                        if (libraryModel_->rowOf(selectWhenListed_) >= 0) {
                            library_->selectDocument(selectWhenListed_);
                            selectWhenListed_ = 0;
                        }
                    } else if (!report.unchanged) {
                        statusBar()->showMessage(tr("“%1” is in the library").arg(title), 6000);
                    }
                }
            });
    connect(&client_, &AnalysisClient::jobFailed, this, [this](quint64 id, const QString& message) {
        libraryModel_->removePending(id);
        rereadJobs_.remove(id);
        const QString path = ingestJobs_.take(id);
        if (!path.isEmpty()) {
            // A file that cannot be read is no file to come back to.
            settings_.removeRecentFile(path);
            updateRecentMenu();
            welcome_->setRecentFiles(settings_.recentFiles());
            reportNotAdded(path, message);
        } else
            statusBar()->showMessage(message, 10000);
    });
    connect(&client_, &AnalysisClient::jobCancelled, this, [this](quint64 id) {
        libraryModel_->removePending(id);
        rereadJobs_.remove(id);
        ingestJobs_.remove(id);
        statusBar()->showMessage(tr("Cancelled"), 3000);
    });
    auto metrics = [this](const analysis::Metrics& m, bool extractive, qint64 documentId) {
        modelStatus_->setMetrics(m, extractive);
        if (documentId != currentDocument_ || extractive) return;
        if (m.stateResumed)
            lastStateStatus_ = int(ModelStatusWidget::StateStatus::Resumed);
        else if (m.stateStored)
            lastStateStatus_ = int(ModelStatusWidget::StateStatus::Stored);
        updateStateStatus();
    };
    connect(&client_, &AnalysisClient::summarized, this,
            [metrics](quint64, const analysis::Summary& s) {
                metrics(s.metrics, s.extractive, s.documentId);
            });
    connect(&client_, &AnalysisClient::answered, this,
            [metrics](quint64, const analysis::Answer& a) {
                metrics(a.metrics, a.extractive, a.documentId);
            });
}

// --- the library -------------------------------------------------------------------

void MainWindow::onLibraryChanged(const LibraryEntries& entries) {
    libraryModel_->setEntries(entries);
    QStringList sources;
    for (const LibraryEntry& e : entries)
        if (e.sourceExists) sources << e.sourcePath();
    watcher_->setSources(sources);
    welcome_->setLibraryEmpty(entries.empty());

    if (firstListing_) {
        firstListing_ = false;
        const qint64 last = settings_.lastDocument();
        // A file opened at start (the command line) is shown instead once it is read.
        if (last > 0 && libraryModel_->rowOf(last) >= 0 && !selectWhenListed_ &&
            selectPathWhenIngested_.isEmpty())
            library_->selectDocument(last);
    }
    if (selectWhenListed_ && libraryModel_->rowOf(selectWhenListed_) >= 0) {
        library_->selectDocument(selectWhenListed_);
        selectWhenListed_ = 0;
    }
    if (currentDocument_) {
        if (auto e = libraryModel_->entry(currentDocument_)) {
            assistant_->setDocument(*e); // the same document: its cached state may have changed
            updateStateStatus();
        } else {
            // Removed (here or by the CLI).
            currentDocument_ = 0;
            viewer_->showPlaceholder();
            assistant_->setDocument(std::nullopt);
            updateStateStatus();
            setWindowTitle(QStringLiteral("Longview"));
        }
    }
    updateDocumentActions();
}

void MainWindow::updateDocumentActions() {
    const bool haveDocument = libraryModel_->entry(currentDocument_).has_value();
    for (const char* id : {"reread", "remove", "summarize", "ask", "new_conversation"})
        action(QLatin1String(id))->setEnabled(haveDocument);
}

void MainWindow::rememberViewPosition() {
    if (currentDocument_ && viewer_->documentId() == currentDocument_)
        settings_.setViewPosition(currentDocument_, viewer_->position());
}

void MainWindow::onDocumentSelected(qint64 documentId) {
    if (documentId == currentDocument_) return;
    rememberViewPosition();
    currentDocument_ = documentId;
    lastStateStatus_ = 0;
    const std::optional<LibraryEntry> entry = libraryModel_->entry(documentId);
    updateDocumentActions();
    if (!entry) {
        viewer_->showPlaceholder();
        assistant_->setDocument(std::nullopt);
        setWindowTitle(QStringLiteral("Longview"));
        updateStateStatus();
        return;
    }
    settings_.setLastDocument(documentId);
    setWindowTitle(tr("%1 — Longview").arg(entry->title()));
    viewer_->openEntry(*entry, settings_.viewPosition(documentId),
                       passwords_.value(entry->sourcePath()));
    assistant_->setDocument(*entry);
    updateStateStatus();

    // A file edited while Longview was closed: read it again once per run (the
    // service keeps the stored copy when the content hash is unchanged).
    if (settings_.reingestChangedFiles() && entry->sourceExists &&
        !checkedForChanges_.contains(documentId)) {
        checkedForChanges_.insert(documentId);
        const QDateTime added = QDateTime::fromString(qs(entry->info.addedAt), Qt::ISODate);
        if (added.isValid() && entry->sourceModified.isValid() &&
            entry->sourceModified > added.addSecs(2))
            ingest(entry->sourcePath(), true);
    }
}

void MainWindow::selectDocument(qint64 documentId) {
    library_->selectDocument(documentId);
}

void MainWindow::showCitation(const analysis::Citation& citation) {
    if (citation.documentId != currentDocument_) selectDocument(citation.documentId);
    viewer_->showCitation(citation);
}

void MainWindow::updateStateStatus() {
    using S = ModelStatusWidget::StateStatus;
    S status = S::None;
    if (lastStateStatus_ != 0) {
        status = S(lastStateStatus_);
    } else if (auto e = libraryModel_->entry(currentDocument_); e && e->info.stateCached) {
        status = S::Cached;
    }
    modelStatus_->setStateStatus(status);
    modelStatus_->setStateVisible(hasModel_ && currentDocument_ != 0);
}

void MainWindow::openPaths(const QStringList& paths) {
    if (libraryUnavailable_) {
        showError(tr("The library could not be opened"),
                  tr("Nothing can be added until Longview can open its library."));
        return;
    }
    for (const QString& raw : paths) {
        const QString path = QFileInfo(raw).absoluteFilePath();
        if (!QFileInfo::exists(path)) {
            reportNotAdded(path, tr("It does not exist."));
            settings_.removeRecentFile(path);
            continue;
        }
        settings_.addRecentFile(path);
        selectPathWhenIngested_ = path;
        // Already in the library: show it now; the ingest below only checks it.
        if (auto e = libraryModel_->entryForPath(path)) library_->selectDocument(e->info.id);
        shownWhenOpened_ = currentDocument_;
        ingest(path, false);
    }
    updateRecentMenu();
    welcome_->setRecentFiles(settings_.recentFiles());
}

void MainWindow::ingest(const QString& path, bool reread) {
    if (isPdf(path) && QFileInfo(path).isFile()) return ingestPdf(path, reread);
    const quint64 id = client_.ingest(path);
    ingestJobs_.insert(id, path);
    if (reread) rereadJobs_.insert(id);
    if (!libraryModel_->entryForPath(path)) libraryModel_->addPending(id, path);
}

void MainWindow::ingestPdf(const QString& path, bool reread) {
    // Find out whether the PDF needs a password before queueing it: the question
    // must come now, not when the job reaches the front of the queue.
    const QByteArray pw = passwords_.value(path).toUtf8();
    deliverResult(this,
                  QtConcurrent::run([path, pw] { return PdfDocument::open(path, pw).status; }),
                  [this, path, reread](PdfDocument::OpenStatus status) {
                      if (status == PdfDocument::OpenStatus::NeedsPassword ||
                          status == PdfDocument::OpenStatus::WrongPassword) {
                          askPassword(path, status == PdfDocument::OpenStatus::WrongPassword,
                                      [this, path, reread](const QString& password) {
                                          passwords_.insert(path, password);
                                          ingestPdf(path, reread);
                                      });
                          return;
                      }
                      const quint64 id = client_.ingest(path, passwords_.value(path));
                      ingestJobs_.insert(id, path);
                      if (reread) rereadJobs_.insert(id);
                      if (!libraryModel_->entryForPath(path)) libraryModel_->addPending(id, path);
                  });
}

void MainWindow::askPassword(const QString& path, bool wrong,
                             std::function<void(const QString&)> onPassword) {
    auto* dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("passwordPrompt"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Password Required"));
    dialog->setLabelText((wrong ? tr("That password did not open “%1”. Try again:")
                                : tr("“%1” is protected. Enter its password:"))
                             .arg(QFileInfo(path).fileName()));
    dialog->setTextEchoMode(QLineEdit::Password);
    dialog->setOkButtonText(tr("Unlock"));
    connect(dialog, &QInputDialog::textValueSelected, this, [onPassword](const QString& text) {
        if (!text.isEmpty()) onPassword(text);
    });
    dialog->open();
}

void MainWindow::onSourceChanged(const QString& path) {
    if (!settings_.reingestChangedFiles()) return;
    auto e = libraryModel_->entryForPath(path);
    if (!e) return;
    statusBar()->showMessage(tr("“%1” changed on disk; reading it again").arg(e->title()), 4000);
    ingest(path, true);
}

void MainWindow::removeDocument(qint64 documentId) {
    auto e = libraryModel_->entry(documentId);
    if (!e) return;
    auto* box = new QMessageBox(QMessageBox::Question, tr("Remove from Library"),
                                tr("Remove “%1” from the library?").arg(e->title()),
                                QMessageBox::NoButton, this);
    box->setInformativeText(
        tr("Its text, cached model state and conversations are deleted. The file itself stays "
           "where it is."));
    QPushButton* remove = box->addButton(tr("Remove"), QMessageBox::DestructiveRole);
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("removePrompt"));
    connect(box, &QMessageBox::buttonClicked, this,
            [this, remove, documentId](QAbstractButton* button) {
                if (button == static_cast<QAbstractButton*>(remove))
                    client_.removeDocument(documentId);
            });
    box->open();
}

void MainWindow::locateDocument(qint64 documentId) {
    auto e = libraryModel_->entry(documentId);
    if (!e) return;
    QString path;
    if (e->info.kind == analysis::DocumentKind::Codebase)
        path = QFileDialog::getExistingDirectory(this, tr("Locate “%1”").arg(e->title()));
    else
        path = QFileDialog::getOpenFileName(
            this, tr("Locate “%1”").arg(e->title()), QString(),
            e->info.kind == analysis::DocumentKind::Pdf ? tr("PDF (*.pdf)") : QString());
    if (!path.isEmpty()) openPaths({path});
}

// --- navigation, recent files, model picker ---------------------------------------------

void MainWindow::updateNavigation() {
    const int count = viewer_->pageCount();
    const bool pages = count > 0;
    for (const char* id :
         {"previous_page", "next_page", "first_page", "last_page", "go_to_page", "fit_width"})
        action(QLatin1String(id))->setEnabled(pages);
    const bool zoom = viewer_->canZoom();
    for (const char* id :
         {"zoom_in", "zoom_out", "actual_size", "find", "find_next", "find_previous"})
        action(QLatin1String(id))->setEnabled(zoom);
    updateCopyAction(); // the mode may have changed
    pageField_->setEnabled(pages);
    zoomBox_->setEnabled(pages);
    if (pages) {
        const int page = std::max(0, viewer_->currentPage());
        if (!pageField_->hasFocus()) pageField_->setText(viewer_->pageLabel(page));
        pageCount_->setText(viewer_->hasPageLabels() ? tr("(%1 of %2)").arg(page + 1).arg(count)
                                                     : tr("of %1").arg(count));
        action(QStringLiteral("previous_page"))->setEnabled(page > 0);
        action(QStringLiteral("next_page"))->setEnabled(page < count - 1);
        if (!zoomBox_->lineEdit()->hasFocus())
            zoomBox_->setEditText(viewer_->isFitWidth()
                                      ? tr("Fit Width")
                                      : QStringLiteral("%1 %").arg(qRound(viewer_->zoom() * 100)));
    } else {
        pageField_->clear();
        pageCount_->clear();
        zoomBox_->setEditText(QString());
    }
}

void MainWindow::updateCopyAction() {
    action(QStringLiteral("copy"))
        ->setEnabled(viewer_->mode() == ViewerPanel::Mode::Pdf &&
                     viewer_->pdfView()->hasSelection());
}

void MainWindow::updateRecentMenu() {
    recentMenu_->clear();
    const QStringList files = settings_.recentFiles();
    for (const QString& path : files) {
        const QFileInfo fi(path);
        QAction* a = recentMenu_->addAction(fi.fileName().isEmpty() ? path : fi.fileName());
        a->setToolTip(QDir::toNativeSeparators(path));
        a->setStatusTip(QDir::toNativeSeparators(path));
        connect(a, &QAction::triggered, this, [this, path] { openPaths({path}); });
    }
    if (!files.isEmpty()) {
        recentMenu_->addSeparator();
        recentMenu_->addAction(tr("Clear List"), this, [this] {
            settings_.clearRecentFiles();
            updateRecentMenu();
            welcome_->setRecentFiles({});
        });
    }
    recentMenu_->setEnabled(!files.isEmpty() && !libraryUnavailable_);
}

void MainWindow::updateModelPicker() {
    modelPicker_->blockSignals(true);
    modelPicker_->clear();
    modelPicker_->addItem(tr("No model (extractive)"), QString());
    int current = 0;
    for (const analysis::ModelInfo& m : models_) {
        modelPicker_->addItem(icons::bundled(QStringLiteral("model")),
                              qs(m.name.empty() ? m.path : m.name), qs(m.path));
        modelPicker_->setItemData(
            modelPicker_->count() - 1,
            QDir::toNativeSeparators(qs(m.path)) +
                (m.gpuNote.empty() ? QString() : QStringLiteral("\n") + qs(m.gpuNote)),
            Qt::ToolTipRole);
        if (m.isDefault) current = modelPicker_->count() - 1;
    }
    modelPicker_->insertSeparator(modelPicker_->count());
    modelPicker_->addItem(icons::themed(QStringLiteral("configure")),
                          tr("Models Folder and Settings…"), QStringLiteral("#settings"));
    modelPicker_->setCurrentIndex(current);
    modelPicker_->blockSignals(false);
}

void MainWindow::openSettings(int page) {
    auto* dialog =
        new SettingsDialog(settings_, models_, modelsFolder_,
                           databasePath_.isEmpty() ? client_.databasePath() : databasePath_, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->showPage(SettingsDialog::Page(page));
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (applyAppearance_) applyAppearance_(settings_.appearance());
        modelStatus_->setDevicePreference(settings_.device());
        if (dialog->modelsFolderChanged()) client_.setModelsFolder(dialog->modelsFolder());
        if (dialog->modelChanged()) {
            client_.chooseModel(dialog->modelPath());
        } else if (dialog->serviceSettingsChanged()) {
            client_.configure(settings_.serviceConfig(databasePath_));
        }
    });
    dialog->open();
}

void MainWindow::reportNotAdded(const QString& path, const QString& reason) {
    // The service names the file first ("/x/a.pdf: damaged…"); the dialog names it already.
    QString why = reason.trimmed();
    for (const QString& prefix : {path, QDir::toNativeSeparators(path)})
        if (why.startsWith(prefix + QLatin1String(": "))) {
            why = why.mid(prefix.size() + 2);
            break;
        }
    if (!why.isEmpty()) why[0] = why[0].toUpper();
    notAdded_.append({path, why});

    if (!notAddedBox_ || !notAddedBox_->isVisible()) { // a dismissed box is deleted later
        notAddedBox_ =
            new QMessageBox(QMessageBox::Warning, QString(), QString(), QMessageBox::Ok, this);
        notAddedBox_->setAttribute(Qt::WA_DeleteOnClose);
        notAddedBox_->setObjectName(QStringLiteral("errorMessage"));
        connect(notAddedBox_, &QDialog::finished, this, [this] { notAdded_.clear(); });
        notAddedBox_->open();
    }
    auto name = [](const QString& p) {
        const QString file = QFileInfo(p).fileName();
        return file.isEmpty() ? QDir::toNativeSeparators(p) : file;
    };
    if (notAdded_.size() == 1) {
        const QString title = tr("“%1” could not be added").arg(name(notAdded_.first().first));
        notAddedBox_->setWindowTitle(tr("File Not Added"));
        notAddedBox_->setText(title);
        notAddedBox_->setInformativeText(notAdded_.first().second);
        return;
    }
    const QString title = tr("%1 files could not be added").arg(notAdded_.size());
    notAddedBox_->setWindowTitle(tr("Files Not Added"));
    notAddedBox_->setText(title);
    // A few lines fit a dialog; the rest are a count, so that it never grows off screen.
    constexpr int kListed = 8;
    QStringList lines;
    for (int i = 0; i < std::min<int>(kListed, int(notAdded_.size())); ++i)
        lines << QStringLiteral("<b>%1</b>: %2")
                     .arg(name(notAdded_[i].first).toHtmlEscaped(),
                          notAdded_[i].second.toHtmlEscaped());
    if (notAdded_.size() > kListed) lines << tr("and %1 more").arg(notAdded_.size() - kListed);
    notAddedBox_->setInformativeText(lines.join(QStringLiteral("<br>")));
    // Room for "name: reason" on one line; QMessageBox's own width wraps each of them.
    if (auto* info = notAddedBox_->findChild<QLabel*>(QStringLiteral("qt_msgbox_informativelabel")))
        info->setMinimumWidth(notAddedBox_->fontMetrics().averageCharWidth() * 60);
}

void MainWindow::showError(const QString& title, const QString& text) {
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("errorMessage"));
    box->open();
}

// --- window state, drag and drop ------------------------------------------------

void MainWindow::restoreWindow() {
    if (!restoreGeometry(settings_.windowGeometry())) {
        // The first start: roomy for three panes, but within the screen of a small laptop.
        QSize size(1440, 900);
        if (const QScreen* screen = this->screen()) {
            const QRect available = screen->availableGeometry();
            size = size.boundedTo(available.size() * 0.92);
            resize(size.expandedTo(minimumSizeHint()));
            move(available.center() - rect().center());
        } else {
            resize(size);
        }
    }
    restoreState(settings_.windowState());
    splitter_->restoreState(settings_.splitterState());
    action(QStringLiteral("show_library"))->setChecked(!library_->isHidden());
    action(QStringLiteral("show_assistant"))->setChecked(!assistant_->isHidden());
}

void MainWindow::saveWindow() {
    rememberViewPosition();
    settings_.saveWindow(saveGeometry(), saveState(), splitter_->saveState());
    settings_.sync();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveWindow();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const QStringList paths = localPaths(event->mimeData());
    if (paths.isEmpty() || libraryUnavailable_) return event->ignore();
    event->acceptProposedAction();
    dropOverlay_->showOver(paths);
}

void MainWindow::dragLeaveEvent(QDragLeaveEvent* event) {
    dropOverlay_->hide();
    QMainWindow::dragLeaveEvent(event);
}

void MainWindow::dropEvent(QDropEvent* event) {
    dropOverlay_->hide();
    const QStringList paths = localPaths(event->mimeData());
    if (paths.isEmpty()) return event->ignore();
    event->acceptProposedAction();
    openPaths(paths);
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::WindowStateChange)
        action(QStringLiteral("full_screen"))->setChecked(isFullScreen());
}

} // namespace lv::ui

#include "moc_MainWindow.cpp"
