// Git's ignore rules (.gitignore at every level, .git/info/exclude) for folders
// that are not git repositories or when git is not installed.
#pragma once

#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <optional>
#include <span>
#include <vector>

namespace lv::ingest {

// Shell-style matching as git does it: '*' and '?' stop at '/', "**" as a whole
// path component matches any number of directories, [a-z] and [!a-z] classes,
// backslash escapes.
bool gitWildmatch(QStringView pattern, QStringView path);

// The patterns of one ignore file, which apply below `baseDir` (relative to the
// root, '/' separated, empty for the root).
class GitIgnoreFile {
public:
    GitIgnoreFile(const QString& baseDir, QByteArrayView content);

    // The verdict of the last pattern matching `path` (relative to the root):
    // true ignored, false re-included by a '!' pattern, nullopt no pattern matches.
    std::optional<bool> verdict(QStringView path, bool isDirectory) const;
    bool empty() const { return patterns_.empty(); }

private:
    struct Pattern {
        QString glob;
        bool negated = false;
        bool directoryOnly = false;
        bool anchored = false; // contains a '/': matched against the whole relative path
    };
    QString baseDir_;
    std::vector<Pattern> patterns_;
};

// Git's precedence: the deepest file that has a verdict decides; `files` is
// ordered from the lowest precedence (info/exclude, root) to the highest.
bool isIgnored(std::span<const GitIgnoreFile* const> files, QStringView path, bool isDirectory);

} // namespace lv::ingest
