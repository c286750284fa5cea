// The GUI's parts that stand alone: the library model and panel, the source watcher,
// citation text, the chat, summary and history pages, settings and their dialog.

#include "support/UiWatchdog.h"

#include "ui/assistant/AskPage.h"
#include "ui/assistant/ChatView.h"
#include "ui/assistant/CitationChip.h"
#include "ui/assistant/CitationText.h"
#include "ui/assistant/HistoryPage.h"
#include "ui/assistant/MessageView.h"
#include "ui/assistant/MetricsText.h"
#include "ui/assistant/PromptEdit.h"
#include "ui/assistant/SummaryPage.h"
#include "ui/library/LibraryModel.h"
#include "ui/library/LibraryPanel.h"
#include "ui/library/SourceWatcher.h"
#include "ui/shell/AppSettings.h"
#include "ui/shell/EmptyState.h"
#include "ui/shell/Icons.h"
#include "ui/shell/ModelStatusWidget.h"
#include "ui/shell/SettingsDialog.h"

#include <QAbstractItemModelTester>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTextDocument>
#include <QtTest>

using namespace lv::ui;
using lv::analysis::Citation;
using lv::analysis::DocumentKind;

namespace {

LibraryEntry entry(qint64 id, const std::string& title, DocumentKind kind = DocumentKind::Pdf) {
    LibraryEntry e;
    e.info.id = id;
    e.info.title = title;
    e.info.kind = kind;
    e.info.sourcePath = "/library/" + title;
    e.info.pages = 12;
    e.info.files = 40;
    e.sourceBytes = 2 * 1024 * 1024;
    return e;
}

Citation pageCitation(int page, const std::string& label) {
    Citation c;
    c.documentId = 1;
    c.pageIndex = page;
    c.pageLabel = label;
    c.quote = "the operator keeps the silo dry";
    return c;
}

} // namespace

class TstGuiWidgets : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { watchdog_ = new lv::test::UiWatchdog(this); }
    void init() {
        watchdog_->reset();
        watchdog_->setContext(QString::fromLatin1(QTest::currentTestFunction()));
    }
    void cleanup();

    void libraryModelMergesRefreshesInPlace();
    void libraryModelShowsPendingFiles();
    void libraryPanelFiltersAndShowsEmptyState();
    void emptyStateFitsANarrowPanel();
    void sourceWatcherReportsASettledChange();
    void citationTextLinksMarkers();
    void citationChipsAndLabels();
    void messageViewStreamsThenShowsSources();
    void chatViewKeepsExchanges();
    void askPageSendsAndStops();
    void summaryPageShowsProgressAndSources();
    void copiedAnswersKeepLongRunsIntact();
    void historyPageListsSessions();
    void metricsDescribeTheRun();
    void appSettingsRoundTrip();
    void settingsDialogWritesSettings();
    void iconsHaveFallbacks();

private:
    lv::test::UiWatchdog* watchdog_ = nullptr;
};

void TstGuiWidgets::cleanup() {
    const QString blocked = watchdog_->finishTest(lv::test::UiWatchdog::kLimitMs);
    if (!blocked.isEmpty()) QFAIL(qPrintable(blocked));
}

void TstGuiWidgets::libraryModelMergesRefreshesInPlace() {
    LibraryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntries({entry(1, "a.pdf"), entry(2, "b.pdf"), entry(3, "c.pdf")});
    QCOMPARE(model.rowCount(), 3);
    QPersistentModelIndex b = model.index(1);
    // Reordered, one removed, one added, one changed: rows move rather than reset.
    LibraryEntry changed = entry(2, "b.pdf");
    changed.info.stateCached = true;
    model.setEntries({entry(4, "d.pdf"), changed, entry(1, "a.pdf")});
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(b.isValid());
    QCOMPARE(b.row(), 1);
    QCOMPARE(b.data(LibraryModel::DocumentIdRole).toLongLong(), 2);
    QVERIFY(b.data(LibraryModel::StateCachedRole).toBool());
    QCOMPARE(model.index(0).data().toString(), QStringLiteral("d.pdf"));
    QCOMPARE(model.rowOf(3), -1);
    QCOMPARE(model.index(2).data(LibraryModel::DetailRole).toString(),
             QStringLiteral("12 pages · 2.0 MB"));
    LibraryEntry code = entry(5, "repo", DocumentKind::Codebase);
    QCOMPARE(LibraryModel::describe(code), QStringLiteral("40 files · 2.0 MB"));
    LibraryEntry gone = entry(6, "gone.pdf");
    gone.sourceExists = false;
    model.setEntries({gone});
    QVERIFY(model.index(0).data(LibraryModel::SourceMissingRole).toBool());
    QCOMPARE(model.index(0).data(LibraryModel::DetailRole).toString(),
             QStringLiteral("Source missing"));
}

void TstGuiWidgets::libraryModelShowsPendingFiles() {
    LibraryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntries({entry(1, "a.pdf")});
    model.addPending(42, QStringLiteral("/tmp/new report.pdf"));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0).data().toString(), QStringLiteral("new report.pdf"));
    QVERIFY(model.index(0).data(LibraryModel::PendingRole).toBool());
    QCOMPARE(model.index(0).data(LibraryModel::KindRole).toInt(), int(DocumentKind::Pdf));
    model.setPendingProgress(42, QStringLiteral("ocr"), 0.5);
    QCOMPARE(model.index(0).data(LibraryModel::ProgressRole).toDouble(), 0.5);
    QVERIFY(model.index(0)
                .data(LibraryModel::DetailRole)
                .toString()
                .startsWith(QStringLiteral("Recognising")));
    QCOMPARE(model.rowOf(1), 1);
    model.setEntries({entry(1, "a.pdf"), entry(7, "new report.pdf")});
    QCOMPARE(model.rowCount(), 3);
    model.removePending(42);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.pendingCount(), 0);
}

void TstGuiWidgets::libraryPanelFiltersAndShowsEmptyState() {
    LibraryModel model;
    LibraryPanel panel(&model);
    panel.resize(300, 500);
    panel.show();
    panel.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&panel));
    watchdog_->arm();
    QVERIFY(panel.emptyState()->isVisible());
    QCOMPARE(panel.emptyState()->title(), QStringLiteral("Your library is empty"));
    model.setEntries({entry(1, "Annual report.pdf"), entry(2, "Contract.pdf"),
                      entry(3, "longview", DocumentKind::Codebase)});
    QVERIFY(panel.view()->isVisible());
    QSignalSpy current(&panel, &LibraryPanel::currentDocumentChanged);
    panel.selectDocument(2);
    QCOMPARE(panel.currentDocument(), 2);
    QCOMPARE(current.count(), 1);
    QTest::keyClicks(panel.filter(), QStringLiteral("contr"));
    QCOMPARE(panel.view()->model()->rowCount(), 1);
    QTest::keyClicks(panel.filter(), QStringLiteral("xyz"));
    QCOMPARE(panel.view()->model()->rowCount(), 0);
    QCOMPARE(panel.currentDocument(), 2); // hidden, not closed
    panel.filter()->clear();
    QCOMPARE(panel.view()->model()->rowCount(), 3);
    QCOMPARE(current.count(), 1);
    QCOMPARE(panel.view()->currentIndex().data(LibraryModel::DocumentIdRole).toLongLong(), 2);
    QSignalSpy remove(&panel, &LibraryPanel::removeRequested);
    panel.view()->setFocus();
    QTest::keyClick(panel.view(), Qt::Key_Delete);
    QCOMPARE(remove.count(), 1);
    QCOMPARE(remove.first().first().toLongLong(), 2);
    model.setEntries({entry(1, "Annual report.pdf")}); // removed: its neighbour is opened
    QCOMPARE(panel.currentDocument(), 1);
    model.setEntries({});
    QCOMPARE(panel.currentDocument(), 0);
    QCOMPARE(current.last().first().toLongLong(), 0);
    QVERIFY(panel.emptyState()->isVisible());
}

// The library's empty state at the panel's narrowest: its buttons go one above the
// other instead of being clipped, and its text gets the height its wrapping needs.
void TstGuiWidgets::emptyStateFitsANarrowPanel() {
    EmptyState state;
    state.setTitle(QStringLiteral("Your library is empty"));
    state.setBody(QStringLiteral("Add a PDF, a text file or a code folder, or drop them here. "
                                 "Longview reads them once and keeps them."));
    QPushButton* file = state.addButton(QStringLiteral("Add File…"), {}, true);
    QPushButton* folder = state.addButton(QStringLiteral("Add Folder…"));
    // As the main window sets the library's narrowest width, below what a row needs.
    state.setMinimumWidth(200);
    state.resize(600, 500);
    state.show();
    QVERIFY(QTest::qWaitForWindowExposed(&state));
    const auto armed = watchdog_->armedForScope();
    QTRY_COMPARE(folder->geometry().top(), file->geometry().top());

    state.resize(200, 500);
    QTRY_VERIFY(folder->geometry().top() > file->geometry().bottom());
    for (QPushButton* b : {file, folder}) {
        const QRect inState(b->mapTo(&state, QPoint(0, 0)), b->size());
        QVERIFY2(state.rect().contains(inState), qPrintable(b->text()));
        QVERIFY(b->width() >= b->sizeHint().width());
    }
    QLabel* body = nullptr;
    for (QLabel* l : state.findChildren<QLabel*>())
        if (l->text() == state.body()) body = l;
    QVERIFY(body);
    QVERIFY2(body->height() >= body->heightForWidth(body->width()),
             qPrintable(QStringLiteral("%1 < %2")
                            .arg(body->height())
                            .arg(body->heightForWidth(body->width()))));

    state.resize(600, 500);
    QTRY_COMPARE(folder->geometry().top(), file->geometry().top());
}

void TstGuiWidgets::sourceWatcherReportsASettledChange() {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("notes.txt"));
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("first\n");
    f.close();
    QDir(dir.path()).mkpath(QStringLiteral("repo/src"));
    SourceWatcher watcher(200);
    const auto armed = watchdog_->armedForScope();
    QSignalSpy changed(&watcher, &SourceWatcher::sourceChanged);
    watcher.setSources({file, dir.filePath(QStringLiteral("repo"))});
    QTRY_VERIFY(watcher.watchedPaths().contains(dir.filePath(QStringLiteral("repo/src"))));
    // Two writes in a row make one report, once the file is quiet.
    QVERIFY(f.open(QIODevice::Append));
    f.write("second\n");
    f.flush();
    f.write("third\n");
    f.close();
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().toString(), file);
    // An editor's save: a new file renamed over the old one.
    const QString temp = dir.filePath(QStringLiteral("notes.txt.tmp"));
    QFile t(temp);
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write("replaced\n");
    t.close();
    QVERIFY(QFile::remove(file));
    QVERIFY(QFile::rename(temp, file));
    QTRY_COMPARE(changed.count(), 2);
    // A file added in a codebase's subfolder.
    QFile added(dir.filePath(QStringLiteral("repo/src/new.cpp")));
    QVERIFY(added.open(QIODevice::WriteOnly));
    added.write("int x;\n");
    added.close();
    QTRY_COMPARE(changed.count(), 3);
    QCOMPARE(changed.last().first().toString(), dir.filePath(QStringLiteral("repo")));
    QTRY_VERIFY(watcher.watchedPaths().contains(file)); // taken back after the rename
}

void TstGuiWidgets::citationTextLinksMarkers() {
    const QString html =
        citation_text::toHtml(QStringLiteral("The silo must stay dry [1]. Fines apply [2, 3].\n\n- "
                                             "**First** point [4]\n- `code` <b>x</b> [9]"),
                              4, QStringLiteral("#0000ff"));
    QVERIFY(html.contains(QStringLiteral("href=\"cite:0\"")));
    QVERIFY(html.contains(QStringLiteral("href=\"cite:1\"")));
    QVERIFY(html.contains(QStringLiteral("href=\"cite:2\"")));
    QVERIFY(html.contains(QStringLiteral("href=\"cite:3\"")));
    QVERIFY(!html.contains(QStringLiteral("cite:8"))); // [9] has no citation: plain text
    QVERIFY(html.contains(QStringLiteral("[9]")));
    QVERIFY(html.contains(QStringLiteral("<ul><li style=\"line-height:135%;\"><b>First</b>")));
    QVERIFY(html.contains(QStringLiteral("<code>code</code>")));
    QVERIFY(html.contains(QStringLiteral("&lt;b&gt;x&lt;/b&gt;"))); // model text is never markup
    QVERIFY(citation_text::toHtml(QStringLiteral("the \u00ABsilo\u00BB is dry"), 0,
                                  QStringLiteral("#00f"))
                .contains(QStringLiteral("the <b>silo</b> is dry")));
    QCOMPARE(citation_text::citationIndex(QStringLiteral("cite:3")), 3);
    QCOMPARE(citation_text::citationIndex(QStringLiteral("https://x")), -1);
}

void TstGuiWidgets::citationChipsAndLabels() {
    QCOMPARE(citation_text::chipLabel(pageCitation(3, "iv")), QStringLiteral("p. iv"));
    Citation code;
    code.filePath = "src/main.cpp";
    code.lineStart = 10;
    code.lineEnd = 24;
    QCOMPARE(citation_text::chipLabel(code), QStringLiteral("src/main.cpp:10–24"));
    code.label = "main.cpp:10";
    QCOMPARE(citation_text::chipLabel(code), QStringLiteral("main.cpp:10"));
    CitationChip chip(2, pageCitation(3, "iv"));
    chip.show();
    QSignalSpy spy(&chip, &CitationChip::citationActivated);
    QTest::mouseClick(&chip, Qt::LeftButton);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.first().first().value<Citation>().pageIndex, 3);
    QVERIFY(chip.toolTip().contains(QStringLiteral("silo")));
}

void TstGuiWidgets::messageViewStreamsThenShowsSources() {
    MessageView view(QStringLiteral("Who keeps the silo dry?"));
    view.resize(400, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    watchdog_->arm();
    view.setStatus(QStringLiteral("Reading the document · 40 %"));
    view.appendAnswerText(QStringLiteral("The oper"));
    view.appendAnswerText(QStringLiteral("ator [1]."));
    QVERIFY(view.isStreaming());
    QCOMPARE(view.answerText(), QStringLiteral("The operator [1]."));
    QTRY_VERIFY(view.findChildren<QLabel*>().size() > 0);
    lv::analysis::Metrics m;
    m.generatedTokens = 12;
    m.tokensPerSecond = 30;
    m.stateResumed = true;
    m.model = "granite";
    view.setAnswer(QStringLiteral("The operator [1]."), {pageCitation(2, "1")}, m, false);
    QVERIFY(!view.isStreaming());
    QCOMPARE(view.citationCount(), 1);
    QSignalSpy spy(&view, &MessageView::citationActivated);
    auto chips = view.findChildren<CitationChip*>();
    QCOMPARE(chips.size(), 1);
    QTest::mouseClick(chips.first(), Qt::LeftButton);
    QCOMPARE(spy.count(), 1);
    // The marker in the text is a link too.
    QLabel* answer = nullptr;
    for (QLabel* l : view.findChildren<QLabel*>())
        if (l->text().contains(QStringLiteral("cite:0"))) answer = l;
    QVERIFY(answer);
    emit answer->linkActivated(QStringLiteral("cite:0"));
    QCOMPARE(spy.count(), 2);
    bool metricsShown = false;
    for (QLabel* l : view.findChildren<QLabel*>())
        if (l->text().contains(QStringLiteral("resumed from cache"))) metricsShown = true;
    QVERIFY(metricsShown);
}

void TstGuiWidgets::chatViewKeepsExchanges() {
    ChatView chat;
    chat.resize(400, 300);
    chat.show();
    watchdog_->arm();
    QSignalSpy cited(&chat, &ChatView::citationActivated);
    for (int i = 0; i < 8; ++i) {
        MessageView* v = chat.addExchange(QStringLiteral("Question %1").arg(i));
        v->setAnswer(QStringLiteral("A long answer. ").repeated(30), {pageCitation(i, "x")}, {},
                     true);
    }
    QCOMPARE(chat.exchangeCount(), 8);
    QCOMPARE(chat.lastExchange()->question(), QStringLiteral("Question 7"));
    emit chat.lastExchange()->citationActivated(pageCitation(7, "x"));
    QCOMPARE(cited.count(), 1);
    chat.clear();
    QCOMPARE(chat.exchangeCount(), 0);
}

void TstGuiWidgets::askPageSendsAndStops() {
    AskPage page;
    page.resize(400, 500);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    watchdog_->arm();
    QSignalSpy asked(&page, &AskPage::askRequested);
    QSignalSpy stopped(&page, &AskPage::stopRequested);
    QVERIFY(!page.sendButton()->isEnabled());
    QTest::keyClicks(page.prompt(), QStringLiteral("What is a silo?"));
    QVERIFY(page.sendButton()->isEnabled());
    QTest::keyClick(page.prompt(), Qt::Key_Return);
    QCOMPARE(asked.count(), 1);
    QCOMPARE(asked.first().first().toString(), QStringLiteral("What is a silo?"));
    QVERIFY(page.prompt()->toPlainText().isEmpty());
    page.setBusy(true);
    QCOMPARE(page.sendButton()->text(), QStringLiteral("Stop"));
    page.sendButton()->click();
    QCOMPARE(stopped.count(), 1);
    page.setBusy(false);
    QTest::keyClicks(page.prompt(), QStringLiteral("line one"));
    QTest::keyClick(page.prompt(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(page.prompt(), QStringLiteral("line two"));
    QCOMPARE(page.prompt()->toPlainText(), QStringLiteral("line one\nline two"));
    QCOMPARE(asked.count(), 1);
    page.setAvailable(false, QStringLiteral("Open a document"));
    QVERIFY(!page.sendButton()->isEnabled());
}

void TstGuiWidgets::summaryPageShowsProgressAndSources() {
    SummaryPage page;
    page.resize(420, 500);
    page.show();
    watchdog_->arm();
    QCOMPARE(page.state(), SummaryPage::State::Unavailable);
    QVERIFY(!page.summarizeButton()->isEnabled());
    page.setIdle(QStringLiteral("Grain"), QStringLiteral("extractive"));
    QSignalSpy requested(&page, &SummaryPage::summarizeRequested);
    page.summarizeButton()->click();
    QCOMPARE(requested.count(), 1);
    page.setRunning(QStringLiteral("Reading the document"), 0.25);
    QCOMPARE(page.state(), SummaryPage::State::Running);
    QSignalSpy cancelled(&page, &SummaryPage::cancelRequested);
    page.cancelButton()->click();
    QCOMPARE(cancelled.count(), 1);
    page.appendText(QStringLiteral("Partial text"));
    QTRY_VERIFY(page.browser()->toPlainText().contains(QStringLiteral("Partial text")));
    lv::analysis::Summary s;
    s.documentId = 1;
    s.text = "Silos must stay dry [1]. Fines apply [2].";
    s.citations = {pageCitation(2, "1"), pageCitation(4, "3")};
    page.setSummary(s);
    QCOMPARE(page.state(), SummaryPage::State::Done);
    const QString text = page.browser()->toPlainText();
    QVERIFY(text.contains(QStringLiteral("Sources")));
    QVERIFY(text.contains(QStringLiteral("p. 3")));
    QSignalSpy cited(&page, &SummaryPage::citationActivated);
    emit page.browser()->anchorClicked(QUrl(QStringLiteral("cite:1")));
    QCOMPARE(cited.count(), 1);
    QCOMPARE(cited.first().first().value<Citation>().pageIndex, 4);
    page.setFailed(QStringLiteral("the model ran out of memory"));
    QCOMPARE(page.state(), SummaryPage::State::Failed);
    QVERIFY(page.browser()->toPlainText().contains(QStringLiteral("out of memory")));
}

// A long run (a URL, a command-line option) wraps on screen through invisible break
// hints; what the reader copies from an answer or a summary must be the text itself.
void TstGuiWidgets::copiedAnswersKeepLongRunsIntact() {
    const QString command = QStringLiteral("valgrind --show-possibly-lost=yes ./prog");
    const QString url = QStringLiteral("https://example.org/docs/storage/humidity-limits.html");
    const QString text = QStringLiteral("Run %1 and read %2 [1].").arg(command, url);
    QVERIFY(citation_text::toHtml(text, 1, QStringLiteral("#0000ff")).contains(QChar(0x200B)));

    MessageView view(QStringLiteral("How do I check for leaks?"));
    view.resize(360, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const auto armed = watchdog_->armedForScope();
    view.setAnswer(text, {pageCitation(2, "1")}, lv::analysis::Metrics{}, true);
    QLabel* answer = nullptr;
    for (QLabel* l : view.findChildren<QLabel*>())
        if (l->text().contains(QStringLiteral("cite:0"))) answer = l;
    QVERIFY(answer);
    QTextDocument shown;
    shown.setHtml(answer->text());
    answer->setSelection(0, shown.characterCount() - 1);
    QVERIFY(answer->hasSelectedText());
    QGuiApplication::clipboard()->clear();
    answer->setFocus();
    QTest::keySequence(answer, QKeySequence::Copy);
    const QString copied = QGuiApplication::clipboard()->text();
    QVERIFY2(copied.contains(command) && copied.contains(url), qPrintable(copied));
    QVERIFY(!copied.contains(QChar(0x200B)));

    SummaryPage page;
    page.resize(360, 400);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    lv::analysis::Summary s;
    s.documentId = 1;
    s.text = text.toStdString();
    s.citations = {pageCitation(2, "1")};
    page.setSummary(s);
    QVERIFY(page.browser()->toPlainText().contains(QChar(0x200B)));
    page.browser()->selectAll();
    QGuiApplication::clipboard()->clear();
    page.browser()->copy();
    const QString fromSummary = QGuiApplication::clipboard()->text();
    QVERIFY2(fromSummary.contains(command) && fromSummary.contains(url), qPrintable(fromSummary));
    QVERIFY(!fromSummary.contains(QChar(0x200B)));
}

void TstGuiWidgets::historyPageListsSessions() {
    HistoryPage page;
    page.show();
    watchdog_->arm();
    QCOMPARE(page.sessionCount(), 0);
    lv::analysis::SessionInfo a;
    a.id = 5;
    a.messages = 3;
    a.lastQuestion = "What are the fines?";
    a.createdAt = QDateTime::currentDateTime().toString(Qt::ISODate).toStdString();
    lv::analysis::SessionInfo b;
    b.id = 6;
    b.messages = 1;
    b.createdAt = "2024-03-01T10:00:00";
    b.lastActiveAt = a.createdAt; // started long ago, asked today: listed as today's
    page.setSessions({a, b});
    QCOMPARE(page.sessionCount(), 2);
    QCOMPARE(page.list()->item(0)->text(), QStringLiteral("What are the fines?"));
    QCOMPARE(page.list()->item(1)->text(), QStringLiteral("Conversation"));
    QVERIFY2(page.list()->item(1)->data(HistoryPage::DetailRole).toString().contains("Today"),
             qPrintable(page.list()->item(1)->data(HistoryPage::DetailRole).toString()));
    QSignalSpy opened(&page, &HistoryPage::sessionActivated);
    QTest::mouseClick(page.list()->viewport(), Qt::LeftButton, {},
                      page.list()->visualItemRect(page.list()->item(1)).center());
    QCOMPARE(opened.count(), 1);
    QCOMPARE(opened.first().first().toLongLong(), 6);
    QVERIFY(HistoryPage::formatTime(QString::fromStdString(a.createdAt))
                .startsWith(QStringLiteral("Today")));
    QVERIFY(HistoryPage::formatTime(QStringLiteral("2024-03-01T10:00:00"))
                .contains(QStringLiteral("2024")));
}

void TstGuiWidgets::metricsDescribeTheRun() {
    lv::analysis::Metrics m;
    QCOMPARE(describeMetrics(m, true), QStringLiteral("Extractive, without a model"));
    m.model = "granite-4.0-h-1b";
    m.generatedTokens = 128;
    m.tokensPerSecond = 21.44;
    m.tokensRead = 90000;
    const QString text = describeMetrics(m, false);
    QVERIFY(text.contains(QStringLiteral("granite-4.0-h-1b")));
    QVERIFY(text.contains(QStringLiteral("21.4 tok/s")));
    QVERIFY(text.contains(QStringLiteral("read 90,000 tokens")));
    QVERIFY(!text.contains(QStringLiteral("context")));
    m.stateResumed = true;
    QVERIFY(describeMetrics(m, false).contains(QStringLiteral("resumed from cache")));
    // A document longer than the model's context: what was read of it instead.
    m.coverage.wholeDocumentTokens = 250000;
    m.coverage.contextTokens = 131072;
    m.coverage.passagesRead = 140;
    m.coverage.passagesTotal = 1210;
    QVERIFY(describeMetrics(m, false).contains(
        QStringLiteral("read the 140 of its 1,210 passages that best match")));
    m.coverage.passagesRead = m.coverage.passagesTotal = 0;
    m.coverage.summaryParts = 3;
    QVERIFY(describeMetrics(m, false).contains(QStringLiteral("summaries of its 3 parts")));
    m.coverage = {};
    // The GPU asked for and not used: said in the run's line and where the device shows.
    m.device = "cpu (2 threads)";
    m.deviceNote = "CUDA not used (no CUDA device found); running on the CPU";
    QVERIFY(describeMetrics(m, false).endsWith(QStringLiteral("running on the CPU")));
    ModelStatusWidget status;
    status.setMetrics(m, false);
    QCOMPARE(status.deviceText(), QStringLiteral("cpu (2 threads) (GPU not used)"));
    m.deviceNote.clear();
    status.setMetrics(m, false);
    QCOMPARE(status.deviceText(), QStringLiteral("cpu (2 threads)"));
}

void TstGuiWidgets::appSettingsRoundTrip() {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("longview.ini"));
    {
        AppSettings s(std::make_unique<QSettings>(file, QSettings::IniFormat));
        QCOMPARE(s.device(), QStringLiteral("auto"));
        QCOMPARE(s.maxNewTokens(), 512);
        QVERIFY(s.reingestChangedFiles());
        s.setDevice(QStringLiteral("cuda"));
        s.setContextLength(65536);
        s.setCacheBudgetBytes(8ll << 30);
        s.setTemperature(0.7);
        s.setSeed(42);
        s.setAppearance(Appearance::Dark);
        for (int i = 0; i < 12; ++i)
            s.addRecentFile(QStringLiteral("/docs/%1.pdf").arg(i));
        s.addRecentFile(QStringLiteral("/docs/3.pdf"));
        s.setViewPosition(7, ViewPosition{4, 1.5, QStringLiteral("src/a.cpp")});
        s.setLastSession(7, 99);
        s.sync();
    }
    AppSettings s(std::make_unique<QSettings>(file, QSettings::IniFormat));
    const lv::analysis::ServiceConfig c = s.serviceConfig(QStringLiteral("/tmp/lib.db"));
    QCOMPARE(QString::fromStdString(c.databasePath), QStringLiteral("/tmp/lib.db"));
    QCOMPARE(QString::fromStdString(c.device), QStringLiteral("cuda"));
    QCOMPARE(c.contextLength, 65536);
    QCOMPARE(c.cacheBudgetBytes, 8ll << 30);
    QCOMPARE(c.temperature, 0.7f);
    QCOMPARE(c.seed, 42u);
    QVERIFY(c.modelPath.empty()); // the service remembers the model
    QCOMPARE(s.appearance(), Appearance::Dark);
    const QStringList recent = s.recentFiles();
    QCOMPARE(recent.size(), AppSettings::kMaxRecentFiles);
    QCOMPARE(recent.first(), QStringLiteral("/docs/3.pdf"));
    QCOMPARE(recent.count(QStringLiteral("/docs/3.pdf")), 1);
    QCOMPARE(s.viewPosition(7).page, 4);
    QCOMPARE(s.viewPosition(7).zoom, 1.5);
    QCOMPARE(s.viewPosition(7).file, QStringLiteral("src/a.cpp"));
    QCOMPARE(s.lastSession(7), 99);
    QCOMPARE(s.viewPosition(8).page, 0);

    // Document ids are a library's own: another library (--db) keeps its last document,
    // positions and sessions apart, and the default library still reads the keys it had.
    s.setLastDocument(7);
    s.setLibrary(QStringLiteral("/work/other.db"), false);
    QCOMPARE(s.lastDocument(), 0);
    QCOMPARE(s.viewPosition(7).page, 0);
    QCOMPARE(s.lastSession(7), 0);
    s.setLastDocument(3);
    s.setViewPosition(7, ViewPosition{9, 0, {}});
    s.setLibrary(QStringLiteral("/home/u/.local/share/longview/library.db"), true);
    QCOMPARE(s.lastDocument(), 7);
    QCOMPARE(s.viewPosition(7).page, 4);
    s.setLibrary(QStringLiteral("/work/other.db"), false);
    QCOMPARE(s.lastDocument(), 3);
    QCOMPARE(s.viewPosition(7).page, 9);
}

void TstGuiWidgets::settingsDialogWritesSettings() {
    QTemporaryDir dir;
    AppSettings settings(
        std::make_unique<QSettings>(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat));
    lv::analysis::ModelInfo granite;
    granite.path = "/models/granite";
    granite.name = "granite-4.0-h-1b";
    granite.architecture = "granitemoehybrid";
    granite.parameters = 1'500'000'000;
    granite.contextLength = 131072;
    granite.isDefault = true;
    lv::analysis::ModelInfo falcon;
    falcon.path = "/models/falcon";
    falcon.name = "falcon-h1";
    SettingsDialog dialog(settings, {granite, falcon}, QStringLiteral("/models"),
                          QStringLiteral("/tmp/lib.db"));
    dialog.show();
    QCOMPARE(dialog.modelBox()->count(), 3);
    QCOMPARE(dialog.modelBox()->currentData().toString(), QStringLiteral("/models/granite"));
    QVERIFY(!dialog.modelChanged());
    dialog.modelBox()->setCurrentIndex(
        dialog.modelBox()->findData(QStringLiteral("/models/falcon")));
    dialog.deviceBox()->setCurrentIndex(dialog.deviceBox()->findData(QStringLiteral("cpu")));
    dialog.appearanceBox()->setCurrentIndex(
        dialog.appearanceBox()->findData(QStringLiteral("light")));
    dialog.modelsFolderEdit()->setText(QStringLiteral("/other/models"));
    dialog.accept();
    QVERIFY(dialog.modelChanged());
    QCOMPARE(dialog.modelPath(), QStringLiteral("/models/falcon"));
    QVERIFY(dialog.modelsFolderChanged());
    QVERIFY(dialog.serviceSettingsChanged());
    QCOMPARE(settings.device(), QStringLiteral("cpu"));
    QCOMPARE(settings.appearance(), Appearance::Light);
}

void TstGuiWidgets::iconsHaveFallbacks() {
    for (const char* name :
         {"document-open", "folder-open", "zoom-in", "edit-find", "application-pdf", "state-cached",
          "sparkle", "chat", "history", "summary", "library"}) {
        const QIcon icon = icons::themed(QLatin1String(name));
        QVERIFY2(!icon.isNull(), name);
        const QImage image = icon.pixmap(QSize(24, 24)).toImage();
        bool inked = false;
        for (int y = 0; y < image.height() && !inked; ++y)
            for (int x = 0; x < image.width() && !inked; ++x)
                inked = qAlpha(image.pixel(x, y)) > 0;
        QVERIFY2(inked, name);
    }
    QVERIFY(!icons::application().isNull());
    QVERIFY(icons::application().availableSizes().contains(QSize(256, 256)));
}

QTEST_MAIN(TstGuiWidgets)
#include "tst_gui_widgets.moc"
