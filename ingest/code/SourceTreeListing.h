// The files of a folder that git would track: `git ls-files` in a repository
// when git is installed, else a walk applying .gitignore rules at every level.
#pragma once

#include "ingest/Document.h"
#include "ingest/IngestOptions.h"

#include <QString>
#include <QStringList>

#include <stop_token>

namespace lv::ingest {

struct SourceListing {
    QString root;       // absolute, cleaned
    QStringList files;  // relative to root, '/' separated, sorted; vendored trees left out
    QString method;     // "git ls-files" or "gitignore rules"
    QString gitHead;    // commit of HEAD when listed through git
    SkipReport skipped; // vendored directories, symbolic links
};

// Throws IngestCancelled when `stop` is requested.
SourceListing listSourceTree(const QString& root, const IngestOptions& options,
                             std::stop_token stop = {});

} // namespace lv::ingest
