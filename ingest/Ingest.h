// The entry point of ingest: one path (a PDF, a folder or repository, a text
// file) into a Document, and the cheap hash that tells whether it changed.
#pragma once

#include "ingest/Document.h"
#include "ingest/IngestErrors.h"
#include "ingest/IngestOptions.h"
#include "ingest/IngestProgress.h"

#include <stop_token>

namespace lv::ingest {

// Which ingester reads `path`: a folder is a codebase, a file starting with
// "%PDF-" (or named *.pdf) a PDF, any other file text. Throws SourceNotFoundError
// and SourceUnreadableError.
DocumentKind detectKind(const QString& path);

// Reads `path` into a Document. `progress` is called on this thread per page or
// file; `stop` is checked between and during pages. Throws the IngestError
// subclasses of IngestErrors.h, each naming the file and the problem.
Document ingestPath(const QString& path, const IngestOptions& options = {},
                    const IngestProgressCallback& progress = {}, std::stop_token stop = {});

// SHA-256 (hex) equal to ingestPath(path).contentHash, computed without
// extracting anything: a file's bytes, or a folder's listed files (see
// SourceTreeHash.h). Compare it with a stored hash before a full ingest.
QString contentHash(const QString& path, const IngestOptions& options = {},
                    std::stop_token stop = {});

} // namespace lv::ingest
