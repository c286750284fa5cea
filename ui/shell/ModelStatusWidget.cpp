#include "ui/shell/ModelStatusWidget.h"

#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>

namespace lv::ui {

namespace {
QFrame* separator() {
    auto* line = new QFrame;
    line->setFrameShape(QFrame::VLine);
    line->setFrameShadow(QFrame::Plain);
    line->setFixedHeight(14);
    return line;
}
} // namespace

ModelStatusWidget::ModelStatusWidget(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 0, 6, 0);
    layout->setSpacing(10);
    model_ = new QLabel;
    model_->setCursor(Qt::PointingHandCursor);
    model_->setToolTip(tr("Choose a model"));
    model_->installEventFilter(this);
    device_ = new QLabel;
    memory_ = new QLabel;
    speed_ = new QLabel;
    stateIcon_ = new QLabel;
    state_ = new QLabel;
    layout->addWidget(model_);
    layout->addWidget(separator());
    layout->addWidget(device_);
    layout->addWidget(memory_);
    layout->addWidget(speed_);
    stateSeparator_ = separator();
    layout->addWidget(stateSeparator_);
    auto* stateBox = new QHBoxLayout;
    stateBox->setSpacing(4);
    stateBox->addWidget(stateIcon_);
    stateBox->addWidget(state_);
    layout->addLayout(stateBox);
    memory_->hide();
    speed_->hide();
    restyle();
    setModel(QString(), false);
    setDevicePreference(QStringLiteral("auto"));
    setStateStatus(StateStatus::None);
}

void ModelStatusWidget::setModel(const QString& name, bool hasModel) {
    model_->setText(hasModel ? name : tr("No model · extractive"));
}

void ModelStatusWidget::setDevicePreference(const QString& device) {
    if (device == QLatin1String("cpu"))
        device_->setText(tr("CPU"));
    else if (device == QLatin1String("cuda"))
        device_->setText(tr("CUDA GPU"));
    else
        device_->setText(tr("Device: automatic"));
}

void ModelStatusWidget::setMetrics(const analysis::Metrics& m, bool extractive) {
    if (extractive) {
        speed_->hide();
        memory_->hide();
        return;
    }
    const QLocale locale;
    if (!m.device.empty() && m.device != "none") {
        // The GPU asked for was not used: say so where the device is shown, and why.
        const QString device = QString::fromStdString(m.device);
        device_->setText(m.deviceNote.empty() ? device : tr("%1 (GPU not used)").arg(device));
        device_->setToolTip(QString::fromStdString(m.deviceNote));
    }
    if (m.tokensPerSecond > 0) {
        speed_->setText(tr("%1 tok/s").arg(locale.toString(m.tokensPerSecond, 'f', 1)));
        speed_->setToolTip(m.prefillTokensPerSecond > 0
                               ? tr("Generation speed; the document was read at %1 tokens/s")
                                     .arg(locale.toString(m.prefillTokensPerSecond, 'f', 0))
                               : tr("Generation speed"));
        speed_->show();
    }
    if (m.peakMemoryBytes > 0) {
        const bool gpu = QString::fromStdString(m.device).startsWith(QLatin1String("cuda"));
        memory_->setText((gpu ? tr("GPU %1") : tr("Memory %1"))
                             .arg(locale.formattedDataSize(m.peakMemoryBytes, 1,
                                                           QLocale::DataSizeTraditionalFormat)));
        memory_->setToolTip(tr("Peak memory of the last job"));
        memory_->show();
    }
}

void ModelStatusWidget::setStateStatus(StateStatus status) {
    stateStatus_ = status;
    switch (status) {
    case StateStatus::None:
        state_->setText(tr("No cached state"));
        state_->setToolTip(
            tr("The model reads this document in full the first time it is asked about it."));
        break;
    case StateStatus::Cached:
        state_->setText(tr("State cached"));
        state_->setToolTip(
            tr("The model's reading of this document is stored: answers start at once."));
        break;
    case StateStatus::Resumed:
        state_->setText(tr("Resumed from cache"));
        state_->setToolTip(
            tr("The last answer started from the stored reading instead of reading again."));
        break;
    case StateStatus::Stored:
        state_->setText(tr("State cached"));
        state_->setToolTip(tr("The model's reading of this document was just stored."));
        break;
    }
    const bool active = status != StateStatus::None;
    stateIcon_->setPixmap(
        icons::bundled(QStringLiteral("state-cached"))
            .pixmap(QSize(14, 14), devicePixelRatioF(), active ? QIcon::Normal : QIcon::Disabled));
    restyle();
}

void ModelStatusWidget::setStateVisible(bool visible) {
    stateSeparator_->setVisible(visible);
    stateIcon_->setVisible(visible);
    state_->setVisible(visible);
}

bool ModelStatusWidget::isStateVisible() const {
    return state_->isVisibleTo(this);
}

QString ModelStatusWidget::modelText() const {
    return model_->text();
}
QString ModelStatusWidget::deviceText() const {
    return device_->text();
}
QString ModelStatusWidget::speedText() const {
    return speed_->isVisibleTo(this) ? speed_->text() : QString();
}
QString ModelStatusWidget::memoryText() const {
    return memory_->isVisibleTo(this) ? memory_->text() : QString();
}
QString ModelStatusWidget::stateText() const {
    return state_->text();
}

bool ModelStatusWidget::eventFilter(QObject* watched, QEvent* event) {
    if (watched == model_ && event->type() == QEvent::MouseButtonRelease) {
        emit modelClicked();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ModelStatusWidget::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) restyle();
}

void ModelStatusWidget::restyle() {
    const QPalette pal = palette();
    for (QLabel* l : {device_, memory_, speed_}) {
        QPalette p = l->palette();
        p.setColor(QPalette::WindowText, theme::secondaryText(pal));
        l->setPalette(p);
    }
    QPalette sp = state_->palette();
    sp.setColor(QPalette::WindowText, stateStatus_ == StateStatus::None
                                          ? theme::secondaryText(pal)
                                          : pal.color(QPalette::WindowText));
    state_->setPalette(sp);
}

} // namespace lv::ui

#include "moc_ModelStatusWidget.cpp"
