// Optical character recognition of a rendered page with the `tesseract` command
// (Debian's tesseract-ocr): the page goes through a temporary PNG, the words
// come back with their boxes (TSV output) for the same layout analysis as text.
#pragma once

#include "ingest/IngestOptions.h"
#include "ingest/pdf/PageLayout.h"

#include <QImage>
#include <QString>

#include <optional>
#include <stop_token>
#include <vector>

namespace lv::ingest {

class TesseractOcr {
public:
    // Finds the program (options.tesseractPath or PATH) and checks that the
    // requested languages are installed; the answer is cached per process.
    explicit TesseractOcr(const IngestOptions& options);

    bool available() const { return available_; }
    // Why OCR cannot run, for the user: "tesseract is not installed (...)".
    const QString& unavailableReason() const { return reason_; }

    // Words in points of a page rendered at `dpi`. nullopt with `*error` set
    // when tesseract fails or `stop` is requested.
    std::optional<std::vector<TextWord>>
    recognise(const QImage& page, double dpi, const std::stop_token& stop, QString* error) const;

    // Parses tesseract's TSV output (level 5 rows are words), scaling pixels to points.
    static std::vector<TextWord> parseTsv(const QByteArray& tsv, double dpi);

private:
    QString program_;
    QString languages_;
    bool available_ = false;
    QString reason_;
};

} // namespace lv::ingest
