// One PDF page to laid-out lines: the text layer through Poppler, or, for a
// page that has none, Tesseract on a 300 dpi rendering; blank pages told apart.
#pragma once

#include "ingest/Document.h"
#include "ingest/IngestOptions.h"
#include "ingest/pdf/PageLayout.h"

#include <QSizeF>
#include <QString>

#include <stop_token>
#include <vector>

namespace lv::ingest {

class PopplerDocument;
class TesseractOcr;

struct PageResult {
    int index = 0;
    bool loaded = false; // Poppler could parse the page
    QString label;
    QSizeF size; // upright frame
    int rotation = 0;
    TextSource source = TextSource::TextLayer;
    std::vector<TextLine> lines; // reading order
    QString warning;             // one line, for the document's warnings
};

// `ocr` may be null (OCR off). Returns early, incomplete, when `stop` is requested.
PageResult extractPage(const PopplerDocument& pdf, int index, const TesseractOcr* ocr,
                       const IngestOptions& options, const std::stop_token& stop);

// Whether a low-resolution rendering has any ink at all.
bool hasInk(const QImage& image);

} // namespace lv::ingest
