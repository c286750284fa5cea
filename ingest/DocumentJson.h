// A Document as JSON (for `longview-cli text --json` and for tools): metadata,
// warnings, pages or files, the skip report and, optionally, every segment.
#pragma once

#include "ingest/Document.h"

#include <QJsonObject>

namespace lv::ingest {

QJsonObject documentToJson(const Document& doc, bool withSegments = true);
QJsonObject segmentToJson(const Segment& segment);

} // namespace lv::ingest
