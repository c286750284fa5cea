// One open Poppler document. Poppler is not thread-safe per document, so, as
// Okular's generator does, every access takes the document's mutex; pages are
// created for one call and released at once, which bounds memory.
#pragma once

#include "ingest/Document.h"
#include "ingest/pdf/PageLayout.h"
#include "ingest/pdf/PdfSections.h"

#include <QIODevice>
#include <QImage>
#include <QMutex>
#include <QString>

#include <memory>
#include <stop_token>
#include <vector>

namespace Poppler {
class Document;
}

namespace lv::ingest {

class PopplerDocument {
public:
    // Throws CorruptPdfError when Poppler cannot open the file and
    // PdfPasswordError when it is encrypted and the password is missing or wrong.
    PopplerDocument(const QString& path, const QString& password);
    ~PopplerDocument();

    // Another Poppler document on the same file and memory mapping, for
    // another thread (each document is used by one thread at a time).
    std::unique_ptr<PopplerDocument> reopen() const;
    PopplerDocument(const PopplerDocument&) = delete;
    PopplerDocument& operator=(const PopplerDocument&) = delete;

    int pageCount() const;
    // Poppler rebuilt the cross-reference table: the file is damaged.
    bool wasReconstructed() const;

    // Title, author, dates, producer, version, encryption, page count.
    void readMetadata(Document& doc) const;
    std::vector<OutlineEntry> outline() const;

    struct PageText {
        bool loaded = false;         // false: Poppler could not parse the page
        QString label;               // as the reader sees it: "iv", "A-1", "12"
        QSizeF size;                 // points, in the upright frame of the words
        int rotation = 0;            // degrees clockwise the page is shown turned (/Rotate)
        std::vector<TextWord> words; // upright, whatever the page's rotation
    };
    // Stops early (with the words found so far) when `stop` is requested.
    PageText pageText(int index, const std::stop_token& stop) const;
    // The page upright (as pageText's words); a null image on failure or when stopped.
    QImage render(int index, double dpi, const std::stop_token& stop) const;

private:
    struct MappedFile;
    PopplerDocument(const QString& path, const QString& password, std::shared_ptr<MappedFile> map);
    void open();

    QString path_;
    QString password_;
    // Poppler reads a file in 256-byte pread() calls; reading the mapped file
    // through a QBuffer avoids those system calls (about 15% of the time).
    std::shared_ptr<MappedFile> map_;
    std::unique_ptr<QIODevice> device_;
    mutable QMutex mutex_;
    std::unique_ptr<Poppler::Document> doc_;
};

} // namespace lv::ingest
