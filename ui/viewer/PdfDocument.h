// One open PDF for the viewer: the Poppler document behind a mutex, its page sizes and
// labels read once, and renders and searches that any worker thread may call.
#pragma once

#include <QImage>
#include <QList>
#include <QMutex>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include "ui/viewer/PassageLocator.h"

#include <functional>
#include <memory>
#include <vector>

namespace Poppler {
class Document;
}

namespace lv::ui {

class PdfDocument {
public:
    enum class OpenStatus { Ok, NeedsPassword, WrongPassword, Failed };
    struct OpenResult {
        std::shared_ptr<PdfDocument> document; // set when status is Ok
        OpenStatus status = OpenStatus::Failed;
        QString error; // for Failed: names the file and the problem
    };

    // Blocking (a large PDF takes a while): call it on a worker thread.
    static OpenResult open(const QString& path, const QByteArray& password = {});

    ~PdfDocument();
    PdfDocument(const PdfDocument&) = delete;
    PdfDocument& operator=(const PdfDocument&) = delete;

    QString path() const { return path_; }
    QString title() const { return title_; }
    int pageCount() const { return int(sizes_.size()); }
    const std::vector<QSizeF>& pageSizes() const { return sizes_; } // points
    QString pageLabel(int page) const; // the PDF's own label, else the number
    bool hasCustomLabels() const { return customLabels_; }
    // A page by its label ("iv", "A-3") or its 1-based number; -1 when none matches.
    int pageForLabel(const QString& label) const;

    // Thread-safe and blocking. pixelsPerPoint: zoom x device pixel ratio x DPI/72.
    // shouldAbort is polled by Poppler while it draws; an aborted render is null.
    QImage render(int page, double pixelsPerPoint, const std::function<bool()>& shouldAbort) const;
    // Rectangles in points, in reading order.
    QList<QRectF> search(int page, const QString& text, bool caseSensitive) const;
    // The words of a page with their boxes (points), in reading order, and where the
    // lines end. shouldAbort is polled while Poppler extracts; an aborted call is empty.
    std::vector<PageWord> words(int page, const std::function<bool()>& shouldAbort = {}) const;

private:
    PdfDocument() = default;

    mutable QMutex mutex_; // Poppler documents must not be used by two threads at once
    std::unique_ptr<Poppler::Document> doc_;
    QString path_;
    QString title_;
    std::vector<QSizeF> sizes_;
    std::vector<QString> labels_;
    bool customLabels_ = false;
};

} // namespace lv::ui
