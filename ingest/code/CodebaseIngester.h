// A folder or git repository into a Document: the files git would track, minus
// binaries, large, minified, generated and vendored files, in reading order.
#pragma once

#include "ingest/Document.h"
#include "ingest/IngestOptions.h"
#include "ingest/IngestProgress.h"

#include <stop_token>

namespace lv::ingest {

Document ingestCodebase(const QString& root, const IngestOptions& options,
                        const IngestProgressCallback& progress = {}, std::stop_token stop = {});

// The hash ingestCodebase() would give the folder, without decoding or segmenting.
QString codebaseContentHash(const QString& root, const IngestOptions& options,
                            std::stop_token stop = {});

} // namespace lv::ingest
