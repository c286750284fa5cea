// Preferences: the models folder and the model, device, context length and state-cache
// budget; generation settings; appearance and the library's behaviour. Writes
// AppSettings on OK; the caller passes the model choices on to the analysis service.
#pragma once

#include "ui/shell/AppSettings.h"
#include "ui/worker/AnalysisWorker.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTabWidget;

namespace lv::ui {

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    enum Page { ModelPage = 0, GenerationPage = 1, InterfacePage = 2 };

    SettingsDialog(AppSettings& settings, const ModelList& models, const QString& modelsFolder,
                   const QString& databasePath, QWidget* parent = nullptr);

    void showPage(Page page);
    // The choices that belong to the service rather than to AppSettings.
    QString modelPath() const; // empty: no model
    QString modelsFolder() const;
    bool modelChanged() const;
    bool modelsFolderChanged() const;
    bool serviceSettingsChanged() const; // device, context, cache budget, generation

    // Widgets, for tests.
    QComboBox* modelBox() const { return model_; }
    QComboBox* deviceBox() const { return device_; }
    QComboBox* appearanceBox() const { return appearance_; }
    QLineEdit* modelsFolderEdit() const { return folder_; }
    QTabWidget* pages() const { return tabs_; }

public slots:
    void accept() override;

private:
    void load();
    void restoreDefaults();
    void updateModelDetails();
    void addModelFolder(const QString& path);

    AppSettings& settings_;
    ModelList models_;
    QString initialModel_;
    QString initialFolder_;
    bool serviceChanged_ = false;

    QTabWidget* tabs_ = nullptr;
    QLineEdit* folder_ = nullptr;
    QComboBox* model_ = nullptr;
    QLabel* modelDetails_ = nullptr;
    QComboBox* device_ = nullptr;
    QSpinBox* context_ = nullptr;
    QDoubleSpinBox* cacheBudget_ = nullptr;
    QSpinBox* maxTokens_ = nullptr;
    QDoubleSpinBox* temperature_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QComboBox* appearance_ = nullptr;
    QCheckBox* reingest_ = nullptr;
};

} // namespace lv::ui
