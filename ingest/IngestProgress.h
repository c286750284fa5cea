// Progress reports of ingestPath(): a stage, how far, and the item at hand.
// The callback runs on the caller's thread, once per page or file.
#pragma once

#include <QString>

#include <functional>

namespace lv::ingest {

struct IngestProgress {
    enum class Stage {
        Listing, // codebases: finding the files
        Page,    // PDFs: a page was extracted (OCR included)
        File,    // codebases and text: a file was read
        Done
    };
    Stage stage = Stage::Page;
    int done = 0;
    int total = 0;
    QString item; // page label or file path
};

using IngestProgressCallback = std::function<void(const IngestProgress&)>;

} // namespace lv::ingest
