// Options of ingestPath(): PDF password and OCR, codebase limits and filters.
// The defaults suit a desktop user; tests and benchmarks change them.
#pragma once

#include <QString>
#include <QStringList>

namespace lv::ingest {

enum class OcrMode {
    Auto, // OCR pages without a text layer when Tesseract is installed
    Off   // never: such pages are flagged and left empty
};

struct IngestOptions {
    // PDFs
    QString password; // tried as the user password, then as the owner password
    OcrMode ocr = OcrMode::Auto;
    QString ocrLanguages = QStringLiteral("eng"); // tesseract -l
    QString tesseractPath;                        // empty: found on PATH
    int ocrDpi = 300;
    // PDF pages are extracted by this many threads, each with its own Poppler
    // document (Poppler is serialised per document); codebase files are read,
    // hashed and segmented by as many. 0: min(4, cores). Results do not depend on it.
    int threads = 0;

    // Codebases
    qint64 maxFileBytes = 1024 * 1024; // larger files are skipped and counted
    bool useGit = true;                // `git ls-files` for repositories when git is installed
    QStringList vendoredDirectories = {
        QStringLiteral("vendor"),       QStringLiteral("third_party"),
        QStringLiteral("third-party"),  QStringLiteral("thirdparty"),
        QStringLiteral("node_modules"), QStringLiteral("bower_components")};
};

} // namespace lv::ingest
