// The language of a file from its name (extension or well-known name) or, for
// scripts without an extension, its shebang line.
#pragma once

#include <QByteArrayView>
#include <QString>

#include "ingest/text/LineSegmenter.h"

namespace lv::ingest {

// "C++", "Python", "Markdown", "CMake", "Shell", ...; "Text" when unknown.
QString languageOf(const QString& fileName, QByteArrayView head);

// How the file's lines are segmented: Markdown and prose formats by their
// structure, everything else as code.
LineFormat lineFormatOf(const QString& language);

// True for languages whose files are documentation rather than code.
bool isProseLanguage(const QString& language);

} // namespace lv::ingest
