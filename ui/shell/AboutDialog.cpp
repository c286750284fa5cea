#include "ui/shell/AboutDialog.h"

#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <poppler-version.h>

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace lv::ui {

QString AboutDialog::version() {
    return QStringLiteral(LONGVIEW_VERSION);
}
bool AboutDialog::builtWithCuda() {
    return LONGVIEW_UI_BUILT_WITH_CUDA != 0;
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About Longview"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 24, 24, 16);
    layout->setSpacing(14);

    auto* top = new QHBoxLayout;
    top->setSpacing(18);
    auto* icon = new QLabel;
    icon->setPixmap(icons::application().pixmap(QSize(80, 80), devicePixelRatioF()));
    icon->setAlignment(Qt::AlignTop);
    top->addWidget(icon);

    auto* text = new QVBoxLayout;
    text->setSpacing(6);
    auto* name = new QLabel(QStringLiteral("Longview"));
    QFont f = name->font();
    f.setPointSizeF(f.pointSizeF() * 1.7);
    f.setWeight(QFont::DemiBold);
    name->setFont(f);
    auto* versionLabel = new QLabel(tr("Version %1").arg(version()));
    QPalette secondary = versionLabel->palette();
    secondary.setColor(QPalette::WindowText, theme::secondaryText(palette()));
    versionLabel->setPalette(secondary);
    auto* about = new QLabel(
        tr("Reads long documents and whole codebases with a local hybrid Mamba2/attention "
           "language model, and answers with citations that open the page or the line. "
           "The model's reading of each document is cached, so coming back costs a second. "
           "Everything stays on this computer."));
    about->setWordWrap(true);
    about->setMinimumWidth(360);
    auto* build =
        new QLabel(tr("Qt %1 · Poppler %2 · %3")
                       .arg(QString::fromLatin1(qVersion()), QStringLiteral(POPPLER_VERSION),
                            builtWithCuda() ? tr("CUDA backend") : tr("CPU backend")));
    build->setPalette(secondary);
    text->addWidget(name);
    text->addWidget(versionLabel);
    text->addSpacing(6);
    text->addWidget(about);
    text->addSpacing(4);
    text->addWidget(build);
    top->addLayout(text, 1);
    layout->addLayout(top);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);
    layout->addWidget(buttons);
}

} // namespace lv::ui

#include "moc_AboutDialog.cpp"
