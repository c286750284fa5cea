// Splits the lines of a text file into Segments with 1-based line ranges:
// Markdown (headings -> section paths, fences, tables), plain text (paragraphs,
// numbered, underlined and capitalised headings) and source code (chunks).
#pragma once

#include "ingest/Document.h"

#include <QStringList>

#include <vector>

namespace lv::ingest {

enum class LineFormat { Markdown, PlainText, Code };

struct LineSegmenterLimits {
    int maxLines = 80;       // no segment is longer
    int preferredLines = 40; // code chunks end at the first blank line after this
    // Nor has more characters (UTF-16 units): a line longer than this (minified code, a
    // file without line breaks) becomes consecutive segments of that one line, cut after a
    // space where there is one. Full-text search and its snippets slow down with the
    // square of a passage's matches.
    int maxChars = 8000;
};

// `outerPath` prefixes every section path (a codebase passes the file's path).
std::vector<Segment> segmentLines(const QStringList& lines, LineFormat format,
                                  const QString& filePath, const QStringList& outerPath = {},
                                  const LineSegmenterLimits& limits = {});

// The lines of decoded text, without the empty string after a final newline.
QStringList splitLines(const QString& text);

} // namespace lv::ingest
