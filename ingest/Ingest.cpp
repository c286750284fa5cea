#include "ingest/Ingest.h"

#include "ingest/code/CodebaseIngester.h"
#include "ingest/pdf/PdfIngester.h"
#include "ingest/text/TextIngester.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

namespace lv::ingest {

namespace {

QFileInfo existing(const QString& path) {
    const QFileInfo info(path);
    if (path.isEmpty() || !info.exists()) throw SourceNotFoundError(path);
    // A device or a pipe would be read forever.
    if (!info.isDir() && !info.isFile())
        throw UnsupportedSourceError(path, QStringLiteral("not a regular file or a folder"));
    return info;
}

} // namespace

DocumentKind detectKind(const QString& path) {
    const QFileInfo info = existing(path);
    if (info.isDir()) return DocumentKind::Codebase;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw SourceUnreadableError(path, QStringLiteral("cannot read: ") + file.errorString());
    // The PDF header may follow some junk; readers look in the first kilobyte.
    const QByteArray head = file.read(1024);
    if (head.contains("%PDF-")) return DocumentKind::Pdf;
    if (info.suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0)
        return DocumentKind::Pdf;
    return DocumentKind::Text;
}

Document ingestPath(const QString& path, const IngestOptions& options,
                    const IngestProgressCallback& progress, std::stop_token stop) {
    switch (detectKind(path)) {
    case DocumentKind::Pdf:
        return ingestPdf(path, options, progress, std::move(stop));
    case DocumentKind::Codebase:
        return ingestCodebase(path, options, progress, std::move(stop));
    case DocumentKind::Text:
        return ingestTextFile(path, options, progress, std::move(stop));
    }
    return {};
}

QString contentHash(const QString& path, const IngestOptions& options, std::stop_token stop) {
    const QFileInfo info = existing(path);
    if (info.isDir()) return codebaseContentHash(path, options, std::move(stop));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw SourceUnreadableError(path, QStringLiteral("cannot read: ") + file.errorString());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file))
        throw SourceUnreadableError(path, QStringLiteral("read error: ") + file.errorString());
    return QString::fromLatin1(hash.result().toHex());
}

} // namespace lv::ingest
