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
#include <QThread>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>

namespace lv::ingest {

namespace {

// One listed file after reading (or not): what the hash, the skip report and
// the document need. Computed on any thread; consumed in listing order.
struct ProcessedFile {
    bool listed = true; // false: tracked but deleted, or a submodule
    QString skipReason; // empty: kept
    QString problem;    // why kUnreadable; else what decoding found (DecodedText::problem)
    qint64 size = 0;
    QByteArray digest; // SHA-256 of the bytes read; empty: unread
    // Kept files only:
    FileInfo info;
    QString orderKey;
    std::vector<Segment> segments;
};

ProcessedFile processFile(const QString& root, const QString& rel, const IngestOptions& options,
                          bool decode) {
    ProcessedFile f;
    const QFileInfo info(root + QLatin1Char('/') + rel);
    if (info.isSymLink()) {
        const QByteArray link = QByteArray("link:") + info.symLinkTarget().toUtf8();
        f.size = link.size();
        f.digest = SourceTreeHasher::fileDigest(link);
        f.skipReason = skip::kSymlink;
        return f;
    }
    if (!info.exists() || !info.isFile()) {
        f.listed = false;
        return f;
    }
    f.size = info.size();
    if (f.size > options.maxFileBytes) {
        f.skipReason = skip::kTooLarge;
        return f;
    }
    if (hasBinaryExtension(rel)) {
        f.skipReason = skip::kBinary;
        return f;
    }
    QFile file(info.filePath());
    if (!file.open(QIODevice::ReadOnly)) {
        f.skipReason = skip::kUnreadable;
        f.problem = file.errorString();
        return f;
    }
    const QByteArray bytes = file.readAll();
    f.size = bytes.size();
    f.digest = SourceTreeHasher::fileDigest(bytes);
    if (looksBinary(bytes))
        f.skipReason = skip::kBinary;
    else if (looksGenerated(rel, bytes))
        f.skipReason = skip::kGenerated;
    else if (looksMinified(rel, bytes))
        f.skipReason = skip::kMinified;
    if (!f.skipReason.isEmpty() || !decode) return f;

    DecodedText decoded = decodeText(bytes);
    f.info.path = rel;
    f.info.language =
        languageOf(rel, QByteArrayView(bytes).first(std::min<qsizetype>(bytes.size(), 256)));
    f.info.encoding = decoded.encoding;
    f.problem = decoded.problem();
    f.info.crlf = decoded.crlf;
    f.info.bytes = f.size;
    const QStringList lines = splitLines(decoded.text);
    f.info.lines = static_cast<int>(lines.size());
    f.orderKey = readingOrderKey(rel, f.info.language);
    f.segments = segmentLines(lines, lineFormatOf(f.info.language), rel, {rel});
    return f;
}

void addToHash(SourceTreeHasher& hasher, const QString& rel, const ProcessedFile& f) {
    if (!f.listed) return;
    if (f.digest.isEmpty())
        hasher.addUnread(rel, f.size);
    else
        hasher.addContent(rel, f.size, f.digest);
}

int threadCount(const IngestOptions& options, int files) {
    const int threads =
        options.threads > 0 ? options.threads : std::min(4, QThread::idealThreadCount());
    // Small trees are read faster than threads start.
    return std::clamp(std::min(threads, files / 64), 1, 64);
}

// Runs processFile() over the listing on several threads and hands the
// results to `consume` in listing order, on the calling thread.
template <typename Consume>
void processTree(const SourceListing& listing, const IngestOptions& options, bool decode,
                 const std::stop_token& stop, Consume&& consume) {
    const int n = static_cast<int>(listing.files.size());
    const int threads = threadCount(options, n);
    if (threads == 1) {
        for (int i = 0; i < n; ++i) {
            if (stop.stop_requested()) throw IngestCancelled(listing.root);
            consume(i, processFile(listing.root, listing.files[i], options, decode));
        }
        return;
    }
    std::vector<ProcessedFile> results(n);
    std::vector<char> ready(n, 0);
    std::atomic<int> next{0};
    std::atomic<bool> abandon{false};
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::unique_ptr<QThread>> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back(QThread::create([&] {
            while (!abandon && !stop.stop_requested()) {
                const int i = next.fetch_add(1);
                if (i >= n) break;
                ProcessedFile f;
                try {
                    f = processFile(listing.root, listing.files[i], options, decode);
                } catch (...) {
                    f.skipReason = skip::kUnreadable; // out of memory on one file: skip it
                    f.problem = QStringLiteral("could not be processed");
                }
                {
                    std::lock_guard lock(mutex);
                    results[i] = std::move(f);
                    ready[i] = 1;
                }
                changed.notify_all();
            }
        }));
        workers.back()->start();
    }
    auto joinAll = [&] {
        abandon = true;
        for (auto& w : workers)
            w->wait();
    };
    try {
        for (int i = 0; i < n; ++i) {
            {
                std::unique_lock lock(mutex);
                while (!ready[i] && !stop.stop_requested())
                    changed.wait_for(lock, std::chrono::milliseconds(50));
            }
            if (stop.stop_requested()) throw IngestCancelled(listing.root);
            ProcessedFile f = std::move(results[i]);
            consume(i, std::move(f));
        }
    } catch (...) {
        joinAll();
        throw;
    }
    joinAll();
}

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
    std::vector<ProcessedFile> kept;
    const int total = static_cast<int>(listing.files.size());
    qint64 totalBytes = 0;
    processTree(listing, options, true, stop, [&](int i, ProcessedFile f) {
        const QString& rel = listing.files[i];
        addToHash(hasher, rel, f);
        if (progress) progress({IngestProgress::Stage::File, i + 1, total, rel});
        if (!f.listed) return;
        if (!f.skipReason.isEmpty()) {
            doc.skipped.add(f.skipReason, rel);
            if (f.skipReason == skip::kUnreadable)
                doc.warnings.append(rel + QStringLiteral(": unreadable (") + f.problem +
                                    QStringLiteral("), skipped"));
            return;
        }
        if (!f.problem.isEmpty()) doc.warnings.append(rel + QStringLiteral(": ") + f.problem);
        totalBytes += f.size;
        kept.push_back(std::move(f));
    });
    doc.contentHash = hasher.hexDigest();

    std::stable_sort(kept.begin(), kept.end(), [](const ProcessedFile& a, const ProcessedFile& b) {
        return a.orderKey < b.orderKey;
    });
    QMap<QString, int> languages;
    for (ProcessedFile& f : kept) {
        std::move(f.segments.begin(), f.segments.end(), std::back_inserter(doc.segments));
        ++languages[f.info.language];
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
    processTree(listing, options, false, stop,
                [&](int i, const ProcessedFile& f) { addToHash(hasher, listing.files[i], f); });
    return hasher.hexDigest();
}

} // namespace lv::ingest
