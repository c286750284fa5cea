#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include "ingest/DocumentJson.h"
#include "ingest/Ingest.h"
#include "ingest/ModelText.h"

#include <QJsonDocument>

#include <ostream>

namespace lv::cli {

namespace {

// A library document's text as the library keeps it: what its summaries and questions read.
int printLibraryText(const Invocation& inv, CommandIo& io, const std::string& id) {
    for (const char* flag : {"marginals", "line-numbers"})
        if (inv.has(flag))
            throw UsageError(std::string("--") + flag + " needs a PATH: library document #" + id +
                             " keeps its text without them");
    auto service = makeService(inv);
    analysis::JobControl job; // (an id is only looked up, never ingested)
    const std::int64_t documentId = service->resolveDocument(id, job);
    const std::string text = service->modelText(documentId);
    if (inv.json) {
        io.out << nlohmann::json{{"document", toJson(*service->document(documentId))},
                                 {"text", text}}
                      .dump(2)
               << "\n";
        return 0;
    }
    io.out << text;
    return 0;
}

int runText(const Invocation& inv, CommandIo& io) {
    ingest::IngestOptions options;
    options.password = QString::fromStdString(inv.valueOr("password", ""));
    if (inv.has("no-ocr")) options.ocr = ingest::OcrMode::Off;
    if (inv.has("threads")) options.threads = static_cast<int>(inv.intIn("threads", 0, 1, 64));
    if (documentIdArgument(inv.positional.front()))
        return printLibraryText(inv, io, inv.positional.front());
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
    c.summary = "print the text the model reads for a PDF, folder or text file, or a library "
                "document";
    c.usage = "text PATH|ID [--password P] [--marginals] [--line-numbers] [--no-ocr] "
              "[--threads N] [--json]";
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
