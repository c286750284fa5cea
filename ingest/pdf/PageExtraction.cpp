#include "ingest/pdf/PageExtraction.h"

#include "ingest/pdf/PopplerDocument.h"
#include "ingest/pdf/TesseractOcr.h"

namespace lv::ingest {

namespace {

QString pageName(const PageResult& r) {
    QString name = QStringLiteral("page %1").arg(r.index + 1);
    if (!r.label.isEmpty() && r.label != QString::number(r.index + 1))
        name += QStringLiteral(" (") + r.label + QLatin1Char(')');
    return name;
}

bool onlyWhitespace(const std::vector<TextWord>& words) {
    for (const TextWord& w : words)
        if (!w.text.trimmed().isEmpty()) return false;
    return true;
}

} // namespace

bool hasInk(const QImage& image) {
    if (image.isNull()) return false;
    const QImage img = image.convertToFormat(QImage::Format_Grayscale8);
    qint64 dark = 0;
    for (int y = 0; y < img.height(); ++y) {
        const uchar* row = img.constScanLine(y);
        for (int x = 0; x < img.width(); ++x)
            if (row[x] < 200) ++dark;
    }
    // A few stray pixels (a hairline, a crop mark) are not a scanned page.
    return dark * 1000 > static_cast<qint64>(img.width()) * img.height();
}

PageResult extractPage(const PopplerDocument& pdf, int index, const TesseractOcr* ocr,
                       const IngestOptions& options, const std::stop_token& stop) {
    PageResult r;
    r.index = index;
    PopplerDocument::PageText text = pdf.pageText(index, stop);
    r.loaded = text.loaded;
    r.label = text.label.isEmpty() ? QString::number(index + 1) : text.label;
    r.size = text.size;
    r.rotation = text.rotation;
    if (!r.loaded) {
        r.source = TextSource::Missing;
        r.warning = pageName(r) + QStringLiteral(": Poppler could not read this page");
        return r;
    }
    if (stop.stop_requested()) return r;
    if (!onlyWhitespace(text.words)) {
        r.lines = layoutPage(text.words);
        return r;
    }
    // No text layer: blank, or an image of text (a scan).
    if (!hasInk(pdf.render(index, 20.0, stop))) {
        r.source = TextSource::Blank;
        return r;
    }
    if (!ocr || !ocr->available()) {
        r.source = TextSource::Missing;
        r.warning =
            pageName(r) + QStringLiteral(": scanned image without a text layer; not OCR'd (") +
            (ocr ? ocr->unavailableReason() : QStringLiteral("OCR is off")) + QLatin1Char(')');
        return r;
    }
    const double dpi = options.ocrDpi > 0 ? options.ocrDpi : 300;
    const QImage image = pdf.render(index, dpi, stop);
    if (stop.stop_requested()) return r;
    QString error;
    const auto words = image.isNull() ? std::nullopt : ocr->recognise(image, dpi, stop, &error);
    if (!words) {
        r.source = TextSource::Missing;
        r.warning = pageName(r) + QStringLiteral(": scanned image; OCR failed: ") +
                    (image.isNull() ? QStringLiteral("the page could not be rendered") : error);
        return r;
    }
    r.source = TextSource::Ocr;
    r.lines = layoutPage(*words);
    return r;
}

} // namespace lv::ingest
