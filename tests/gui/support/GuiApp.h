// One run of the desktop application inside a test: its settings file, the analysis
// client with the real service on a temporary database, and the main window. A test
// "restarts" Longview by destroying one GuiApp and making another on the same files.
#pragma once

#include "ui/shell/AppSettings.h"
#include "ui/shell/MainWindow.h"
#include "ui/worker/AnalysisClient.h"

#include <QSettings>
#include <QString>

#include <memory>

namespace lv::test {

class GuiApp {
public:
    // settingsFile: an INI file; databasePath: the library (never the user's).
    GuiApp(const QString& settingsFile, const QString& databasePath);
    ~GuiApp(); // closes the window (saving its state) before the client stops

    ui::MainWindow& window() { return *window_; }
    ui::AnalysisClient& client() { return *client_; }
    ui::AppSettings& settings() { return *settings_; }
    // Shows the window and waits until the service is configured and the library listed.
    bool start();

private:
    std::unique_ptr<ui::AppSettings> settings_;
    std::unique_ptr<ui::AnalysisClient> client_;
    std::unique_ptr<ui::MainWindow> window_;
    QString databasePath_;
};

} // namespace lv::test
