#include "ingest/code/GitIgnore.h"

#include <QList>

namespace lv::ingest {

namespace {

// Matches a bracket expression starting at p[pi] == '['; on success sets *end to
// the index after ']'. A malformed class matches nothing, as in git.
bool matchClass(QStringView p, qsizetype pi, QChar c, qsizetype* end) {
    qsizetype i = pi + 1;
    bool negate = false;
    if (i < p.size() && (p[i] == QLatin1Char('!') || p[i] == QLatin1Char('^'))) {
        negate = true;
        ++i;
    }
    bool matched = false;
    bool first = true;
    while (i < p.size() && (first || p[i] != QLatin1Char(']'))) {
        first = false;
        QChar lo = p[i];
        if (lo == QLatin1Char('\\') && i + 1 < p.size()) lo = p[++i];
        QChar hi = lo;
        if (i + 2 < p.size() && p[i + 1] == QLatin1Char('-') && p[i + 2] != QLatin1Char(']')) {
            hi = p[i + 2];
            if (hi == QLatin1Char('\\') && i + 3 < p.size()) {
                hi = p[i + 3];
                ++i;
            }
            i += 2;
        }
        if (c >= lo && c <= hi) matched = true;
        ++i;
    }
    if (i >= p.size()) return false; // no closing ']'
    *end = i + 1;
    return matched != negate;
}

bool wildmatchAt(QStringView p, qsizetype pi, QStringView t, qsizetype ti) {
    while (pi < p.size()) {
        const QChar c = p[pi];
        if (c == QLatin1Char('*')) {
            const bool twoStars = pi + 1 < p.size() && p[pi + 1] == QLatin1Char('*');
            if (twoStars) {
                const bool startsComponent = pi == 0 || p[pi - 1] == QLatin1Char('/');
                qsizetype after = pi + 2;
                while (after < p.size() && p[after] == QLatin1Char('*'))
                    ++after;
                const bool endsComponent = after == p.size() || p[after] == QLatin1Char('/');
                if (startsComponent && endsComponent) {
                    if (after == p.size()) return true; // "x/**": everything inside
                    // "**/": zero or more whole directories.
                    for (qsizetype k = ti; k <= t.size(); ++k) {
                        if ((k == ti || t[k - 1] == QLatin1Char('/')) &&
                            wildmatchAt(p, after + 1, t, k))
                            return true;
                    }
                    return false;
                }
            }
            while (pi < p.size() && p[pi] == QLatin1Char('*'))
                ++pi;
            for (qsizetype k = ti; k <= t.size(); ++k) {
                if (wildmatchAt(p, pi, t, k)) return true;
                if (k < t.size() && t[k] == QLatin1Char('/')) break;
            }
            return false;
        }
        if (ti >= t.size()) return false;
        if (c == QLatin1Char('?')) {
            if (t[ti] == QLatin1Char('/')) return false;
            ++pi;
            ++ti;
            continue;
        }
        if (c == QLatin1Char('[')) {
            qsizetype end = 0;
            if (t[ti] == QLatin1Char('/') || !matchClass(p, pi, t[ti], &end)) return false;
            pi = end;
            ++ti;
            continue;
        }
        QChar literal = c;
        if (c == QLatin1Char('\\') && pi + 1 < p.size()) literal = p[++pi];
        if (t[ti] != literal) return false;
        ++pi;
        ++ti;
    }
    return ti == t.size();
}

// Trailing spaces are dropped unless escaped with a backslash.
QString trimTrailingSpaces(QString s) {
    while (s.endsWith(QLatin1Char(' ')) && !s.endsWith(QLatin1String("\\ ")))
        s.chop(1);
    return s;
}

} // namespace

bool gitWildmatch(QStringView pattern, QStringView path) {
    return wildmatchAt(pattern, 0, path, 0);
}

GitIgnoreFile::GitIgnoreFile(const QString& baseDir, QByteArrayView content) : baseDir_(baseDir) {
    const QString text = QString::fromUtf8(content);
    for (QString line : text.split(QLatin1Char('\n'))) {
        if (line.endsWith(QLatin1Char('\r'))) line.chop(1);
        line = trimTrailingSpaces(line);
        if (line.isEmpty() || line.startsWith(QLatin1Char('#'))) continue;
        Pattern p;
        if (line.startsWith(QLatin1Char('!'))) {
            p.negated = true;
            line.remove(0, 1);
        } else if (line.startsWith(QLatin1String("\\!")) || line.startsWith(QLatin1String("\\#"))) {
            line.remove(0, 1);
        }
        if (line.endsWith(QLatin1Char('/')) && !line.endsWith(QLatin1String("\\/"))) {
            p.directoryOnly = true;
            line.chop(1);
        }
        if (line.isEmpty()) continue;
        p.anchored = line.contains(QLatin1Char('/'));
        if (line.startsWith(QLatin1Char('/'))) line.remove(0, 1);
        p.glob = line;
        patterns_.push_back(std::move(p));
    }
}

std::optional<bool> GitIgnoreFile::verdict(QStringView path, bool isDirectory) const {
    QStringView relative = path;
    if (!baseDir_.isEmpty()) {
        if (!path.startsWith(baseDir_) || path.size() <= baseDir_.size() ||
            path[baseDir_.size()] != QLatin1Char('/'))
            return std::nullopt;
        relative = path.mid(baseDir_.size() + 1);
    }
    const qsizetype slash = relative.lastIndexOf(QLatin1Char('/'));
    const QStringView base = slash < 0 ? relative : relative.mid(slash + 1);
    for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
        if (it->directoryOnly && !isDirectory) continue;
        const bool hit =
            it->anchored ? gitWildmatch(it->glob, relative) : gitWildmatch(it->glob, base);
        if (hit) return !it->negated;
    }
    return std::nullopt;
}

bool isIgnored(std::span<const GitIgnoreFile* const> files, QStringView path, bool isDirectory) {
    for (auto it = files.rbegin(); it != files.rend(); ++it)
        if (const auto v = (*it)->verdict(path, isDirectory)) return *v;
    return false;
}

} // namespace lv::ingest
