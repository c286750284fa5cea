#include "ui/worker/JobTicket.h"

#include <QCoreApplication>

namespace lv::ui {

QString describeStage(const QString& stage) {
    struct Name {
        const char* stage;
        const char* text;
    };
    // The service's stage names (AnalysisService.cpp), as sentences.
    static const Name names[] = {
        {"ingest", QT_TRANSLATE_NOOP("Jobs", "Extracting text")},
        {"ingest pages", QT_TRANSLATE_NOOP("Jobs", "Reading pages")},
        {"list files", QT_TRANSLATE_NOOP("Jobs", "Listing files")},
        {"ingest files", QT_TRANSLATE_NOOP("Jobs", "Reading files")},
        {"ocr", QT_TRANSLATE_NOOP("Jobs", "Recognising scanned pages")},
        {"tokenize", QT_TRANSLATE_NOOP("Jobs", "Tokenizing")},
        {"load model", QT_TRANSLATE_NOOP("Jobs", "Loading the model")},
        {"read", QT_TRANSLATE_NOOP("Jobs", "Reading the document")},
        {"restore", QT_TRANSLATE_NOOP("Jobs", "Restoring the cached reading")},
        {"generate", QT_TRANSLATE_NOOP("Jobs", "Writing")},
        {"store", QT_TRANSLATE_NOOP("Jobs", "Saving the model state")},
        {"rank sentences", QT_TRANSLATE_NOOP("Jobs", "Choosing the key sentences")},
        {"summarize parts", QT_TRANSLATE_NOOP("Jobs", "Summarizing part by part")},
    };
    if (stage.isEmpty()) return QCoreApplication::translate("Jobs", "Waiting");
    for (const Name& n : names)
        if (stage == QLatin1String(n.stage)) return QCoreApplication::translate("Jobs", n.text);
    // An unknown stage still reads as a sentence.
    QString text = stage;
    text[0] = text[0].toUpper();
    return text;
}

} // namespace lv::ui
