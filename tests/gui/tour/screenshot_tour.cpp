// Developer tool, not a test: drives the real application through its main states and
// saves a picture of each to a folder (docs/screenshots). Run it under Xvfb:
//   xvfb-run -a -s '-screen 0 1600x1000x24' build/ci/tests/gui/longview_screenshot_tour
//   docs/screenshots
// It uses a temporary library and settings, never the user's.

#include "support/Fixtures.h"
#include "support/GuiApp.h"
#include "support/PdfFixtures.h"
#include "tour/DemoDocument.h"

#include "ui/assistant/AskPage.h"
#include "ui/assistant/AssistantPanel.h"
#include "ui/assistant/ChatView.h"
#include "ui/assistant/MessageView.h"
#include "ui/assistant/SummaryPage.h"
#include "ui/library/LibraryModel.h"
#include "ui/shell/AboutDialog.h"
#include "ui/shell/DropOverlay.h"
#include "ui/shell/JobStatusWidget.h"
#include "ui/shell/SettingsDialog.h"
#include "ui/shell/Theme.h"
#include "ui/viewer/CodeEditor.h"
#include "ui/viewer/CodebaseView.h"
#include "ui/viewer/FindBar.h"
#include "ui/viewer/PdfView.h"
#include "ui/viewer/ViewerPanel.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QMimeData>
#include <QProgressBar>
#include <QStyle>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <functional>

using namespace lv::ui;

namespace {

QString outDir;
int failures = 0;

bool waitFor(const std::function<bool()>& done, int ms = 120000) {
    if (QTest::qWaitFor(done, ms)) return true;
    std::fprintf(stderr, "screenshot tour: timed out waiting\n");
    ++failures;
    return false;
}

void settle(int ms = 600) {
    QTest::qWait(ms);
}

void shot(QWidget* widget, const QString& name) {
    const QString file = QDir(outDir).filePath(name);
    if (!widget->grab().save(file)) {
        std::fprintf(stderr, "screenshot tour: cannot write %s\n", qPrintable(file));
        ++failures;
        return;
    }
    std::printf("%s\n", qPrintable(file));
}

qint64 documentFor(MainWindow& w, const QString& path) {
    qint64 id = 0;
    waitFor([&] {
        auto e = w.libraryModel()->entryForPath(path);
        id = e ? e->info.id : 0;
        return id > 0;
    });
    return id;
}

void ask(MainWindow& w, const QString& question) {
    const int before = w.assistant()->askPage()->chat()->exchangeCount();
    w.assistant()->ask(question);
    waitFor([&] {
        const MessageView* m = w.assistant()->askPage()->chat()->lastExchange();
        return w.assistant()->askPage()->chat()->exchangeCount() > before && m && !m->isStreaming();
    });
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("longview"));
    QApplication::setApplicationDisplayName(QStringLiteral("Longview"));
    if (argc < 2) {
        std::fprintf(stderr, "usage: longview_screenshot_tour OUTPUT_FOLDER\n");
        return 2;
    }
    outDir = QString::fromLocal8Bit(argv[1]);
    QDir().mkpath(outDir);
    const QPalette systemPalette = QApplication::palette();
    const QString systemStyle = QApplication::style()->name();

    QTemporaryDir tmp;
    const QString pdf = tmp.filePath(QStringLiteral("grain-storage-regulation.pdf"));
    lv::test::writeHtmlPdf(pdf, lv::tour::regulationPages(),
                           QStringLiteral("Regional Grain Storage Regulation"));
    lv::test::addRomanPageLabels(pdf, 2);
    const QString settingsFile = tmp.filePath(QStringLiteral("longview.ini"));
    const QString db = tmp.filePath(QStringLiteral("library.db"));

    auto app1 = std::make_unique<lv::test::GuiApp>(settingsFile, db);
    MainWindow& w = app1->window();
    w.resize(1480, 920);
    app1->start();
    settle(1200);
    shot(&w, QStringLiteral("01-first-run.png"));

    // A PDF: library, pages, an extractive summary.
    w.openPaths({pdf});
    const qint64 pdfId = documentFor(w, pdf);
    waitFor([&] {
        return w.viewer()->mode() == ViewerPanel::Mode::Pdf &&
               w.viewer()->pdfView()->renderedPageCount() > 0;
    });
    w.viewer()->goToPage(3);
    w.assistant()->summarize();
    waitFor([&] { return w.assistant()->summaryPage()->state() == SummaryPage::State::Done; });
    settle();
    shot(&w, QStringLiteral("02-pdf-summary.png"));

    // Questions with sources; a source opened in the viewer.
    ask(w, QStringLiteral("How often must the humidity of the grain be measured?"));
    ask(w, QStringLiteral("What happens to grain the inspector finds spoiled?"));
    if (const MessageView* last = w.assistant()->askPage()->chat()->lastExchange();
        last && last->citationCount() > 0) {
        w.showCitation(last->citations().front());
        waitFor([&] { return !w.viewer()->pdfView()->targetRects().isEmpty(); }, 5000);
    }
    settle();
    shot(&w, QStringLiteral("03-ask-with-sources.png"));

    // Find with highlights.
    w.viewer()->activateFind();
    w.viewer()->findBar()->field()->setText(QStringLiteral("humidity"));
    waitFor([&] {
        return w.viewer()->pdfView()->matchCount() > 0 && !w.viewer()->pdfView()->isSearching();
    });
    w.viewer()->findNext();
    settle();
    shot(&w, QStringLiteral("04-find-in-pdf.png"));
    w.viewer()->findBar()->hide();
    emit w.viewer()->findBar()->closed();

    // Text selected with the mouse on the page, ready to copy.
    {
        PdfView* view = w.viewer()->pdfView();
        const int page = view->currentPage();
        waitFor([&] { return view->pageText(page) && view->pageText(page)->wordCount() > 60; });
        if (const PageText* text = view->pageText(page); text && text->wordCount() > 60) {
            const QPoint from = view->mapFromPage(page, text->word(24).box.center()).toPoint();
            const QPoint to = view->mapFromPage(page, text->word(58).box.center()).toPoint();
            QTest::mousePress(view->viewport(), Qt::LeftButton, {}, from);
            QTest::mouseMove(view->viewport(), (from + to) / 2);
            QTest::mouseMove(view->viewport(), to);
            QTest::mouseRelease(view->viewport(), Qt::LeftButton, {}, to);
        }
        settle();
        shot(&w, QStringLiteral("13-select-text.png"));
        view->clearSelection();
    }

    // A codebase: Longview's own user interface, with cited lines.
    const QString repo = QStringLiteral(LONGVIEW_SOURCE_DIR) + QStringLiteral("/ui");
    w.openPaths({repo});
    const qint64 repoId = documentFor(w, repo);
    waitFor([&] {
        return w.currentDocument() == repoId && w.viewer()->mode() == ViewerPanel::Mode::Code;
    });
    lv::analysis::Citation c;
    c.documentId = repoId;
    c.filePath = "viewer/PdfView.cpp";
    c.lineStart = 60;
    c.lineEnd = 72;
    w.showCitation(c);
    waitFor([&] {
        return !w.viewer()->codebaseView()->editor()->isLoading() &&
               w.viewer()->codebaseView()->editor()->lineCount() > 0;
    });
    ask(w, QStringLiteral("Where are PDF pages rendered?"));
    settle(900);
    shot(&w, QStringLiteral("05-codebase.png"));

    // Back to the PDF: the conversation history.
    w.selectDocument(pdfId);
    waitFor([&] { return w.viewer()->mode() == ViewerPanel::Mode::Pdf; });
    w.assistant()->showTab(AssistantPanel::HistoryTab);
    settle(900);
    shot(&w, QStringLiteral("06-history.png"));

    // Settings and About.
    w.openSettings(SettingsDialog::ModelPage);
    settle();
    if (auto* d = w.findChild<SettingsDialog*>()) {
        shot(d, QStringLiteral("07-settings.png"));
        d->reject();
    }
    w.action(QStringLiteral("about"))->trigger();
    settle();
    if (auto* d = w.findChild<AboutDialog*>()) {
        shot(d, QStringLiteral("08-about.png"));
        d->reject();
    }

    // Dark appearance.
    theme::applyAppearance(app, Appearance::Dark, systemPalette, systemStyle);
    w.assistant()->showTab(AssistantPanel::AskTab);
    settle(900);
    shot(&w, QStringLiteral("09-dark.png"));
    theme::applyAppearance(app, Appearance::System, systemPalette, systemStyle);
    settle();

    // A long job with its progress and Cancel.
    const QString big = tmp.filePath(QStringLiteral("archive"));
    QDir(big).mkpath(QStringLiteral("."));
    for (int f = 0; f < 600; ++f) {
        QFile file(
            QDir(big).filePath(QStringLiteral("minutes-%1.md").arg(f, 4, 10, QLatin1Char('0'))));
        file.open(QIODevice::WriteOnly);
        for (int l = 0; l < 200; ++l)
            file.write("The committee discussed the storage of grain and the humidity register.\n");
    }
    w.openPaths({big});
    waitFor(
        [&] {
            return w.jobStatus()->isVisible() && w.jobStatus()->progressBar()->maximum() > 0 &&
                   w.jobStatus()->progressBar()->value() >= 300;
        },
        60000);
    shot(&w, QStringLiteral("10-progress-and-cancel.png"));
    app1->client().cancelAll();
    waitFor([&] { return app1->client().jobs().isEmpty(); });

    // Drag and drop.
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(pdf)});
    QDragEnterEvent enter(w.rect().center(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    settle(300);
    shot(&w, QStringLiteral("11-drop.png"));
    QDragLeaveEvent leave;
    QApplication::sendEvent(&w, &leave);

    // The fixture model: its text is meaningless, the pipeline and the status bar are real.
    w.selectDocument(pdfId);
    app1->client().chooseModel(QString::fromStdString(
        lv::test::fixturePath(QStringLiteral("models/granite_hybrid_tiny"))));
    waitFor([&] { return app1->client().hasModel(); });
    settle();
    w.assistant()->startNewConversation();
    ask(w, QStringLiteral("What must the operator record?"));
    settle();
    shot(&w, QStringLiteral("12-model-status.png"));
    app1->client().chooseModel(QString());
    settle();

    app1.reset();
    return failures == 0 ? 0 : 1;
}
