// The right end of the status bar: the model, the device, GPU memory, the last
// generation speed and whether the open document's state is cached or was resumed.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QWidget>

class QLabel;

namespace lv::ui {

class ModelStatusWidget : public QWidget {
    Q_OBJECT
public:
    explicit ModelStatusWidget(QWidget* parent = nullptr);

    void setModel(const QString& name, bool hasModel); // before any job ran
    void setDevicePreference(const QString& device);   // auto | cpu | cuda, until a job says
    void setMetrics(const analysis::Metrics& metrics, bool extractive); // after a job
    enum class StateStatus { None, Cached, Resumed, Stored };
    void setStateStatus(StateStatus status);
    // Without a model or an open document there is no state to speak of.
    void setStateVisible(bool visible);
    bool isStateVisible() const;

    QString modelText() const;
    QString deviceText() const;
    QString speedText() const;
    QString memoryText() const;
    QString stateText() const;

signals:
    void modelClicked();

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void restyle();

    QLabel* model_ = nullptr;
    QLabel* device_ = nullptr;
    QLabel* memory_ = nullptr;
    QLabel* speed_ = nullptr;
    QLabel* state_ = nullptr;
    QLabel* stateIcon_ = nullptr;
    QWidget* stateSeparator_ = nullptr;
    StateStatus stateStatus_ = StateStatus::None;
};

} // namespace lv::ui
