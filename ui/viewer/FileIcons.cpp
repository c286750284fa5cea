#include "ui/viewer/FileIcons.h"

#include "ui/shell/Icons.h"
#include "ui/viewer/SyntaxRules.h"

#include <QFileInfo>

namespace lv::ui {

QIcon FileIcons::icon(IconType type) const {
    return type == Folder ? icons::themed(QStringLiteral("folder"))
                          : icons::themed(QStringLiteral("text-x-generic"));
}

QIcon FileIcons::icon(const QFileInfo& info) const {
    if (info.isDir()) return icons::themed(QStringLiteral("folder"));
    if (info.suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0)
        return icons::themed(QStringLiteral("application-pdf"));
    // Files the viewer colours as code get the code icon; the rest are text.
    const SyntaxRules rules = SyntaxRules::forFileName(info.fileName());
    const QString language = rules.languageName();
    if (rules.isPlainText() || language == QLatin1String("Markdown"))
        return icons::themed(QStringLiteral("text-x-generic"));
    return icons::themed(QStringLiteral("text-x-script"));
}

QString FileIcons::type(const QFileInfo& info) const {
    if (info.isDir()) return QStringLiteral("Folder");
    if (info.suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0)
        return QStringLiteral("PDF document");
    const SyntaxRules rules = SyntaxRules::forFileName(info.fileName());
    if (!rules.isPlainText()) return rules.languageName() + QStringLiteral(" file");
    return info.suffix().isEmpty() ? QStringLiteral("File")
                                   : info.suffix().toUpper() + QStringLiteral(" file");
}

} // namespace lv::ui
