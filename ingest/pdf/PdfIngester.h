// A PDF into a Document: metadata, outline, pages extracted in parallel (one
// Poppler document per thread), then running margins, paragraphs and sections.
#pragma once

#include "ingest/Document.h"
#include "ingest/IngestOptions.h"
#include "ingest/IngestProgress.h"

#include <stop_token>

namespace lv::ingest {

// Throws CorruptPdfError, PdfPasswordError, IngestCancelled.
Document ingestPdf(const QString& path, const IngestOptions& options,
                   const IngestProgressCallback& progress = {}, std::stop_token stop = {});

} // namespace lv::ingest
