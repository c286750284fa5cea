#include "ui/worker/JobTicket.h"

#include <QCoreApplication>

namespace lv::ui {

QString describeStage(const QString& stage) {
    if (stage == QLatin1String("ingest"))
        return QCoreApplication::translate("Jobs", "Extracting text");
    if (stage == QLatin1String("ocr"))
        return QCoreApplication::translate("Jobs", "Recognising scanned pages");
    if (stage == QLatin1String("tokenize"))
        return QCoreApplication::translate("Jobs", "Tokenizing");
    if (stage == QLatin1String("read"))
        return QCoreApplication::translate("Jobs", "Reading the document");
    if (stage == QLatin1String("restore"))
        return QCoreApplication::translate("Jobs", "Restoring the cached state");
    if (stage == QLatin1String("generate")) return QCoreApplication::translate("Jobs", "Writing");
    if (stage == QLatin1String("store"))
        return QCoreApplication::translate("Jobs", "Saving the model state");
    if (stage.isEmpty()) return QCoreApplication::translate("Jobs", "Waiting");
    return stage;
}

} // namespace lv::ui
