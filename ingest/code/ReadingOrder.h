// The order in which a codebase reads well: READMEs and documentation first,
// then build files, then sources grouped by directory (headers before their
// sources), then tests, then everything else.
#pragma once

#include <QString>

namespace lv::ingest {

enum class FileCategory { Readme, Documentation, Build, Source, Test, Other };

FileCategory categoryOf(const QString& path, const QString& language);

// A key whose lexicographic order is the reading order.
QString readingOrderKey(const QString& path, const QString& language);

} // namespace lv::ingest
