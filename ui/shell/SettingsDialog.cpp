#include "ui/shell/SettingsDialog.h"

#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

namespace lv::ui {

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

QLabel* hint(const QString& text) {
    auto* label = new QLabel(text);
    label->setWordWrap(true);
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, theme::secondaryText(p));
    label->setPalette(p);
    QFont f = label->font();
    f.setPointSizeF(f.pointSizeF() * 0.92);
    label->setFont(f);
    return label;
}

QFormLayout* form(QWidget* page) {
    auto* layout = new QFormLayout(page);
    layout->setContentsMargins(18, 18, 18, 18);
    layout->setHorizontalSpacing(14);
    layout->setVerticalSpacing(10);
    layout->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    layout->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return layout;
}

QString parameters(qint64 n) {
    if (n >= 1000000000)
        return QObject::tr("%1 B parameters").arg(QLocale().toString(double(n) / 1e9, 'f', 1));
    if (n >= 1000000)
        return QObject::tr("%1 M parameters").arg(QLocale().toString(double(n) / 1e6, 'f', 0));
    if (n > 0) return QObject::tr("%1 parameters").arg(QLocale().toString(n));
    return {};
}

} // namespace

SettingsDialog::SettingsDialog(AppSettings& settings, const ModelList& models,
                               const QString& modelsFolder, const QString& databasePath,
                               QWidget* parent)
    : QDialog(parent), settings_(settings), models_(models), initialFolder_(modelsFolder) {
    setWindowTitle(tr("Configure Longview"));
    setMinimumWidth(580);
    for (const analysis::ModelInfo& m : models_)
        if (m.isDefault) initialModel_ = QString::fromStdString(m.path);

    auto* layout = new QVBoxLayout(this);
    tabs_ = new QTabWidget;
    layout->addWidget(tabs_);

    // --- Model -------------------------------------------------------------
    auto* modelPage = new QWidget;
    QFormLayout* m = form(modelPage);
    auto* folderRow = new QHBoxLayout;
    folder_ = new QLineEdit;
    folder_->setPlaceholderText(tr("A folder holding model folders"));
    auto* browseFolder =
        new QPushButton(icons::themed(QStringLiteral("folder-open")), tr("Browse…"));
    folderRow->addWidget(folder_, 1);
    folderRow->addWidget(browseFolder);
    m->addRow(tr("Models folder:"), folderRow);
    m->addRow(QString(),
              hint(tr("Each model is a folder with config.json, its weights (.safetensors) and a "
                      "tokenizer, as downloaded from Hugging Face.")));

    auto* modelRow = new QHBoxLayout;
    model_ = new QComboBox;
    model_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    model_->setMinimumContentsLength(24);
    auto* addModel = new QPushButton(tr("Other…"));
    addModel->setToolTip(tr("Choose a model folder anywhere"));
    modelRow->addWidget(model_, 1);
    modelRow->addWidget(addModel);
    m->addRow(tr("Model:"), modelRow);
    modelDetails_ = hint(QString());
    m->addRow(QString(), modelDetails_);

    device_ = new QComboBox;
    device_->addItem(tr("Automatic (the GPU when it fits)"), QStringLiteral("auto"));
    device_->addItem(icons::bundled(QStringLiteral("device-gpu")), tr("CUDA GPU"),
                     QStringLiteral("cuda"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    m->addRow(tr("Device:"), device_);

    context_ = new QSpinBox;
    context_->setRange(0, 1 << 20);
    context_->setSingleStep(4096);
    context_->setSuffix(tr(" tokens"));
    context_->setSpecialValueText(tr("The model's own limit"));
    context_->setGroupSeparatorShown(true);
    m->addRow(tr("Context length:"), context_);

    cacheBudget_ = new QDoubleSpinBox;
    cacheBudget_->setRange(0, 4096);
    cacheBudget_->setDecimals(1);
    cacheBudget_->setSingleStep(1);
    cacheBudget_->setSuffix(tr(" GiB"));
    cacheBudget_->setSpecialValueText(tr("Default"));
    m->addRow(tr("State cache budget:"), cacheBudget_);
    m->addRow(
        QString(),
        hint(tr("The model's reading of each document is kept on disk so that the next question "
                "starts at once; the least recently used are removed beyond this size.")));
    tabs_->addTab(modelPage, icons::bundled(QStringLiteral("model")), tr("Model"));

    // --- Generation ----------------------------------------------------------
    auto* genPage = new QWidget;
    QFormLayout* g = form(genPage);
    maxTokens_ = new QSpinBox;
    maxTokens_->setRange(16, 32768);
    maxTokens_->setSingleStep(64);
    maxTokens_->setSuffix(tr(" tokens"));
    g->addRow(tr("Longest answer:"), maxTokens_);
    temperature_ = new QDoubleSpinBox;
    temperature_->setRange(0, 2);
    temperature_->setDecimals(2);
    temperature_->setSingleStep(0.05);
    temperature_->setSpecialValueText(tr("0 (always the most likely word)"));
    g->addRow(tr("Temperature:"), temperature_);
    seed_ = new QSpinBox;
    seed_->setRange(0, std::numeric_limits<int>::max());
    g->addRow(tr("Random seed:"), seed_);
    g->addRow(
        QString(),
        hint(tr("With temperature 0 the same question gives the same answer. Higher values vary "
                "the wording; the seed makes a varied answer repeatable.")));
    tabs_->addTab(genPage, icons::bundled(QStringLiteral("sparkle")), tr("Generation"));

    // --- Interface -------------------------------------------------------------
    auto* uiPage = new QWidget;
    QFormLayout* u = form(uiPage);
    appearance_ = new QComboBox;
    appearance_->addItem(tr("Follow the system"), appearanceKey(Appearance::System));
    appearance_->addItem(tr("Light"), appearanceKey(Appearance::Light));
    appearance_->addItem(tr("Dark"), appearanceKey(Appearance::Dark));
    u->addRow(tr("Appearance:"), appearance_);
    reingest_ = new QCheckBox(tr("Read documents again when their files change on disk"));
    u->addRow(QString(), reingest_);
    auto* db = new QLabel(QDir::toNativeSeparators(databasePath));
    db->setTextInteractionFlags(Qt::TextSelectableByMouse);
    db->setWordWrap(true);
    u->addRow(tr("Library database:"), db);
    u->addRow(
        QString(),
        hint(tr("Start Longview with --db FILE, or set LONGVIEW_DB, to use another library.")));
    tabs_->addTab(uiPage, icons::themed(QStringLiteral("configure")), tr("Interface"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel |
                                         QDialogButtonBox::RestoreDefaults);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            &SettingsDialog::restoreDefaults);
    connect(browseFolder, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Models Folder"), folder_->text());
        if (!dir.isEmpty()) folder_->setText(dir);
    });
    connect(addModel, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Model Folder"), folder_->text());
        if (!dir.isEmpty()) addModelFolder(dir);
    });
    connect(model_, &QComboBox::currentIndexChanged, this, &SettingsDialog::updateModelDetails);
    load();
}

void SettingsDialog::load() {
    folder_->setText(initialFolder_);
    model_->clear();
    model_->addItem(tr("None: extractive summaries and answers"), QString());
    for (const analysis::ModelInfo& m : models_) {
        const QString name = QString::fromStdString(m.name.empty() ? m.path : m.name);
        model_->addItem(icons::bundled(QStringLiteral("model")), name,
                        QString::fromStdString(m.path));
    }
    const int current = initialModel_.isEmpty() ? 0 : model_->findData(initialModel_);
    model_->setCurrentIndex(std::max(0, current));
    device_->setCurrentIndex(std::max(0, device_->findData(settings_.device())));
    context_->setValue(int(std::min<qint64>(settings_.contextLength(), context_->maximum())));
    cacheBudget_->setValue(double(settings_.cacheBudgetBytes()) / kGiB);
    maxTokens_->setValue(settings_.maxNewTokens());
    temperature_->setValue(settings_.temperature());
    seed_->setValue(int(std::min<quint64>(settings_.seed(), quint64(seed_->maximum()))));
    appearance_->setCurrentIndex(
        std::max(0, appearance_->findData(appearanceKey(settings_.appearance()))));
    reingest_->setChecked(settings_.reingestChangedFiles());
    updateModelDetails();
}

void SettingsDialog::restoreDefaults() {
    device_->setCurrentIndex(0);
    context_->setValue(0);
    cacheBudget_->setValue(0);
    maxTokens_->setValue(512);
    temperature_->setValue(0);
    seed_->setValue(0);
    appearance_->setCurrentIndex(0);
    reingest_->setChecked(true);
}

void SettingsDialog::addModelFolder(const QString& path) {
    int index = model_->findData(path);
    if (index < 0) {
        model_->addItem(icons::bundled(QStringLiteral("model")), QFileInfo(path).fileName(), path);
        index = model_->count() - 1;
    }
    model_->setCurrentIndex(index);
}

void SettingsDialog::updateModelDetails() {
    const QString path = model_->currentData().toString();
    if (path.isEmpty()) {
        modelDetails_->setText(
            tr("Summaries are the sentences that best represent the document; answers are the "
               "passages that match the question. Both cite their pages or lines."));
        return;
    }
    for (const analysis::ModelInfo& m : models_) {
        if (QString::fromStdString(m.path) != path) continue;
        QStringList parts;
        if (!m.architecture.empty()) parts << QString::fromStdString(m.architecture);
        if (m.parameters > 0) parts << parameters(m.parameters);
        if (m.contextLength > 0)
            parts << tr("context %1").arg(QLocale().toString(qlonglong(m.contextLength)));
        if (m.weightBytes > 0)
            parts << QLocale().formattedDataSize(m.weightBytes, 1,
                                                 QLocale::DataSizeTraditionalFormat);
        if (!m.gpuNote.empty()) parts << QString::fromStdString(m.gpuNote);
        modelDetails_->setText(parts.join(QStringLiteral(" · ")) + QStringLiteral("\n") +
                               QDir::toNativeSeparators(path));
        return;
    }
    modelDetails_->setText(tr("Checked when you press OK.") + QStringLiteral("\n") +
                           QDir::toNativeSeparators(path));
}

void SettingsDialog::showPage(Page page) {
    tabs_->setCurrentIndex(int(page));
}

QString SettingsDialog::modelPath() const {
    return model_->currentData().toString();
}
QString SettingsDialog::modelsFolder() const {
    return folder_->text().trimmed();
}
bool SettingsDialog::modelChanged() const {
    return modelPath() != initialModel_;
}
bool SettingsDialog::modelsFolderChanged() const {
    return modelsFolder() != initialFolder_;
}
bool SettingsDialog::serviceSettingsChanged() const {
    return serviceChanged_;
}

void SettingsDialog::accept() {
    const analysis::ServiceConfig before = settings_.serviceConfig(QString());
    settings_.setDevice(device_->currentData().toString());
    settings_.setContextLength(context_->value());
    settings_.setCacheBudgetBytes(qint64(cacheBudget_->value() * kGiB));
    settings_.setMaxNewTokens(maxTokens_->value());
    settings_.setTemperature(temperature_->value());
    settings_.setSeed(quint64(seed_->value()));
    settings_.setAppearance(appearanceFromKey(appearance_->currentData().toString()));
    settings_.setReingestChangedFiles(reingest_->isChecked());
    settings_.sync();
    const analysis::ServiceConfig after = settings_.serviceConfig(QString());
    serviceChanged_ = before.device != after.device ||
                      before.contextLength != after.contextLength ||
                      before.cacheBudgetBytes != after.cacheBudgetBytes ||
                      before.maxNewTokens != after.maxNewTokens ||
                      before.temperature != after.temperature || before.seed != after.seed;
    QDialog::accept();
}

} // namespace lv::ui

#include "moc_SettingsDialog.cpp"
