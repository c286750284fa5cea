#include "ingest/pdf/PdfIngester.h"

#include "ingest/IngestErrors.h"
#include "ingest/pdf/PageExtraction.h"
#include "ingest/pdf/PdfAssembly.h"
#include "ingest/pdf/PopplerDocument.h"
#include "ingest/pdf/PopplerMessages.h"
#include "ingest/pdf/TesseractOcr.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>

namespace lv::ingest {

namespace {

int threadCount(const IngestOptions& options, int pages) {
    int threads = options.threads > 0 ? options.threads : std::min(4, QThread::idealThreadCount());
    // Each thread opens the document again and parses its fonts again: worth
    // it from a few dozen pages per thread on.
    return std::clamp(std::min(threads, pages / 24), 1, 64);
}

// What the extraction threads share with the thread that reports progress.
struct Extraction {
    const QString& path;
    const IngestOptions& options;
    const TesseractOcr* ocr;
    std::stop_token stop;
    std::vector<PageResult> results;
    std::vector<char> ready;
    std::atomic<int> next{0};
    std::mutex mutex;
    std::condition_variable changed;
    std::exception_ptr error;
    bool reconstructed = false;
    QStringList popplerMessages;

    Extraction(const QString& p, const IngestOptions& o, const TesseractOcr* t, std::stop_token s,
               int n)
        : path(p), options(o), ocr(t), stop(std::move(s)), results(n), ready(n, 0) {}

    bool stopping() {
        std::lock_guard lock(mutex);
        return error != nullptr || stop.stop_requested();
    }

    // Extracts pages until none are left; `pdf` is this thread's own document.
    void work(const PopplerDocument& pdf) {
        const int n = static_cast<int>(results.size());
        while (!stopping()) {
            const int i = next.fetch_add(1);
            if (i >= n) break;
            PageResult r = extractPage(pdf, i, ocr, options, stop);
            {
                std::lock_guard lock(mutex);
                results[i] = std::move(r);
                ready[i] = 1;
            }
            changed.notify_all();
        }
    }

    void finishThread(const PopplerDocument& pdf, const PopplerMessageCapture& capture) {
        std::lock_guard lock(mutex);
        reconstructed = reconstructed || pdf.wasReconstructed();
        for (const QString& m : capture.messages())
            if (!popplerMessages.contains(m)) popplerMessages.append(m);
    }

    void fail(std::exception_ptr e) {
        {
            std::lock_guard lock(mutex);
            if (!error) error = std::move(e);
        }
        changed.notify_all();
    }
};

void reportInOrder(Extraction& ex, const IngestProgressCallback& progress) {
    const int n = static_cast<int>(ex.results.size());
    for (int i = 0; i < n; ++i) {
        QString label;
        {
            std::unique_lock lock(ex.mutex);
            ex.changed.wait_for(lock, std::chrono::milliseconds(50), [&] {
                return ex.ready[i] || ex.error || ex.stop.stop_requested();
            });
            if (ex.error || ex.stop.stop_requested()) return;
            if (!ex.ready[i]) {
                --i; // woke up to look at the stop token; wait again
                continue;
            }
            label = ex.results[i].label;
        }
        if (progress) progress({IngestProgress::Stage::Page, i + 1, n, label});
    }
}

QString fileSha256(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw SourceUnreadableError(path, QStringLiteral("cannot read: ") + file.errorString());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return QString::fromLatin1(hash.result().toHex());
}

void summarisePageWarnings(Document& doc, const std::vector<PageResult>& pages) {
    constexpr int kShown = 10;
    int count = 0;
    for (const PageResult& p : pages) {
        if (p.warning.isEmpty()) continue;
        if (count < kShown)
            doc.warnings.append(QFileInfo(doc.sourcePath).fileName() + QStringLiteral(": ") +
                                p.warning);
        ++count;
    }
    if (count > kShown)
        doc.warnings.append(
            QStringLiteral("%1: ... and %2 more pages with the same kind of problem")
                .arg(QFileInfo(doc.sourcePath).fileName())
                .arg(count - kShown));
}

// The first page's largest text, where it stands out from the rest of the page (a title
// page's title, with the lines of the same size right after it): the title a reader
// sees, even where the document also runs it as its header on every page. Empty where no
// line stands out.
QString largestTextOnFirstPage(const std::vector<PageResult>& pages) {
    for (const PageResult& page : pages) {
        if (page.index > 1) break;
        if (page.lines.empty()) continue;
        std::vector<double> sizes;
        for (const TextLine& l : page.lines)
            sizes.push_back(l.fontSize);
        std::nth_element(sizes.begin(), sizes.begin() + long(sizes.size() / 2), sizes.end());
        const double body = sizes[sizes.size() / 2];
        std::size_t best = 0;
        for (std::size_t i = 1; i < page.lines.size(); ++i)
            if (page.lines[i].fontSize > page.lines[best].fontSize) best = i;
        const double size = page.lines[best].fontSize;
        if (size < 1.3 * body || page.lines.size() < 2) return {};
        QString title = page.lines[best].text.simplified();
        for (std::size_t i = best + 1; i < page.lines.size() && i < best + 3; ++i) {
            if (std::abs(page.lines[i].fontSize - size) > 0.05 * size) break;
            title += QLatin1Char(' ') + page.lines[i].text.simplified();
        }
        const bool letters =
            std::any_of(title.begin(), title.end(), [](QChar c) { return c.isLetter(); });
        return letters && title.size() >= 3 && title.size() <= 160 ? title : QString();
    }
    return {};
}

} // namespace

Document ingestPdf(const QString& path, const IngestOptions& options,
                   const IngestProgressCallback& progress, std::stop_token stop) {
    PopplerMessageCapture capture;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    Document doc;
    doc.kind = DocumentKind::Pdf;
    doc.sourcePath = absolute;
    doc.contentHash = fileSha256(path);

    auto main = std::make_unique<PopplerDocument>(path, options.password);
    main->readMetadata(doc);
    const int n = main->pageCount();
    if (n <= 0) throw CorruptPdfError(path, QStringLiteral("damaged PDF: no page could be found"));
    const std::vector<OutlineEntry> outline = main->outline();

    std::unique_ptr<TesseractOcr> ocr;
    if (options.ocr == OcrMode::Auto) ocr = std::make_unique<TesseractOcr>(options);

    Extraction ex(path, options, ocr.get(), stop, n);
    const int threads = threadCount(options, n);
    if (threads == 1) {
        for (int i = 0; i < n; ++i) {
            if (stop.stop_requested()) break;
            ex.results[i] = extractPage(*main, i, ocr.get(), options, stop);
            if (progress) progress({IngestProgress::Stage::Page, i + 1, n, ex.results[i].label});
        }
        ex.finishThread(*main, capture);
    } else {
        std::vector<std::unique_ptr<QThread>> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back(QThread::create([&ex, &main, t] {
                try {
                    PopplerMessageCapture threadCapture;
                    if (t == 0) {
                        ex.work(*main);
                        ex.finishThread(*main, threadCapture);
                    } else {
                        const std::unique_ptr<PopplerDocument> own = main->reopen();
                        ex.work(*own);
                        ex.finishThread(*own, threadCapture);
                    }
                } catch (...) {
                    ex.fail(std::current_exception());
                }
            }));
            workers.back()->start();
        }
        try {
            reportInOrder(ex, progress);
        } catch (...) {
            // The caller's callback threw: stop the workers before unwinding.
            ex.fail(std::current_exception());
            for (auto& w : workers)
                w->wait();
            throw;
        }
        for (auto& w : workers)
            w->wait();
        if (ex.error) std::rethrow_exception(ex.error);
    }
    if (stop.stop_requested()) throw IngestCancelled(path);

    int unreadable = 0;
    for (const PageResult& p : ex.results)
        if (!p.loaded) ++unreadable;
    if (unreadable == n)
        throw CorruptPdfError(
            path, QStringLiteral("damaged PDF: none of its %1 pages could be read").arg(n));
    if (ex.reconstructed || main->wasReconstructed()) {
        QString warning =
            QFileInfo(path).fileName() +
            QStringLiteral(": damaged PDF: Poppler rebuilt its cross-reference table; "
                           "%1 of %2 pages recovered")
                .arg(n - unreadable)
                .arg(n);
        if (!ex.popplerMessages.isEmpty())
            warning +=
                QStringLiteral(" (Poppler: ") + ex.popplerMessages.front() + QLatin1Char(')');
        doc.warnings.append(warning);
    }
    summarisePageWarnings(doc, ex.results);
    assemblePdf(doc, ex.results, outline);

    if (doc.title.isEmpty()) doc.title = largestTextOnFirstPage(ex.results);
    if (doc.title.isEmpty()) {
        for (const Segment& s : doc.segments) {
            if (s.pageIndex > 1) break;
            if (s.role == SegmentRole::Heading && s.text.size() <= 120) {
                doc.title = s.text.simplified();
                break;
            }
        }
    }
    if (doc.title.isEmpty()) doc.title = QFileInfo(path).completeBaseName();
    if (progress) progress({IngestProgress::Stage::Done, n, n, QString()});
    return doc;
}

} // namespace lv::ingest
