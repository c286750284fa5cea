#include "ingest/code/CodebaseIngester.h"

#include "ingest/IngestErrors.h"
#include "ingest/code/FileFilter.h"
#include "ingest/code/Language.h"
#include "ingest/code/ReadingOrder.h"
#include "ingest/code/SourceTreeHash.h"
#include "ingest/code/SourceTreeListing.h"
#include "ingest/text/LineSegmenter.h"
#include "ingest/text/TextDecoding.h"

#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace lv::ingest {

namespace {

// One listed file, read or not: what both ingest and hashing need to know.
struct ListedFile {
    QString skipReason; // empty: read and kept so far
    QByteArray bytes;
    qint64 size = 0;
    QString problem; // for kUnreadable
};

ListedFile readListed(const QString& root, const QString& rel, const IngestOptions& options,
                      SourceTreeHasher& hasher, bool* listed) {
    ListedFile f;
    const QFileInfo info(root + QLatin1Char('/') + rel);
    *listed = true;
    if (info.isSymLink()) {
        hasher.addContent(rel, QByteArray("link:") + info.symLinkTarget().toUtf8());
        f.skipReason = skip::kSymlink;
        return f;
    }
    if (!info.exists() || !info.isFile()) {
        // Tracked but deleted, or a submodule: nothing to read, nothing to hash.
        *listed = false;
        return f;
    }
    f.size = info.size();
    if (f.size > options.maxFileBytes) {
        hasher.addUnread(rel, f.size);
        f.skipReason = skip::kTooLarge;
        return f;
    }
    if (hasBinaryExtension(rel)) {
        hasher.addUnread(rel, f.size);
        f.skipReason = skip::kBinary;
        return f;
    }
    QFile file(info.filePath());
    if (!file.open(QIODevice::ReadOnly)) {
        hasher.addUnread(rel, f.size);
        f.skipReason = skip::kUnreadable;
        f.problem = file.errorString();
        return f;
    }
    f.bytes = file.readAll();
    hasher.addContent(rel, f.bytes);
    if (looksBinary(f.bytes))
        f.skipReason = skip::kBinary;
    else if (looksGenerated(rel, f.bytes))
        f.skipReason = skip::kGenerated;
    else if (looksMinified(rel, f.bytes))
        f.skipReason = skip::kMinified;
    return f;
}

struct ReadFile {
    FileInfo info;
    QString text;
    QString orderKey;
};

} // namespace

Document ingestCodebase(const QString& root, const IngestOptions& options,
                        const IngestProgressCallback& progress, std::stop_token stop) {
    if (progress) progress({IngestProgress::Stage::Listing, 0, 0, root});
    SourceListing listing = listSourceTree(root, options, stop);

    Document doc;
    doc.kind = DocumentKind::Codebase;
    doc.sourcePath = listing.root;
    doc.title = QFileInfo(listing.root).fileName();
    doc.skipped = listing.skipped;

    SourceTreeHasher hasher;
    std::vector<ReadFile> files;
    const int total = static_cast<int>(listing.files.size());
    qint64 totalBytes = 0;
    for (int i = 0; i < total; ++i) {
        if (stop.stop_requested()) throw IngestCancelled(listing.root);
        const QString& rel = listing.files[i];
        bool listed = false;
        ListedFile f = readListed(listing.root, rel, options, hasher, &listed);
        if (progress) progress({IngestProgress::Stage::File, i + 1, total, rel});
        if (!listed) continue;
        if (!f.skipReason.isEmpty()) {
            doc.skipped.add(f.skipReason, rel);
            if (f.skipReason == skip::kUnreadable)
                doc.warnings.append(rel + QStringLiteral(": unreadable (") + f.problem +
                                    QStringLiteral("), skipped"));
            continue;
        }
        DecodedText decoded = decodeText(f.bytes);
        ReadFile r;
        r.info.path = rel;
        r.info.language = languageOf(
            rel, QByteArrayView(f.bytes).first(std::min<qsizetype>(f.bytes.size(), 256)));
        r.info.encoding = decoded.encoding;
        r.info.crlf = decoded.crlf;
        r.info.bytes = f.size;
        if (decoded.legacy())
            doc.warnings.append(rel + QStringLiteral(": not UTF-8, decoded as ") +
                                decoded.encoding);
        r.text = std::move(decoded.text);
        r.orderKey = readingOrderKey(rel, r.info.language);
        totalBytes += f.size;
        files.push_back(std::move(r));
    }
    doc.contentHash = hasher.hexDigest();

    std::sort(files.begin(), files.end(),
              [](const ReadFile& a, const ReadFile& b) { return a.orderKey < b.orderKey; });
    QMap<QString, int> languages;
    for (ReadFile& f : files) {
        const QStringList lines = splitLines(f.text);
        f.info.lines = static_cast<int>(lines.size());
        std::vector<Segment> segments =
            segmentLines(lines, lineFormatOf(f.info.language), f.info.path, {f.info.path});
        std::move(segments.begin(), segments.end(), std::back_inserter(doc.segments));
        ++languages[f.info.language];
        f.text.clear();
        doc.files.push_back(std::move(f.info));
    }

    QStringList languageSummary;
    for (auto it = languages.begin(); it != languages.end(); ++it)
        languageSummary.append(it.key() + QLatin1Char(' ') + QString::number(it.value()));
    doc.metadata.extra.insert(QStringLiteral("listing"), listing.method);
    if (!listing.gitHead.isEmpty())
        doc.metadata.extra.insert(QStringLiteral("git.head"), listing.gitHead);
    doc.metadata.extra.insert(QStringLiteral("files"), QString::number(doc.files.size()));
    doc.metadata.extra.insert(QStringLiteral("bytes"), QString::number(totalBytes));
    doc.metadata.extra.insert(QStringLiteral("languages"),
                              languageSummary.join(QStringLiteral(", ")));
    if (doc.files.empty())
        doc.warnings.append(listing.root + QStringLiteral(": no readable text files"));
    if (progress) progress({IngestProgress::Stage::Done, total, total, listing.root});
    return doc;
}

QString codebaseContentHash(const QString& root, const IngestOptions& options,
                            std::stop_token stop) {
    const SourceListing listing = listSourceTree(root, options, stop);
    SourceTreeHasher hasher;
    for (const QString& rel : listing.files) {
        if (stop.stop_requested()) throw IngestCancelled(listing.root);
        bool listed = false;
        readListed(listing.root, rel, options, hasher, &listed);
    }
    return hasher.hexDigest();
}

} // namespace lv::ingest
