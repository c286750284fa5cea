// What ingest produces: a Document made of Segments, each with its provenance
// (page index and label, or file path and line range) and its section path.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QMap>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>

#include <vector>

namespace lv::ingest {

enum class DocumentKind { Pdf, Codebase, Text };

// What a segment is on its page or in its file. Header and Footer are running
// headers, footers and page numbers: kept for display, left out of the model text.
enum class SegmentRole { Body, Heading, Table, Footnote, Header, Footer, Code };

QString kindName(DocumentKind kind);
QString roleName(SegmentRole role);

struct Segment {
    QString text;
    SegmentRole role = SegmentRole::Body;
    QStringList sectionPath; // outermost first, e.g. {"Chapter II", "Article 5"}

    // Paged sources (PDF): 0-based page index, the label the reader sees
    // ("iii", "A-1", "12"), and where on the page, in points from the top left.
    int pageIndex = -1;
    QString pageLabel;
    QRectF bounds;

    // Line-based sources (files): the path relative to the document's root
    // (the file name for a single file) and 1-based inclusive lines.
    QString filePath;
    int lineStart = 0;
    int lineEnd = 0;

    bool isMarginal() const { return role == SegmentRole::Header || role == SegmentRole::Footer; }
};

// How a PDF page's text was obtained.
enum class TextSource {
    TextLayer, // the PDF's own text
    Ocr,       // no text layer; recognised with Tesseract
    Missing,   // no text layer and no OCR: the page is an image Longview cannot read
    Blank      // nothing on the page
};

QString textSourceName(TextSource source);

struct PageInfo {
    int index = 0;
    QString label;
    // Points. Segment bounds are in the page's upright frame (its text reads
    // left to right); a viewer shows the page turned `rotation` degrees clockwise.
    QSizeF size;
    int rotation = 0;
    TextSource textSource = TextSource::TextLayer;
};

// One file of a codebase (or the single file of a text document).
struct FileInfo {
    QString path;      // relative to the root, '/' separated
    QString language;  // "C++", "Python", "Markdown", ... or "Text"
    QString encoding;  // "UTF-8", "Windows-1252", ...
    bool crlf = false; // line endings were CRLF (normalised to LF)
    qint64 bytes = 0;
    int lines = 0;
};

// What a codebase ingest left out and why (a count per reason and a few examples).
struct SkipReport {
    QMap<QString, int> counts;           // reason -> files (or directories for "vendored")
    QMap<QString, QStringList> examples; // reason -> up to kMaxExamples paths
    static constexpr int kMaxExamples = 20;

    void add(const QString& reason, const QString& path);
    int total() const;
};

struct DocumentMetadata {
    QString author;
    QString subject;
    QString keywords;
    QString creator;
    QString producer;
    QDateTime created;
    QDateTime modified;
    int pageCount = 0;            // PDFs
    int scannedPages = 0;         // PDF pages without a text layer (OCR'd or missing)
    bool mostlyScanned = false;   // more than half of the non-blank pages are scans
    QMap<QString, QString> extra; // anything else worth showing: "pdf.version", "git.head", ...
};

struct Document {
    DocumentKind kind = DocumentKind::Text;
    QString title;
    QString sourcePath;  // absolute
    QString contentHash; // SHA-256, lower-case hex; see contentHash() in Ingest.h
    DocumentMetadata metadata;
    QStringList warnings;          // one line each, naming the file or page concerned
    std::vector<Segment> segments; // in reading order
    std::vector<PageInfo> pages;   // PDFs: one per page
    std::vector<FileInfo> files;   // codebases and text: in reading order
    SkipReport skipped;            // codebases
};

} // namespace lv::ingest
