#include "ingest/DocumentJson.h"

#include <QJsonArray>

namespace lv::ingest {

namespace {

QJsonValue dateOrNull(const QDateTime& d) {
    return d.isValid() ? QJsonValue(d.toString(Qt::ISODate)) : QJsonValue();
}

QJsonObject metadataToJson(const DocumentMetadata& m) {
    QJsonObject o;
    auto put = [&o](const char* key, const QString& value) {
        if (!value.isEmpty()) o.insert(QLatin1String(key), value);
    };
    put("author", m.author);
    put("subject", m.subject);
    put("keywords", m.keywords);
    put("creator", m.creator);
    put("producer", m.producer);
    o.insert(QStringLiteral("created"), dateOrNull(m.created));
    o.insert(QStringLiteral("modified"), dateOrNull(m.modified));
    if (m.pageCount > 0) o.insert(QStringLiteral("pageCount"), m.pageCount);
    o.insert(QStringLiteral("scannedPages"), m.scannedPages);
    o.insert(QStringLiteral("mostlyScanned"), m.mostlyScanned);
    QJsonObject extra;
    for (auto it = m.extra.begin(); it != m.extra.end(); ++it)
        extra.insert(it.key(), it.value());
    o.insert(QStringLiteral("extra"), extra);
    return o;
}

} // namespace

QJsonObject segmentToJson(const Segment& s) {
    QJsonObject o;
    o.insert(QStringLiteral("role"), roleName(s.role));
    o.insert(QStringLiteral("text"), s.text);
    o.insert(QStringLiteral("sectionPath"), QJsonArray::fromStringList(s.sectionPath));
    if (s.pageIndex >= 0) {
        o.insert(QStringLiteral("page"), s.pageIndex);
        o.insert(QStringLiteral("pageLabel"), s.pageLabel);
        o.insert(QStringLiteral("bounds"),
                 QJsonArray{s.bounds.x(), s.bounds.y(), s.bounds.width(), s.bounds.height()});
    }
    if (!s.filePath.isEmpty()) {
        o.insert(QStringLiteral("file"), s.filePath);
        o.insert(QStringLiteral("lineStart"), s.lineStart);
        o.insert(QStringLiteral("lineEnd"), s.lineEnd);
    }
    return o;
}

QJsonObject documentToJson(const Document& doc, bool withSegments) {
    QJsonObject o;
    o.insert(QStringLiteral("kind"), kindName(doc.kind));
    o.insert(QStringLiteral("title"), doc.title);
    o.insert(QStringLiteral("source"), doc.sourcePath);
    o.insert(QStringLiteral("sha256"), doc.contentHash);
    o.insert(QStringLiteral("metadata"), metadataToJson(doc.metadata));
    o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(doc.warnings));
    if (!doc.pages.empty()) {
        QJsonArray pages;
        for (const PageInfo& p : doc.pages)
            pages.append(QJsonObject{{QStringLiteral("index"), p.index},
                                     {QStringLiteral("label"), p.label},
                                     {QStringLiteral("width"), p.size.width()},
                                     {QStringLiteral("height"), p.size.height()},
                                     {QStringLiteral("rotation"), p.rotation},
                                     {QStringLiteral("text"), textSourceName(p.textSource)}});
        o.insert(QStringLiteral("pages"), pages);
    }
    if (!doc.files.empty()) {
        QJsonArray files;
        for (const FileInfo& f : doc.files)
            files.append(QJsonObject{{QStringLiteral("path"), f.path},
                                     {QStringLiteral("language"), f.language},
                                     {QStringLiteral("encoding"), f.encoding},
                                     {QStringLiteral("crlf"), f.crlf},
                                     {QStringLiteral("bytes"), f.bytes},
                                     {QStringLiteral("lines"), f.lines}});
        o.insert(QStringLiteral("files"), files);
    }
    if (doc.skipped.total() > 0) {
        QJsonObject skipped;
        for (auto it = doc.skipped.counts.begin(); it != doc.skipped.counts.end(); ++it)
            skipped.insert(
                it.key(),
                QJsonObject{{QStringLiteral("count"), it.value()},
                            {QStringLiteral("examples"),
                             QJsonArray::fromStringList(doc.skipped.examples.value(it.key()))}});
        o.insert(QStringLiteral("skipped"), skipped);
    }
    if (withSegments) {
        QJsonArray segments;
        for (const Segment& s : doc.segments)
            segments.append(segmentToJson(s));
        o.insert(QStringLiteral("segments"), segments);
    }
    return o;
}

} // namespace lv::ingest
