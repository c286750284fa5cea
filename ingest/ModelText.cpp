#include "ingest/ModelText.h"

#include <QHash>

namespace lv::ingest {

namespace {

QString pageName(const PageInfo& page) {
    QString name = QStringLiteral("Page %1").arg(page.index + 1);
    if (!page.label.isEmpty() && page.label != QString::number(page.index + 1))
        name += QStringLiteral(" (") + page.label + QLatin1Char(')');
    return name;
}

void appendPdf(const Document& doc, const ModelTextOptions& options, QString& out) {
    std::size_t s = 0;
    for (const PageInfo& page : doc.pages) {
        QStringList parts;
        for (; s < doc.segments.size() && doc.segments[s].pageIndex <= page.index; ++s) {
            const Segment& seg = doc.segments[s];
            if (seg.pageIndex != page.index) continue;
            if (seg.isMarginal() && !options.includeMarginals) continue;
            if (seg.role == SegmentRole::Footnote)
                parts.append(QStringLiteral("[Footnote] ") + seg.text);
            else
                parts.append(seg.text);
        }
        if (page.textSource == TextSource::Missing) parts.append(missingPageNote(page));
        out += parts.join(QStringLiteral("\n\n"));
        out += QLatin1Char('\f');
    }
}

// The lines of one file rebuilt from its segments: blank lines that fell
// between segments come back, so line n of the output is line n of the file.
void appendFileBody(const std::vector<const Segment*>& segments, bool lineNumbers, int totalLines,
                    QString& out) {
    int line = 1;
    const int width = static_cast<int>(QString::number(std::max(1, totalLines)).size());
    auto emitLine = [&](QStringView text) {
        if (lineNumbers)
            out += QString::number(line).rightJustified(width, QLatin1Char(' ')) +
                   QStringLiteral("  ");
        out += text;
        out += QLatin1Char('\n');
        ++line;
    };
    for (const Segment* seg : segments) {
        // A segment that starts on the line the one before ended on goes on with it (a
        // line too long for one segment: LineSegmenter).
        const bool goesOn = seg->lineStart < line && line > 1;
        if (goesOn) {
            out.chop(1); // the line's newline
            --line;
        }
        while (line < seg->lineStart)
            emitLine(QStringView());
        bool firstPiece = true;
        for (QStringView l : QStringView(seg->text).split(QLatin1Char('\n'))) {
            if (goesOn && firstPiece) {
                out += l;
                out += QLatin1Char('\n');
                ++line;
            } else {
                emitLine(l);
            }
            firstPiece = false;
        }
    }
}

void appendFiles(const Document& doc, const ModelTextOptions& options, QString& out) {
    QHash<QString, std::vector<const Segment*>> byFile;
    for (const Segment& s : doc.segments)
        byFile[s.filePath].push_back(&s);
    const bool headers = doc.kind == DocumentKind::Codebase;
    bool first = true;
    for (const FileInfo& file : doc.files) {
        if (!first) out += QLatin1Char('\n');
        first = false;
        if (headers) out += fileHeaderLine(file) + QLatin1Char('\n');
        appendFileBody(byFile.value(file.path), options.lineNumbers, file.lines, out);
    }
}

} // namespace

QString fileHeaderLine(const FileInfo& file) {
    return QStringLiteral("=== File: %1 (%2, %3 %4) ===")
        .arg(file.path, file.language)
        .arg(file.lines)
        .arg(file.lines == 1 ? QStringLiteral("line") : QStringLiteral("lines"));
}

QString missingPageNote(const PageInfo& page) {
    return QStringLiteral("[%1: scanned image without a text layer; its text could not be read]")
        .arg(pageName(page));
}

QString modelText(const Document& doc, const ModelTextOptions& options) {
    QString out;
    if (doc.kind == DocumentKind::Pdf)
        appendPdf(doc, options, out);
    else
        appendFiles(doc, options, out);
    return out;
}

} // namespace lv::ingest
