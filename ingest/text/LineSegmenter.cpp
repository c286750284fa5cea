#include "ingest/text/LineSegmenter.h"

#include "ingest/text/NumberedHeading.h"
#include "ingest/text/SectionTracker.h"

#include <QRegularExpression>

namespace lv::ingest {

namespace {

bool isBlank(const QString& line) {
    for (QChar c : line)
        if (!c.isSpace()) return false;
    return true;
}

// Appends segments for lines [first, last] (0-based, inclusive), cut into pieces
// of at most limits.maxLines lines and limits.maxChars characters.
class SegmentSink {
public:
    SegmentSink(const QStringList& lines, const QString& filePath,
                const LineSegmenterLimits& limits, std::vector<Segment>& out)
        : lines_(lines), filePath_(filePath), limits_(limits), out_(out) {}

    void add(int first, int last, SegmentRole role, const QStringList& sectionPath) {
        while (first <= last) {
            const int end = std::min(last, first + limits_.maxLines - 1);
            emitOne(first, end, role, sectionPath);
            first = end + 1;
        }
    }

    // Lines [first, last] as one segment, or as several where they hold more than
    // limits.maxChars characters.
    void emitOne(int first, int last, SegmentRole role, const QStringList& sectionPath) {
        while (first <= last) {
            if (lines_[first].size() > limits_.maxChars) {
                emitLongLine(first, role, sectionPath);
                ++first;
                continue;
            }
            int end = first;
            qsizetype chars = lines_[first].size();
            while (end < last && chars + 1 + lines_[end + 1].size() <= limits_.maxChars)
                chars += 1 + lines_[++end].size();
            emitLines(first, end, role, sectionPath);
            first = end + 1;
        }
    }

private:
    void emitLines(int first, int last, SegmentRole role, const QStringList& sectionPath) {
        // Leading and trailing blank lines carry nothing; the line range stays exact.
        while (first <= last && isBlank(lines_[first]))
            ++first;
        while (last >= first && isBlank(lines_[last]))
            --last;
        if (first > last) return;
        Segment s = segment(first, role, sectionPath);
        s.lineEnd = last + 1;
        qsizetype size = 0;
        for (int i = first; i <= last; ++i)
            size += lines_[i].size() + 1;
        s.text.reserve(size);
        for (int i = first; i <= last; ++i) {
            if (i > first) s.text += QLatin1Char('\n');
            s.text += lines_[i];
        }
        out_.push_back(std::move(s));
    }

    // Pieces of line i that put together are the line: each ends after the last white
    // space of its second half where there is one, never inside a surrogate pair.
    void emitLongLine(int i, SegmentRole role, const QStringList& sectionPath) {
        const QString& line = lines_[i];
        const qsizetype most = limits_.maxChars;
        for (qsizetype from = 0; from < line.size();) {
            qsizetype end = std::min(line.size(), from + most);
            if (end < line.size()) {
                qsizetype cut = end;
                for (qsizetype k = end - 1; k > from + most / 2; --k)
                    if (line[k].isSpace()) {
                        cut = k + 1;
                        break;
                    }
                if (cut == end && line[end - 1].isHighSurrogate()) --cut;
                end = cut;
            }
            Segment s = segment(i, role, sectionPath);
            s.text = line.mid(from, end - from);
            out_.push_back(std::move(s));
            from = end;
        }
    }

    Segment segment(int line, SegmentRole role, const QStringList& sectionPath) const {
        Segment s;
        s.role = role;
        s.filePath = filePath_;
        s.lineStart = line + 1;
        s.lineEnd = line + 1;
        s.sectionPath = sectionPath;
        return s;
    }

    const QStringList& lines_;
    const QString& filePath_;
    const LineSegmenterLimits& limits_;
    std::vector<Segment>& out_;
};

QStringList joinPath(const QStringList& outer, const QStringList& inner) {
    QStringList p = outer;
    p.append(inner);
    return p;
}

// ---- Markdown -------------------------------------------------------------

const QRegularExpression& atxHeading() {
    static const QRegularExpression re(QStringLiteral(R"(^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$)"));
    return re;
}

const QRegularExpression& fenceOpen() {
    static const QRegularExpression re(QStringLiteral(R"(^ {0,3}(`{3,}|~{3,}))"));
    return re;
}

const QRegularExpression& setextUnderline() {
    static const QRegularExpression re(QStringLiteral(R"(^ {0,3}(=+|-+)[ \t]*$)"));
    return re;
}

QString atxTitle(const QRegularExpressionMatch& m) {
    QString title = m.captured(2);
    // An optional closing sequence of '#' preceded by a space is not part of the title.
    static const QRegularExpression closing(QStringLiteral(R"((?:^|[ \t]+)#+[ \t]*$)"));
    title.remove(closing);
    return title.trimmed();
}

bool isTableSeparator(const QString& line) {
    bool dash = false, bar = false;
    for (QChar c : line) {
        if (c == QLatin1Char('-'))
            dash = true;
        else if (c == QLatin1Char('|'))
            bar = true;
        else if (c != QLatin1Char(':') && !c.isSpace())
            return false;
    }
    return dash && bar;
}

void segmentMarkdown(const QStringList& lines, const QStringList& outer, SegmentSink& sink) {
    SectionTracker sections;
    const int n = static_cast<int>(lines.size());
    int i = 0;
    // YAML front matter.
    if (n > 1 && lines[0].trimmed() == QLatin1String("---")) {
        for (int j = 1; j < n; ++j) {
            const QString t = lines[j].trimmed();
            if (t == QLatin1String("---") || t == QLatin1String("...")) {
                sink.add(0, j, SegmentRole::Body, outer);
                i = j + 1;
                break;
            }
        }
    }
    while (i < n) {
        const QString& line = lines[i];
        if (isBlank(line)) {
            ++i;
            continue;
        }
        if (const auto f = fenceOpen().match(line); f.hasMatch()) {
            const QString fence = f.captured(1);
            int j = i + 1;
            while (j < n) {
                const QString t = lines[j].trimmed();
                if (t.startsWith(fence.left(3)) && t.size() >= fence.size() &&
                    t.count(fence[0]) == t.size())
                    break;
                ++j;
            }
            const int last = std::min(j, n - 1);
            sink.add(i, last, SegmentRole::Code, joinPath(outer, sections.path()));
            i = last + 1;
            continue;
        }
        if (const auto h = atxHeading().match(line); h.hasMatch()) {
            const QString title = atxTitle(h);
            if (!title.isEmpty()) sections.enter(static_cast<int>(h.captured(1).size()), title);
            sink.add(i, i, SegmentRole::Heading, joinPath(outer, sections.path()));
            ++i;
            continue;
        }
        // A block of non-blank lines: paragraph, list, table, or setext heading.
        int j = i;
        bool setext = false;
        while (j + 1 < n) {
            const QString& next = lines[j + 1];
            if (isBlank(next) || fenceOpen().match(next).hasMatch() ||
                atxHeading().match(next).hasMatch())
                break;
            if (setextUnderline().match(next).hasMatch() && !lines[i].trimmed().startsWith('|')) {
                setext = true;
                ++j;
                break;
            }
            ++j;
        }
        if (setext) {
            QStringList titleLines;
            for (int k = i; k < j; ++k)
                titleLines.append(lines[k].trimmed());
            const bool level1 = lines[j].trimmed().startsWith(QLatin1Char('='));
            sections.enter(level1 ? 1 : 2, titleLines.join(QLatin1Char(' ')));
            sink.add(i, j, SegmentRole::Heading, joinPath(outer, sections.path()));
        } else {
            const bool table =
                j > i && lines[i].contains(QLatin1Char('|')) && isTableSeparator(lines[i + 1]);
            sink.add(i, j, table ? SegmentRole::Table : SegmentRole::Body,
                     joinPath(outer, sections.path()));
        }
        i = j + 1;
    }
}

// ---- Plain text -------------------------------------------------------------

bool isUnderline(const QString& line, const QString& above, QChar* adornment) {
    const QString t = line.trimmed();
    if (t.size() < 3 || t.size() < above.trimmed().size() / 2) return false;
    const QChar c = t[0];
    if (QStringLiteral("=-~^*#+").indexOf(c) < 0) return false;
    for (QChar x : t)
        if (x != c) return false;
    *adornment = c;
    return true;
}

// "TERMS AND CONDITIONS": a short standalone line in capitals.
bool isCapitalisedHeading(const QString& line) {
    const QString t = line.trimmed();
    if (t.size() > 60) return false;
    int letters = 0;
    for (QChar c : t) {
        if (c.isLetter()) {
            if (c.isLower()) return false;
            ++letters;
        } else if (!c.isSpace() && QStringLiteral("-&,:'’()").indexOf(c) < 0) {
            return false;
        }
    }
    return letters >= 4 && t.count(QLatin1Char(' ')) < 8;
}

void segmentPlainText(const QStringList& lines, const QStringList& outer, SegmentSink& sink) {
    SectionTracker sections;
    QString adornments; // underline characters in order of first use: their rank
    const int n = static_cast<int>(lines.size());
    int i = 0;
    while (i < n) {
        if (isBlank(lines[i])) {
            ++i;
            continue;
        }
        int j = i;
        while (j + 1 < n && !isBlank(lines[j + 1]))
            ++j;
        QChar adornment;
        if (j == i + 1 && isUnderline(lines[j], lines[i], &adornment)) {
            if (!adornments.contains(adornment)) adornments += adornment;
            sections.enter(static_cast<int>(adornments.indexOf(adornment)) + 1, lines[i].trimmed());
            sink.add(i, j, SegmentRole::Heading, joinPath(outer, sections.path()));
        } else if (i == j && isCapitalisedHeading(lines[i])) {
            sections.enter(9, lines[i].trimmed());
            sink.add(i, i, SegmentRole::Heading, joinPath(outer, sections.path()));
        } else if (const auto h = parseNumberedHeading(lines[i]); h && (i == j || h->rank <= 40)) {
            // A dotted number only heads a section when it stands alone; "Article 5"
            // and "§ 12" may be followed directly by their text.
            sections.enter(h->rank, h->text);
            int headEnd = i;
            if (j == i + 1) {
                const auto next = lines[j].trimmed();
                if (next.size() <= 60 && !next.endsWith(QLatin1Char('.'))) headEnd = j;
            }
            sink.add(i, headEnd, SegmentRole::Heading, joinPath(outer, sections.path()));
            if (headEnd < j)
                sink.add(headEnd + 1, j, SegmentRole::Body, joinPath(outer, sections.path()));
        } else {
            sink.add(i, j, SegmentRole::Body, joinPath(outer, sections.path()));
        }
        i = j + 1;
    }
}

// ---- Code -------------------------------------------------------------------

void segmentCode(const QStringList& lines, const QStringList& outer,
                 const LineSegmenterLimits& limits, SegmentSink& sink) {
    const int n = static_cast<int>(lines.size());
    int start = 0;
    while (start < n) {
        int end = start;
        const int hardEnd = std::min(n - 1, start + limits.maxLines - 1);
        while (end < hardEnd) {
            if (end - start + 1 >= limits.preferredLines && isBlank(lines[end])) break;
            ++end;
        }
        sink.emitOne(start, end, SegmentRole::Code, outer);
        start = end + 1;
    }
}

} // namespace

QStringList splitLines(const QString& text) {
    QStringList lines = text.split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.back().isEmpty()) lines.removeLast();
    return lines;
}

std::vector<Segment> segmentLines(const QStringList& lines, LineFormat format,
                                  const QString& filePath, const QStringList& outerPath,
                                  const LineSegmenterLimits& limits) {
    std::vector<Segment> out;
    SegmentSink sink(lines, filePath, limits, out);
    switch (format) {
    case LineFormat::Markdown:
        segmentMarkdown(lines, outerPath, sink);
        break;
    case LineFormat::PlainText:
        segmentPlainText(lines, outerPath, sink);
        break;
    case LineFormat::Code:
        segmentCode(lines, outerPath, limits, sink);
        break;
    }
    return out;
}

} // namespace lv::ingest
