#include "cli/commands/Commands.h"

#include "ingest/DocumentJson.h"
#include "ingest/Ingest.h"
#include "ingest/ModelText.h"

#include <QJsonDocument>

#include <ostream>

namespace lv::cli {

namespace {

int runText(const Invocation& inv, CommandIo& io) {
    ingest::IngestOptions options;
    options.password = QString::fromStdString(inv.valueOr("password", ""));
    if (inv.has("no-ocr")) options.ocr = ingest::OcrMode::Off;
    if (inv.has("threads")) {
        const long long threads = inv.intOr("threads", 0);
        if (threads < 1 || threads > 64)
            throw UsageError("--threads expects 1 to 64, got " + std::to_string(threads));
        options.threads = static_cast<int>(threads);
    }
    const ingest::Document doc =
        ingest::ingestPath(QString::fromStdString(inv.positional.front()), options);
    if (inv.json) {
        io.out << QJsonDocument(ingest::documentToJson(doc))
                      .toJson(QJsonDocument::Indented)
                      .toStdString();
        return 0;
    }
    for (const QString& w : doc.warnings)
        io.err << "warning: " << w.toStdString() << "\n";
    if (doc.skipped.total() > 0) {
        QStringList parts;
        for (auto it = doc.skipped.counts.begin(); it != doc.skipped.counts.end(); ++it)
            parts << QString::number(it.value()) + QLatin1Char(' ') + it.key();
        io.err << "skipped: " << parts.join(QStringLiteral(", ")).toStdString() << "\n";
    }
    ingest::ModelTextOptions textOptions;
    textOptions.includeMarginals = inv.has("marginals");
    textOptions.lineNumbers = inv.has("line-numbers");
    io.out << ingest::modelText(doc, textOptions).toStdString();
    return 0;
}

} // namespace

Command makeTextCommand() {
    Command c;
    c.name = "text";
    c.summary = "print the text the model reads for a PDF, folder or text file";
    c.usage = "text PATH [--password P] [--marginals] [--line-numbers] [--no-ocr] [--json]";
    c.options = {
        {"password", "P", "password of an encrypted PDF"},
        {"marginals", "", "keep running headers, footers and page numbers"},
        {"line-numbers", "", "number the lines of files"},
        {"no-ocr", "", "do not OCR scanned pages"},
        {"threads", "N", "threads extracting PDF pages (default: up to 4)"},
    };
    c.minPositional = 1;
    c.maxPositional = 1;
    c.run = runText;
    return c;
}

} // namespace lv::cli
