// The text a model reads for a Document: PDF pages separated by form feeds (as
// pdftotext does) without running headers and footers; code files each under a
// header line naming its path; text files as they are.
#pragma once

#include "ingest/Document.h"

namespace lv::ingest {

struct ModelTextOptions {
    // Keep running headers, footers and page numbers (the text as displayed).
    bool includeMarginals = false;
    // Prefix each line of a file with its number, for path:line citations.
    bool lineNumbers = false;
};

QString modelText(const Document& doc, const ModelTextOptions& options = {});

// "=== File: src/main.cpp (C++, 120 lines) ===": opens each file of a codebase.
QString fileHeaderLine(const FileInfo& file);

// What stands in the model text for a page whose image could not be read.
QString missingPageNote(const PageInfo& page);

} // namespace lv::ingest
