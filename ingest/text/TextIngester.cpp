#include "ingest/text/TextIngester.h"

#include "ingest/IngestErrors.h"
#include "ingest/code/Language.h"
#include "ingest/text/LineSegmenter.h"
#include "ingest/text/TextDecoding.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

namespace lv::ingest {

Document ingestTextFile(const QString& path, [[maybe_unused]] const IngestOptions& options,
                        const IngestProgressCallback& progress, std::stop_token stop) {
    const QFileInfo info(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw SourceUnreadableError(path, QStringLiteral("cannot read: ") + file.errorString());
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        throw SourceUnreadableError(path, QStringLiteral("read error: ") + file.errorString());
    if (looksBinary(bytes))
        throw UnsupportedSourceError(
            path, QStringLiteral("binary file; Longview reads PDFs, text files and folders"));
    if (stop.stop_requested()) throw IngestCancelled(path);

    Document doc;
    doc.kind = DocumentKind::Text;
    doc.sourcePath = info.absoluteFilePath();
    doc.contentHash =
        QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());

    DecodedText decoded = decodeText(bytes);
    FileInfo fileInfo;
    fileInfo.path = info.fileName();
    fileInfo.language = languageOf(
        info.fileName(), QByteArrayView(bytes).first(std::min<qsizetype>(bytes.size(), 256)));
    fileInfo.encoding = decoded.encoding;
    fileInfo.crlf = decoded.crlf;
    fileInfo.bytes = bytes.size();
    if (const QString problem = decoded.problem(); !problem.isEmpty())
        doc.warnings.append(info.fileName() + QStringLiteral(": ") + problem);

    const QStringList lines = splitLines(decoded.text);
    fileInfo.lines = static_cast<int>(lines.size());
    doc.segments = segmentLines(lines, lineFormatOf(fileInfo.language), fileInfo.path);
    doc.metadata.extra.insert(QStringLiteral("language"), fileInfo.language);
    doc.metadata.extra.insert(QStringLiteral("encoding"), fileInfo.encoding);

    // The first top-level heading names the document; else the file name does.
    doc.title = info.fileName();
    for (const Segment& s : doc.segments) {
        if (s.role == SegmentRole::Heading && !s.sectionPath.isEmpty()) {
            doc.title = s.sectionPath.front();
            break;
        }
        if (s.role != SegmentRole::Heading && fileInfo.language != QLatin1String("Markdown")) break;
    }
    doc.files.push_back(fileInfo);
    if (progress) progress({IngestProgress::Stage::File, 1, 1, fileInfo.path});
    return doc;
}

} // namespace lv::ingest
