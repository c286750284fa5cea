// A single text file (plain text, Markdown, or one source file) into a Document
// whose segments carry line ranges and section paths.
#pragma once

#include "ingest/Document.h"
#include "ingest/IngestOptions.h"
#include "ingest/IngestProgress.h"

#include <stop_token>

namespace lv::ingest {

// Throws UnsupportedSourceError for binary files.
Document ingestTextFile(const QString& path, const IngestOptions& options,
                        const IngestProgressCallback& progress = {}, std::stop_token stop = {});

} // namespace lv::ingest
