// longview: the desktop application. Builds the analysis client (the service on its
// worker threads), the settings and the main window, and hands over to Qt.

#include "analysis/AnalysisService.h"
#include "ui/shell/AboutDialog.h"
#include "ui/shell/AppSettings.h"
#include "ui/shell/Icons.h"
#include "ui/shell/MainWindow.h"
#include "ui/shell/Theme.h"
#include "ui/worker/AnalysisClient.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QSettings>
#include <QStyle>
#include <QTimer>

#include <memory>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Longview"));
    QApplication::setApplicationName(QStringLiteral("longview"));
    QApplication::setApplicationDisplayName(QStringLiteral("Longview"));
    QApplication::setApplicationVersion(lv::ui::AboutDialog::version());
    QApplication::setDesktopFileName(QStringLiteral("longview"));
    QApplication::setWindowIcon(lv::ui::icons::application());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Read long documents and codebases with a local hybrid language model."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption db(QStringLiteral("db"),
                          QStringLiteral("The library database (default: $LONGVIEW_DB or "
                                         "the user's data folder)."),
                          QStringLiteral("FILE"));
    QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Developer option: save an image of the window to FILE once it "
                       "has settled, then quit."),
        QStringLiteral("FILE"));
    QCommandLineOption delay(
        QStringLiteral("screenshot-delay"),
        QStringLiteral("Milliseconds to wait before --screenshot (default 3000)."),
        QStringLiteral("MS"), QStringLiteral("3000"));
    parser.addOptions({db, screenshot, delay});
    parser.addPositionalArgument(QStringLiteral("paths"),
                                 QStringLiteral("PDFs, text files or folders to open."),
                                 QStringLiteral("[PATH...]"));
    parser.process(app);

    QString databasePath = parser.value(db);
    if (!databasePath.isEmpty()) databasePath = QDir(databasePath).absolutePath();

    // The platform's own look, kept so that "Follow the system" can return to it.
    const QPalette systemPalette = QApplication::palette();
    const QString systemStyle = QApplication::style()->name();
    lv::ui::AppSettings settings(std::make_unique<QSettings>());
    auto applyAppearance = [&app, systemPalette, systemStyle](lv::ui::Appearance a) {
        lv::ui::theme::applyAppearance(app, a, systemPalette, systemStyle);
    };
    if (settings.appearance() != lv::ui::Appearance::System) applyAppearance(settings.appearance());

    lv::ui::AnalysisClient client([](const lv::analysis::ServiceConfig& config) {
        return std::make_unique<lv::analysis::AnalysisService>(config);
    });
    client.configure(settings.serviceConfig(databasePath));

    lv::ui::MainWindow window(client, settings, databasePath);
    window.setAppearanceHandler(applyAppearance);
    window.show();
    if (!parser.positionalArguments().isEmpty()) window.openPaths(parser.positionalArguments());

    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        QTimer::singleShot(parser.value(delay).toInt(), &window, [&window, file] {
            window.grab().save(file);
            window.close();
        });
    }
    return app.exec();
}
