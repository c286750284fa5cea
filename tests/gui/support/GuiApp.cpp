#include "support/GuiApp.h"

#include "analysis/AnalysisService.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

namespace lv::test {

GuiApp::GuiApp(const QString& settingsFile, const QString& databasePath)
    : databasePath_(databasePath) {
    settings_ = std::make_unique<ui::AppSettings>(
        std::make_unique<QSettings>(settingsFile, QSettings::IniFormat));
    client_ = std::make_unique<ui::AnalysisClient>([](const analysis::ServiceConfig& config) {
        return std::make_unique<analysis::AnalysisService>(config);
    });
    window_ = std::make_unique<ui::MainWindow>(*client_, *settings_, databasePath_);
}

GuiApp::~GuiApp() {
    if (window_) window_->close();
    window_.reset();
    client_.reset();
    settings_.reset(); // writes the settings file
}

bool GuiApp::start() {
    QSignalSpy listed(client_.get(), &ui::AnalysisClient::libraryChanged);
    QSignalSpy failed(client_.get(), &ui::AnalysisClient::configurationFailed);
    client_->configure(settings_->serviceConfig(databasePath_));
    window_->show();
    if (!QTest::qWaitForWindowExposed(window_.get())) return false;
    // Exposing the window runs the event loop: the listing may already be in. A library
    // that cannot be opened is never listed: the failure is the app's start then.
    const auto started = [&] {
        return !listed.isEmpty() || (!failed.isEmpty() && failed.last().at(1).toBool());
    };
    QElapsedTimer clock;
    clock.start();
    while (!started() && clock.elapsed() < 30000)
        QTest::qWait(20);
    return started();
}

} // namespace lv::test
