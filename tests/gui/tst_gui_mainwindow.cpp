// The desktop application end to end, on the offscreen platform, with the real
// analysis service on a temporary database: open a generated PDF and see it in the
// library and the viewer, summarize without a model and follow a citation to its page,
// ask the fixture model and watch the answer stream, cancel long jobs, restart and
// find the conversation; files that change are read again; encrypted PDFs ask for
// their password. A watchdog fails any test in which the UI thread stops answering
// for more than 50 ms.

#include "support/Fixtures.h"
#include "support/GuiApp.h"
#include "support/PdfFixtures.h"
#include "support/UiWatchdog.h"

#include "ui/assistant/AskPage.h"
#include "ui/assistant/AssistantPanel.h"
#include "ui/assistant/ChatView.h"
#include "ui/assistant/HistoryPage.h"
#include "ui/assistant/MessageView.h"
#include "ui/assistant/PromptEdit.h"
#include "ui/assistant/SummaryPage.h"
#include "ui/library/LibraryModel.h"
#include "ui/library/LibraryPanel.h"
#include "ui/library/SourceWatcher.h"
#include "ui/shell/EmptyState.h"
#include "ui/shell/JobStatusWidget.h"
#include "ui/shell/ModelStatusWidget.h"
#include "ui/shell/WelcomePage.h"
#include "ui/viewer/CodeEditor.h"
#include "ui/viewer/CodebaseView.h"
#include "ui/viewer/FindBar.h"
#include "ui/viewer/PdfView.h"
#include "ui/viewer/ViewerPanel.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTextDocumentFragment>
#include <QToolButton>
#include <QtTest>

#include <functional>

using namespace lv::ui;
using lv::test::GuiApp;

namespace {

constexpr int kJobTimeoutMs = 120000;

QStringList regulationPages() {
    return {
        QStringLiteral("Regional Grain Storage Regulation. Preface. This regulation sets the rules "
                       "for the storage "
                       "of grain in the region. It applies to every operator of a silo, a barn or "
                       "a warehouse."),
        QStringLiteral("Contents. Part one defines the terms. Part two sets the obligations of "
                       "operators. Part "
                       "three sets the inspections. Part four sets the penalties."),
        QStringLiteral(
            "Article 1. Definitions. A silo is a tower for the storage of grain. An operator is "
            "the "
            "person who runs a silo. Humidity is the share of water in the stored grain."),
        QStringLiteral("Article 2. Obligations. The operator keeps the silo dry and clean. The "
                       "operator measures "
                       "the humidity of the grain every week and records it in the register."),
        QStringLiteral("Article 3. Inspections. The inspector visits every silo twice a year. The "
                       "inspector reads "
                       "the register and measures the humidity again."),
        QStringLiteral("Article 4. Penalties. A missing record in the register is punished by a "
                       "fine of one hundred "
                       "florins. Grain stored wet is destroyed at the cost of the operator."),
    };
}

const MessageView* lastAnswer(MainWindow& w) {
    return w.assistant()->askPage()->chat()->lastExchange();
}

} // namespace

class TstGuiMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void firstRunShowsWelcomeAndExtractiveMode();
    void openPdfShowsItInLibraryAndViewer();
    void extractiveSummaryCitationOpensItsPage();
    void extractiveAnswerIsKeptAcrossARestart();
    void summaryIsKeptAcrossARestart();
    void fixtureModelStreamsAnAnswer();
    void cancelStopsLongJobs();
    void restartRestoresWindowAndSession();
    void codebaseOpensAndCitesLines();
    void changedFileIsReadAgain();
    void encryptedPdfAsksForItsPassword();
    void dropAddsFiles();
    void shortcutsReachTheirTargets();
    void unreadableFilesAndLibrariesSaySo();
    void filesThatCannotBeAddedShareOneDialog();

private:
    QString path(const QString& name) const { return dir_.filePath(name); }
    // `bytes` in file `name` of the test's folder: its path, empty where it cannot be written.
    QString writeFile(const QString& name, const QByteArray& bytes) const {
        QFile f(path(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) return {};
        return f.fileName();
    }
    // Closing the application waits for its worker threads: that is shutdown, not
    // the UI blocking, so the watchdog stops before an app is destroyed.
    using AppHandle = std::unique_ptr<GuiApp, std::function<void(GuiApp*)>>;
    AppHandle startApp(const QString& settingsFile = {}, const QString& databasePath = {});
    qint64 waitForDocument(GuiApp& app, const QString& sourcePath);

    QTemporaryDir dir_;
    QString settingsFile_;
    QString databasePath_;
    QString pdfPath_;
    lv::test::UiWatchdog* watchdog_ = nullptr;
};

void TstGuiMainWindow::initTestCase() {
    QVERIFY(dir_.isValid());
    settingsFile_ = path(QStringLiteral("longview.ini"));
    databasePath_ = path(QStringLiteral("library.db"));
    pdfPath_ = path(QStringLiteral("grain-regulation.pdf"));
    QVERIFY(lv::test::writeTextPdf(pdfPath_, regulationPages(),
                                   QStringLiteral("Regional Grain Storage Regulation")));
    QVERIFY(lv::test::addRomanPageLabels(pdfPath_, 2));
    watchdog_ = new lv::test::UiWatchdog(this);
}

void TstGuiMainWindow::init() {
    watchdog_->reset();
    watchdog_->setContext(QString::fromLatin1(QTest::currentTestFunction()));
}

void TstGuiMainWindow::cleanup() {
    const QString blocked = watchdog_->finishTest(lv::test::UiWatchdog::kLimitMs);
    if (!blocked.isEmpty()) QFAIL(qPrintable(blocked));
}

TstGuiMainWindow::AppHandle TstGuiMainWindow::startApp(const QString& settingsFile,
                                                       const QString& databasePath) {
    lv::test::UiWatchdog* watchdog = watchdog_;
    AppHandle app(new GuiApp(settingsFile.isEmpty() ? settingsFile_ : settingsFile,
                             databasePath.isEmpty() ? databasePath_ : databasePath),
                  [watchdog](GuiApp* a) {
                      watchdog->disarm();
                      delete a;
                  });
    if (!app->start()) return AppHandle(nullptr, [](GuiApp*) {});
    return app;
}

qint64 TstGuiMainWindow::waitForDocument(GuiApp& app, const QString& sourcePath) {
    const QString wanted = QFileInfo(sourcePath).absoluteFilePath();
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < kJobTimeoutMs) {
        if (auto e = app.window().libraryModel()->entryForPath(wanted)) return e->info.id;
        QTest::qWait(20);
    }
    return 0;
}

void TstGuiMainWindow::firstRunShowsWelcomeAndExtractiveMode() {
    auto app = startApp();
    QVERIFY(app);
    watchdog_->arm();
    MainWindow& w = app->window();
    // The first window fits the screen (the offscreen platform's is 800 by 600).
    const QRect screen = w.screen()->availableGeometry();
    QVERIFY2(w.width() <= screen.width() && w.height() <= screen.height(),
             qPrintable(QStringLiteral("%1x%2 on %3x%4")
                            .arg(w.width())
                            .arg(w.height())
                            .arg(screen.width())
                            .arg(screen.height())));
    QCOMPARE(w.viewer()->mode(), ViewerPanel::Mode::Placeholder);
    QVERIFY(w.welcome()->isVisible());
    QCOMPARE(w.welcome()->state()->title(), QStringLiteral("Welcome to Longview"));
    QVERIFY(w.library()->emptyState()->isVisible());
    QTRY_COMPARE(w.modelStatus()->modelText(), QStringLiteral("No model · extractive"));
    QVERIFY(w.assistant()->showsNoModelBanner());
    QCOMPARE(w.assistant()->summaryPage()->state(), SummaryPage::State::Unavailable);
    QVERIFY(!w.action(QStringLiteral("summarize"))->isEnabled());
    QVERIFY(!w.assistant()->askPage()->sendButton()->isEnabled());
}

void TstGuiMainWindow::openPdfShowsItInLibraryAndViewer() {
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    w.openPaths({pdfPath_});
    const qint64 id = waitForDocument(*app, pdfPath_);
    QVERIFY(id > 0);
    const auto entry = w.libraryModel()->entry(id);
    QCOMPARE(entry->info.kind, lv::analysis::DocumentKind::Pdf);
    QCOMPARE(entry->info.pages, 6);
    QVERIFY(entry->sourceBytes > 0);
    QTRY_COMPARE(w.currentDocument(), id);
    QTRY_COMPARE(w.viewer()->mode(), ViewerPanel::Mode::Pdf);
    QCOMPARE(w.viewer()->pageCount(), 6);
    QTRY_VERIFY(w.viewer()->pdfView()->renderedPageCount() > 0);
    // Page labels: roman front matter, then arabic.
    QCOMPARE(w.viewer()->pageLabel(0), QStringLiteral("i"));
    w.viewer()->goToLabel(QStringLiteral("2"));
    QCOMPARE(w.viewer()->currentPage(), 3);
    auto* pageField = w.findChild<QLineEdit*>(QStringLiteral("pageField"));
    QTRY_COMPARE(pageField->text(), QStringLiteral("2"));
    // A label that names no page gives way to the current page's again.
    pageField->setFocus();
    pageField->setText(QStringLiteral("xiv"));
    QTest::keyClick(pageField, Qt::Key_Return);
    QCOMPARE(w.viewer()->currentPage(), 3);
    QCOMPARE(pageField->text(), QStringLiteral("2"));
    QVERIFY(w.statusBar()->currentMessage().contains(QStringLiteral("xiv")));
    QVERIFY(w.windowTitle().contains(QStringLiteral("Grain")));
    QVERIFY(app->settings().recentFiles().contains(QFileInfo(pdfPath_).absoluteFilePath()));
    // Text search with highlights.
    w.action(QStringLiteral("find"))->trigger();
    QTest::keyClicks(w.viewer()->findBar()->field(), QStringLiteral("humidity"));
    QTRY_COMPARE(w.viewer()->pdfView()->matchCount(), 3); // pages 1, 2 and 3 of the body
}

void TstGuiMainWindow::extractiveSummaryCitationOpensItsPage() {
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    const qint64 id = waitForDocument(*app, pdfPath_);
    QVERIFY(id > 0);
    w.selectDocument(id);
    QTRY_COMPARE(w.viewer()->mode(), ViewerPanel::Mode::Pdf);
    w.viewer()->goToPage(0);
    w.action(QStringLiteral("summarize"))->trigger();
    SummaryPage* page = w.assistant()->summaryPage();
    QTRY_VERIFY_WITH_TIMEOUT(page->state() == SummaryPage::State::Done, kJobTimeoutMs);
    const auto summary = page->summary();
    QVERIFY(summary && summary->extractive);
    QVERIFY(!summary->citations.empty());
    QVERIFY(page->browser()->toPlainText().contains(QStringLiteral("Sources")));
    // The last source that is not on the first page: clicking it lands there.
    int chosen = -1;
    for (int i = 0; i < int(summary->citations.size()); ++i)
        if (summary->citations[std::size_t(i)].pageIndex > 0) chosen = i;
    QVERIFY(chosen >= 0);
    const int wantedPage = summary->citations[std::size_t(chosen)].pageIndex;
    emit page->browser()->anchorClicked(QUrl(QStringLiteral("cite:%1").arg(chosen)));
    QCOMPARE(w.viewer()->currentPage(), wantedPage);
    QCOMPARE(w.viewer()->pdfView()->targetPage(), wantedPage);
    QTRY_VERIFY(!w.viewer()->pdfView()->targetRects().isEmpty());
}

void TstGuiMainWindow::extractiveAnswerIsKeptAcrossARestart() {
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    const qint64 id = waitForDocument(*app, pdfPath_);
    w.selectDocument(id);
    AskPage* ask = w.assistant()->askPage();
    QTest::keyClicks(ask->prompt(), QStringLiteral("How often is the humidity measured?"));
    QTest::keyClick(ask->prompt(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(lastAnswer(w) && !lastAnswer(w)->isStreaming(), kJobTimeoutMs);
    QVERIFY(lastAnswer(w)->answerText().contains(QStringLiteral("week"), Qt::CaseInsensitive));
    QVERIFY(lastAnswer(w)->citationCount() > 0);
    QTRY_VERIFY(w.assistant()->sessionId() > 0);
    QTRY_VERIFY(w.assistant()->historyPage()->sessionCount() >= 1);
}

void TstGuiMainWindow::summaryIsKeptAcrossARestart() {
    std::string text;
    qint64 id = 0;
    {
        auto app = startApp();
        QVERIFY(app);
        MainWindow& w = app->window();
        w.openPaths({pdfPath_}); // found unchanged when an earlier test opened it
        id = waitForDocument(*app, pdfPath_);
        QVERIFY(id > 0);
        w.selectDocument(id);
        w.action(QStringLiteral("summarize"))->trigger();
        SummaryPage* page = w.assistant()->summaryPage();
        QTRY_VERIFY_WITH_TIMEOUT(page->state() == SummaryPage::State::Done &&
                                     w.assistant()->summaryJob() == 0,
                                 kJobTimeoutMs);
        text = page->summary()->text;
        QVERIFY(!page->summary()->storedAt.empty());
    }
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    w.selectDocument(id);
    SummaryPage* page = w.assistant()->summaryPage();
    // Shown from the library, without summarizing again.
    QTRY_COMPARE(page->state(), SummaryPage::State::Done);
    QCOMPARE(w.assistant()->summaryJob(), quint64(0));
    QCOMPARE(page->summary()->text, text);
    QVERIFY(!page->summary()->citations.empty());
    QVERIFY(page->browser()->toPlainText().contains(QStringLiteral("Sources")));
    auto* metrics = page->findChild<QLabel*>(QStringLiteral("summaryMetrics"));
    QVERIFY(metrics);
    QVERIFY2(metrics->text().contains(QStringLiteral("summarized")), qPrintable(metrics->text()));
}

void TstGuiMainWindow::fixtureModelStreamsAnAnswer() {
    LV_REQUIRE_FIXTURES();
    // A library of its own: the model chosen here is remembered in it.
    auto app =
        startApp(path(QStringLiteral("model.ini")), path(QStringLiteral("model-library.db")));
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    w.openPaths({pdfPath_});
    const qint64 id = waitForDocument(*app, pdfPath_);
    QVERIFY(id > 0);
    QTRY_COMPARE(w.currentDocument(), id);
    QSignalSpy chosen(&app->client(), &AnalysisClient::modelChosen);
    app->client().chooseModel(QString::fromStdString(
        lv::test::fixturePath(QStringLiteral("models/granite_hybrid_tiny"))));
    QVERIFY(chosen.wait(kJobTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(app->client().hasModel(), kJobTimeoutMs);
    QTRY_VERIFY(w.modelStatus()->modelText() != QStringLiteral("No model · extractive"));
    QTRY_VERIFY(!w.assistant()->showsNoModelBanner());

    w.assistant()->startNewConversation();
    QSignalSpy tokens(&app->client(), &AnalysisClient::jobToken);
    QSignalSpy answered(&app->client(), &AnalysisClient::answered);
    w.assistant()->ask(QStringLiteral("What must the operator record?"));
    // Streamed: pieces arrive and show before the answer is complete.
    QTRY_VERIFY_WITH_TIMEOUT(tokens.count() > 0 || answered.count() > 0, kJobTimeoutMs);
    if (answered.isEmpty()) {
        QTRY_VERIFY(!lastAnswer(w)->answerText().isEmpty());
        QVERIFY(lastAnswer(w)->isStreaming() || answered.count() > 0);
    }
    QTRY_VERIFY_WITH_TIMEOUT(answered.count() == 1, kJobTimeoutMs);
    QVERIFY(tokens.count() > 1);
    const auto answer = answered.first().at(1).value<lv::analysis::Answer>();
    QVERIFY(!answer.extractive);
    QCOMPARE(lastAnswer(w)->answerText(), QString::fromStdString(answer.text));
    QVERIFY(!lastAnswer(w)->isStreaming());
    QVERIFY(!w.modelStatus()->speedText().isEmpty());
    QVERIFY(w.modelStatus()->deviceText().size() > 0);
    // Asking again resumes from the cached state.
    w.assistant()->ask(QStringLiteral("And who inspects the silo?"));
    QTRY_VERIFY_WITH_TIMEOUT(answered.count() == 2, kJobTimeoutMs);
    const auto second = answered.last().at(1).value<lv::analysis::Answer>();
    if (second.metrics.stateResumed)
        QCOMPARE(w.modelStatus()->stateText(), QStringLiteral("Resumed from cache"));

    // The toolbar's first choice goes back to extractive answers.
    auto* picker = w.findChild<QComboBox*>(QStringLiteral("modelPicker"));
    QVERIFY(picker);
    QTRY_VERIFY(picker->currentIndex() > 0);
    QVERIFY(picker->model()->flags(picker->model()->index(0, 0)) & Qt::ItemIsEnabled);
    chosen.clear();
    picker->setCurrentIndex(0);
    emit picker->activated(0);
    QVERIFY(chosen.wait(kJobTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(!app->client().hasModel(), kJobTimeoutMs);
    QTRY_COMPARE(w.modelStatus()->modelText(), QStringLiteral("No model · extractive"));
    w.assistant()->ask(QStringLiteral("What must the operator record?"));
    QTRY_VERIFY_WITH_TIMEOUT(answered.count() == 3, kJobTimeoutMs);
    QVERIFY(answered.last().at(1).value<lv::analysis::Answer>().extractive);
}

void TstGuiMainWindow::cancelStopsLongJobs() {
    // A codebase big enough that reading it takes a while, and a queue behind it.
    // Its name is long enough that the status bar shortens it.
    const QString repoName = QStringLiteral("big-repo-whose-name-runs-on-past-the-status-bar");
    const QString repo = path(repoName);
    QDir(repo).mkpath(QStringLiteral("src"));
    for (int f = 0; f < 400; ++f) {
        QFile file(QDir(repo).filePath(QStringLiteral("src/module%1.cpp").arg(f)));
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int line = 0; line < 300; ++line)
            file.write(QByteArray("int function") + QByteArray::number(f * 1000 + line) +
                       "() { return " + QByteArray::number(line) +
                       "; } // part of a long codebase\n");
    }
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    // A document with a conversation of its own, from before the long job.
    const QString notes = writeFile(QStringLiteral("barn-notes.txt"),
                                    "The barn is swept every Monday before the grain arrives.\n");
    QVERIFY(!notes.isEmpty());
    w.openPaths({notes});
    const qint64 notesId = waitForDocument(*app, notes);
    QVERIFY(notesId > 0);
    QTRY_COMPARE(w.currentDocument(), notesId);
    w.assistant()->ask(QStringLiteral("When is the barn swept?"));
    QTRY_VERIFY_WITH_TIMEOUT(w.assistant()->askJob() == 0 && w.assistant()->sessionId() > 0,
                             kJobTimeoutMs);
    const qint64 notesSession = w.assistant()->sessionId();
    QTRY_VERIFY(app->client().jobs().isEmpty());

    QSignalSpy started(&app->client(), &AnalysisClient::jobStarted);
    QSignalSpy cancelled(&app->client(), &AnalysisClient::jobCancelled);
    w.openPaths({repo});
    const QString text =
        writeFile(QStringLiteral("queued.txt"), "A small file waiting behind the codebase.\n");
    QVERIFY(!text.isEmpty());
    w.openPaths({text});
    QTRY_COMPARE(app->client().jobs().size(), 2);
    QVERIFY(w.jobStatus()->isVisible());
    // The queued one is dropped at once.
    const quint64 queued = app->client().jobs().last().id;
    app->client().cancel(queued);
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(cancelled.first().first().toULongLong(), queued);
    QVERIFY(started.count() > 0 || started.wait(kJobTimeoutMs));
    const quint64 running = started.first().first().toULongLong();
    // A question and a summary asked meanwhile say what they wait for (no model is
    // involved in extractive mode).
    const qint64 pdf = waitForDocument(*app, pdfPath_);
    QVERIFY(pdf > 0);
    w.selectDocument(pdf);
    QTRY_COMPARE(w.currentDocument(), pdf);
    w.assistant()->ask(QStringLiteral("Who inspects the silo?"));
    w.assistant()->summarize();
    const QString waiting = QStringLiteral("Waiting for “Adding %1” to finish").arg(repoName);
    QCOMPARE(lastAnswer(w)->statusText(), waiting + QStringLiteral("…"));
    QCOMPARE(w.assistant()->summaryPage()->progressText(), waiting);
    // Meanwhile the history of another document opens: the answer waiting is the PDF's.
    const quint64 pendingAsk = w.assistant()->askJob();
    const quint64 pendingSummary = w.assistant()->summaryJob();
    w.selectDocument(notesId);
    QTRY_COMPARE(w.currentDocument(), notesId);
    w.assistant()->startNewConversation();
    QCOMPARE(w.assistant()->askPage()->chat()->exchangeCount(), 0);
    w.assistant()->openSession(notesSession);
    QCOMPARE(w.assistant()->sessionId(), notesSession);
    QTRY_COMPARE(w.assistant()->askPage()->chat()->exchangeCount(), 1);
    app->client().cancel(pendingAsk);
    app->client().cancel(pendingSummary);
    QCOMPARE(cancelled.count(), 3);
    // The status bar shortens the job's name in its middle; the tooltip has it whole.
    QVERIFY2(w.jobStatus()->text().contains(repoName), qPrintable(w.jobStatus()->text()));
    QVERIFY2(w.jobStatus()->shownText().contains(QChar(0x2026)),
             qPrintable(w.jobStatus()->shownText()));
    QCOMPARE(w.jobStatus()->shownText().section(QChar(0x2026), 0, 0).left(6),
             w.jobStatus()->text().left(6));
    // Esc in the library's filter clears the filter, and the running job goes on.
    QLineEdit* filter = w.library()->filter();
    filter->setFocus();
    QTest::keyClicks(filter, QStringLiteral("barn"));
    QTest::keyClick(filter, Qt::Key_Escape);
    QCOMPARE(filter->text(), QString());
    QCOMPARE(cancelled.count(), 3);
    // The running one stops at its next check; meanwhile no percentage suggests it is done.
    w.jobStatus()->cancelButton()->click();
    QVERIFY2(!w.jobStatus()->text().contains(QLatin1Char('%')), qPrintable(w.jobStatus()->text()));
    QVERIFY(w.jobStatus()->text().contains(QStringLiteral("Cancelling")));
    QTRY_VERIFY_WITH_TIMEOUT(cancelled.count() == 4, kJobTimeoutMs);
    QCOMPARE(cancelled.last().first().toULongLong(), running);
    QTRY_VERIFY(app->client().jobs().isEmpty());
    QVERIFY(!w.jobStatus()->isVisible());
    QCOMPARE(w.libraryModel()->pendingCount(), 0);
    QVERIFY(!w.libraryModel()->entryForPath(text));
}

void TstGuiMainWindow::restartRestoresWindowAndSession() {
    qint64 sessionId = 0;
    qint64 id = 0;
    QList<int> sizes;
    {
        auto app = startApp();
        QVERIFY(app);
        MainWindow& w = app->window();
        id = waitForDocument(*app, pdfPath_);
        w.selectDocument(id);
        QTRY_COMPARE(w.viewer()->mode(), ViewerPanel::Mode::Pdf);
        QTRY_VERIFY_WITH_TIMEOUT(w.assistant()->sessionId() > 0 ||
                                     w.assistant()->historyPage()->sessionCount() > 0,
                                 kJobTimeoutMs);
        if (w.assistant()->sessionId() == 0) {
            w.assistant()->ask(QStringLiteral("Who visits the silo?"));
            QTRY_VERIFY_WITH_TIMEOUT(w.assistant()->sessionId() > 0, kJobTimeoutMs);
        }
        sessionId = w.assistant()->sessionId();
        w.viewer()->goToPage(4);
        w.resize(1300, 820);
        auto* splitter = w.findChild<QSplitter*>(QStringLiteral("mainSplitter"));
        splitter->setSizes({240, 640, 420});
        sizes = splitter->sizes();
    }
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    QTRY_COMPARE(w.currentDocument(), id);
    QCOMPARE(w.size(), QSize(1300, 820));
    QCOMPARE(w.findChild<QSplitter*>(QStringLiteral("mainSplitter"))->sizes(), sizes);
    QTRY_COMPARE(w.viewer()->mode(), ViewerPanel::Mode::Pdf);
    QTRY_COMPARE(w.viewer()->currentPage(), 4);
    QCOMPARE(w.assistant()->sessionId(), sessionId);
    QTRY_VERIFY(w.assistant()->askPage()->chat()->exchangeCount() > 0);
    QTRY_VERIFY(w.assistant()->historyPage()->sessionCount() > 0);
    w.action(QStringLiteral("history"))->trigger();
    QCOMPARE(w.assistant()->tabs()->currentIndex(), int(AssistantPanel::HistoryTab));
}

void TstGuiMainWindow::codebaseOpensAndCitesLines() {
    const QString repo = path(QStringLiteral("small-repo"));
    QDir(repo).mkpath(QStringLiteral("src"));
    {
        QFile readme(QDir(repo).filePath(QStringLiteral("README.md")));
        QVERIFY(readme.open(QIODevice::WriteOnly));
        readme.write("# Silo monitor\n\nReads humidity sensors and writes the weekly register.\n");
        QFile code(QDir(repo).filePath(QStringLiteral("src/register.cpp")));
        QVERIFY(code.open(QIODevice::WriteOnly));
        code.write("// Writes the weekly humidity register.\n#include <string>\n\n");
        for (int i = 0; i < 60; ++i)
            code.write("int step" + QByteArray::number(i) + " = " + QByteArray::number(i) + ";\n");
        code.write("void writeRegister(double humidity) { record(humidity); }\n");
        QFile logo(QDir(repo).filePath(QStringLiteral("logo.png")));
        QVERIFY(logo.open(QIODevice::WriteOnly));
        logo.write(QByteArray("\x89PNG\r\n\x1a\n", 8));
    }
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    w.openPaths({repo});
    const qint64 id = waitForDocument(*app, repo);
    QVERIFY(id > 0);
    QTRY_COMPARE(w.currentDocument(), id);
    QCOMPARE(w.libraryModel()->entry(id)->info.kind, lv::analysis::DocumentKind::Codebase);
    // The status bar says what the codebase left out.
    QTRY_VERIFY2(
        w.statusBar()->currentMessage().contains(QStringLiteral("skipped: binary 1 (logo.png)")),
        qPrintable(w.statusBar()->currentMessage()));
    QTRY_COMPARE(w.viewer()->mode(), ViewerPanel::Mode::Code);
    QTRY_COMPARE(w.viewer()->codebaseView()->currentFile(), QStringLiteral("README.md"));
    // The examples on the empty Ask tab are about code, not obligations and deadlines.
    const QStringList examples = w.assistant()->askPage()->suggestions();
    QVERIFY2(examples.contains(QStringLiteral("What does this codebase do?")),
             qPrintable(examples.join(QLatin1Char('|'))));
    QVERIFY(!examples.join(QLatin1Char('|')).contains(QStringLiteral("deadlines")));
    w.assistant()->ask(QStringLiteral("Where is the register written?"));
    QTRY_VERIFY_WITH_TIMEOUT(lastAnswer(w) && !lastAnswer(w)->isStreaming(), kJobTimeoutMs);
    QVERIFY(lastAnswer(w)->citationCount() > 0);
    // Follow a citation into a source file: its lines are shown.
    lv::analysis::Citation c;
    c.documentId = id;
    c.filePath = "src/register.cpp";
    c.lineStart = 64;
    c.lineEnd = 64;
    w.showCitation(c);
    QTRY_COMPARE(w.viewer()->codebaseView()->currentFile(), QStringLiteral("src/register.cpp"));
    QTRY_COMPARE(w.viewer()->codebaseView()->editor()->shownLines(), std::make_pair(64, 64));
}

void TstGuiMainWindow::changedFileIsReadAgain() {
    const QString notes =
        writeFile(QStringLiteral("notes.md"), "# Notes\n\nThe first version mentions barley.\n");
    QVERIFY(!notes.isEmpty());
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    w.openPaths({notes});
    const qint64 id = waitForDocument(*app, notes);
    QVERIFY(id > 0);
    const std::string hash = w.libraryModel()->entry(id)->info.contentHash;
    // A summary of the first version, which must not outlive it.
    w.selectDocument(id);
    w.assistant()->summarize();
    SummaryPage* summary = w.assistant()->summaryPage();
    QTRY_VERIFY_WITH_TIMEOUT(summary->state() == SummaryPage::State::Done, kJobTimeoutMs);
    QVERIFY(QString::fromStdString(summary->summary()->text).contains(QStringLiteral("barley")));
    QSignalSpy ingested(&app->client(), &AnalysisClient::ingested);
    QTRY_VERIFY(w.sourceWatcher()->watchedPaths().contains(QFileInfo(notes).absoluteFilePath()));
    {
        QFile f(notes);
        QVERIFY(f.open(QIODevice::Append));
        f.write("The second version adds rye and oats.\n");
    }
    QTRY_VERIFY_WITH_TIMEOUT(!ingested.isEmpty(), kJobTimeoutMs);
    const auto report = ingested.last().at(1).value<lv::analysis::IngestReport>();
    QCOMPARE(report.document.id, id);
    QVERIFY(!report.unchanged);
    QTRY_VERIFY(w.libraryModel()->entry(id)->info.contentHash != hash);
    // The summary described the old text: the tab offers to summarize the new one.
    QTRY_COMPARE(summary->state(), SummaryPage::State::Idle);
    QVERIFY(!summary->summary());
}

void TstGuiMainWindow::encryptedPdfAsksForItsPassword() {
    const QString locked = path(QStringLiteral("locked.pdf"));
    QString error;
    if (!lv::test::encryptPdf(pdfPath_, locked, QStringLiteral("harvest"), &error))
        QSKIP(qPrintable(QStringLiteral("cannot make an encrypted PDF: ") + error));
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    w.openPaths({locked});
    QInputDialog* prompt = nullptr;
    QTRY_VERIFY((prompt = w.findChild<QInputDialog*>(QStringLiteral("passwordPrompt"))) != nullptr);
    prompt->setTextValue(QStringLiteral("wrong"));
    prompt->accept();
    // A wrong password asks again.
    QTRY_VERIFY(
        (prompt = w.findChild<QInputDialog*>(QStringLiteral("passwordPrompt"))) != nullptr &&
        prompt->isVisible() && prompt->labelText().contains(QStringLiteral("did not open")));
    prompt->setTextValue(QStringLiteral("harvest"));
    prompt->accept();
    const qint64 id = waitForDocument(*app, locked);
    QVERIFY(id > 0);
    QCOMPARE(w.libraryModel()->entry(id)->info.pages, 6);
    QTRY_COMPARE(w.currentDocument(), id);
    QTRY_COMPARE(w.viewer()->mode(), ViewerPanel::Mode::Pdf);
    QCOMPARE(w.viewer()->pageCount(), 6);
}

void TstGuiMainWindow::dropAddsFiles() {
    const QString dropped =
        writeFile(QStringLiteral("dropped.txt"),
                  "Dropped on the window: a note about storage temperatures.\n");
    QVERIFY(!dropped.isEmpty());
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(dropped)});
    const QPoint at = w.rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    QVERIFY(drop.isAccepted());
    const qint64 id = waitForDocument(*app, dropped);
    QVERIFY(id > 0);
    QTRY_COMPARE(w.currentDocument(), id);
    QTRY_COMPARE(w.viewer()->mode(), ViewerPanel::Mode::Code);

    // A document chosen while another is being read stays open when the other is in.
    const QString later = writeFile(QStringLiteral("dropped-later.txt"),
                                    "Read while the reader looks at another document.\n");
    QVERIFY(!later.isEmpty());
    const qint64 pdf = waitForDocument(*app, pdfPath_);
    QSignalSpy ingested(&app->client(), &AnalysisClient::ingested);
    w.openPaths({later});
    w.selectDocument(pdf);
    QCOMPARE(w.currentDocument(), pdf);
    QVERIFY(waitForDocument(*app, later) > 0);
    QTRY_VERIFY(!ingested.isEmpty());
    QTest::qWait(100); // the listing that would select it
    QCOMPARE(w.currentDocument(), pdf);
    QVERIFY2(w.statusBar()->currentMessage().contains(QStringLiteral("dropped-later.txt")),
             qPrintable(w.statusBar()->currentMessage()));
}

void TstGuiMainWindow::shortcutsReachTheirTargets() {
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    watchdog_->arm();
    const qint64 id = waitForDocument(*app, pdfPath_);
    w.selectDocument(id);
    QTRY_COMPARE(w.viewer()->mode(), ViewerPanel::Mode::Pdf);
    w.viewer()->pdfView()->setFocus();
    QTest::keySequence(&w, QKeySequence::Find);
    QVERIFY(w.viewer()->findBar()->isVisible());
    QTest::keyClick(w.viewer()->findBar()->field(), Qt::Key_Escape);
    QVERIFY(w.viewer()->findBar()->isHidden());
    QTest::keySequence(&w, QKeySequence(Qt::Key_F9));
    QVERIFY(w.library()->isHidden());
    QTest::keySequence(&w, QKeySequence(Qt::Key_F9));
    QVERIFY(!w.library()->isHidden());
    QTest::keySequence(&w, QKeySequence(Qt::CTRL | Qt::Key_L));
    QCOMPARE(w.assistant()->tabs()->currentIndex(), int(AssistantPanel::AskTab));
    QVERIFY(w.assistant()->askPage()->prompt()->hasFocus());
    const double before = w.viewer()->pdfView()->zoom();
    w.action(QStringLiteral("zoom_in"))->trigger();
    QVERIFY(w.viewer()->pdfView()->zoom() > before);
    w.action(QStringLiteral("fit_width"))->trigger();
    QVERIFY(w.viewer()->pdfView()->isFitWidth());
    w.action(QStringLiteral("last_page"))->trigger();
    QCOMPARE(w.viewer()->currentPage(), 5);

    // Edit > Copy follows the PDF's selection. In the view, Ctrl+A and Escape are the
    // view's: Escape clears the selection instead of stopping a job.
    QAction* copy = w.action(QStringLiteral("copy"));
    QVERIFY(!copy->isEnabled());
    PdfView* view = w.viewer()->pdfView();
    view->setFocus();
    QTest::keySequence(view, QKeySequence::SelectAll);
    QTRY_VERIFY(view->hasSelection());
    QVERIFY(copy->isEnabled());
    QVERIFY2(view->selectedText().contains(QStringLiteral("florins")),
             qPrintable(view->selectedText()));
    QGuiApplication::clipboard()->clear();
    copy->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), view->selectedText());
    QTest::keyClick(view, Qt::Key_Escape);
    QVERIFY(!view->hasSelection());
    QVERIFY(!copy->isEnabled());
}

// A file that cannot be added says why and leaves the recent files; a library file that
// is not a library says so where the library would be listed, not that it is empty.
void TstGuiMainWindow::unreadableFilesAndLibrariesSaySo() {
    const QString broken = writeFile(QStringLiteral("broken.pdf"), "%PDF-1.7\n1 0 obj\n<<");
    QVERIFY(!broken.isEmpty());
    {
        auto app = startApp();
        QVERIFY(app);
        MainWindow& w = app->window();
        watchdog_->arm();
        w.openPaths({broken});
        QMessageBox* box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (box = w.findChild<QMessageBox*>(QStringLiteral("errorMessage"))) != nullptr,
            kJobTimeoutMs);
        QVERIFY2(box->text().contains(QStringLiteral("broken.pdf")), qPrintable(box->text()));
        QVERIFY(!app->settings().recentFiles().contains(QFileInfo(broken).absoluteFilePath()));
        box->close();
    }
    const QString garbage = writeFile(QStringLiteral("garbage.db"), QByteArray(8192, '\x5a'));
    QVERIFY(!garbage.isEmpty());
    auto app = startApp({}, garbage);
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    QTRY_COMPARE(w.library()->emptyState()->title(),
                 QStringLiteral("The library could not be opened"));
    QVERIFY2(w.library()->emptyState()->body().contains(QStringLiteral("garbage.db")),
             qPrintable(w.library()->emptyState()->body()));
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("errorMessage"))) != nullptr);
    QCOMPARE(box->windowTitle(), QStringLiteral("The library could not be opened"));
    // Nothing offers to add files to it, and nothing acts on a document that is not there.
    QCOMPARE(w.welcome()->state()->title(), QStringLiteral("The library could not be opened"));
    QVERIFY(w.welcome()->state()->findChildren<QPushButton*>().isEmpty());
    for (const char* id : {"open_file", "open_folder", "summarize", "ask", "remove", "reread"})
        QVERIFY2(!w.action(QLatin1String(id))->isEnabled(), id);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(pdfPath_)});
    QDragEnterEvent enter(w.rect().center(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(!enter.isAccepted());
    QCOMPARE(w.findChild<QComboBox*>(QStringLiteral("modelPicker"))->currentText(),
             QStringLiteral("No model (extractive)"));
    QVERIFY(!w.modelStatus()->isStateVisible());
}

// Dropping several files that cannot be added lists them in one dialog instead of
// stacking a dialog per file, each reason without the path the dialog already names.
void TstGuiMainWindow::filesThatCannotBeAddedShareOneDialog() {
    const QStringList names = {QStringLiteral("torn-a.pdf"), QStringLiteral("torn-b.pdf"),
                               QStringLiteral("picture.png")};
    QList<QUrl> urls;
    for (const QString& name : names) {
        const QString file = writeFile(name, name.endsWith(QLatin1String(".png"))
                                                 ? QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)
                                                 : QByteArray("%PDF-1.7\n1 0 obj\n<<"));
        QVERIFY(!file.isEmpty());
        urls << QUrl::fromLocalFile(file);
    }
    auto app = startApp();
    QVERIFY(app);
    MainWindow& w = app->window();
    watchdog_->arm();
    QMimeData mime;
    mime.setUrls(urls);
    const QPoint at = w.rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    QTRY_VERIFY_WITH_TIMEOUT(
        app->client().jobs().isEmpty() && w.libraryModel()->pendingCount() == 0, kJobTimeoutMs);
    auto visibleBoxes = [&w] {
        QList<QMessageBox*> boxes;
        for (QMessageBox* b : w.findChildren<QMessageBox*>(QStringLiteral("errorMessage")))
            if (b->isVisible()) boxes << b;
        return boxes;
    };
    QTRY_COMPARE(visibleBoxes().size(), 1);
    QMessageBox* box = visibleBoxes().first();
    QCOMPARE(box->text(), QStringLiteral("3 files could not be added"));
    const auto listed = [&box] {
        return QTextDocumentFragment::fromHtml(box->informativeText()).toPlainText();
    };
    for (const QString& name : names)
        QVERIFY2(listed().contains(name + QStringLiteral(": ")), qPrintable(listed()));
    QVERIFY2(!listed().contains(dir_.path()), qPrintable(listed()));
    // A path that no longer exists joins the same list.
    w.openPaths({path(QStringLiteral("gone.txt"))});
    QCOMPARE(visibleBoxes().size(), 1);
    QCOMPARE(box->text(), QStringLiteral("4 files could not be added"));
    QVERIFY2(listed().contains(QStringLiteral("gone.txt: It does not exist.")),
             qPrintable(listed()));
    // Once dismissed, the next failure starts a list of its own.
    box->accept();
    QTRY_VERIFY(visibleBoxes().isEmpty());
    w.openPaths({path(QStringLiteral("gone-too.txt"))});
    QTRY_COMPARE(visibleBoxes().size(), 1);
    QCOMPARE(visibleBoxes().first()->text(), QStringLiteral("“gone-too.txt” could not be added"));
    QCOMPARE(visibleBoxes().first()->informativeText(), QStringLiteral("It does not exist."));
}

QTEST_MAIN(TstGuiMainWindow)
#include "tst_gui_mainwindow.moc"
