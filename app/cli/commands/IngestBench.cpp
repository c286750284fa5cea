#include "cli/commands/IngestBench.h"

#include "ingest/Ingest.h"
#include "ingest/ModelText.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>

#include <sys/resource.h>

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace lv::cli {

namespace {

struct Run {
    QString tool;
    int threads = 1;
    double seconds = 0;    // wall clock, best run
    double cpuSeconds = 0; // user + system of that run, all threads
};

double cpuSeconds(int who) {
    rusage r{};
    getrusage(who, &r);
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

// Wall and CPU seconds of the fastest of `repeat` runs; `who` is RUSAGE_SELF,
// or RUSAGE_CHILDREN for work done by a child process.
template <typename F> std::pair<double, double> best(int repeat, int who, F&& f) {
    double wall = 1e300, cpu = 0;
    for (int i = 0; i < repeat; ++i) {
        const double cpu0 = cpuSeconds(who);
        QElapsedTimer t;
        t.start();
        f();
        const double w = static_cast<double>(t.nsecsElapsed()) / 1e9;
        if (w < wall) {
            wall = w;
            cpu = cpuSeconds(who) - cpu0;
        }
    }
    return {wall, cpu};
}

// Peak resident memory of this process so far, in MiB (Linux), or -1.
double peakRssMiB() {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').front().toDouble() / 1024.0;
    return -1;
}

std::string fixed(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

int benchPdf(const QString& path, const Invocation& inv, int repeat, CommandIo& io) {
    std::vector<int> threadCounts;
    if (inv.has("threads")) {
        threadCounts = {static_cast<int>(inv.intIn("threads", 1, 1, 64))};
    } else {
        threadCounts = {1};
        const int cores = std::min(4, QThread::idealThreadCount());
        if (cores > 1) threadCounts.push_back(cores);
    }
    int pages = 0;
    qsizetype characters = 0;
    std::vector<Run> runs;
    for (int threads : threadCounts) {
        ingest::IngestOptions options;
        options.ocr = ingest::OcrMode::Off; // OCR time is tesseract's, not extraction's
        options.threads = threads;
        const auto [wall, cpu] = best(repeat, RUSAGE_SELF, [&] {
            const ingest::Document doc = ingest::ingestPath(path, options);
            const QString text = ingest::modelText(doc);
            pages = static_cast<int>(doc.pages.size());
            characters = text.size();
        });
        runs.push_back({QStringLiteral("longview"), threads, wall, cpu});
    }
    const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
    if (!pdftotext.isEmpty()) {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("out.txt"));
        bool ok = true;
        const auto [wall, cpu] = best(repeat, RUSAGE_CHILDREN, [&] {
            ok = ok && QProcess::execute(pdftotext, {path, out}) == 0;
        });
        if (ok) runs.push_back({QStringLiteral("pdftotext"), 1, wall, cpu});
    }
    const double reference =
        runs.back().tool == QLatin1String("pdftotext") ? runs.back().seconds : 0;
    if (inv.json) {
        QJsonArray rows;
        for (const Run& r : runs)
            rows.append(QJsonObject{{QStringLiteral("tool"), r.tool},
                                    {QStringLiteral("threads"), r.threads},
                                    {QStringLiteral("seconds"), r.seconds},
                                    {QStringLiteral("cpuSeconds"), r.cpuSeconds},
                                    {QStringLiteral("pagesPerSecond"), pages / r.seconds}});
        const QJsonObject o{{QStringLiteral("file"), path},
                            {QStringLiteral("pages"), pages},
                            {QStringLiteral("characters"), static_cast<qint64>(characters)},
                            {QStringLiteral("peakRssMiB"), peakRssMiB()},
                            {QStringLiteral("runs"), rows}};
        io.out << QJsonDocument(o).toJson(QJsonDocument::Indented).toStdString();
        return 0;
    }
    io.out << "ingest bench: " << path.toStdString() << ", " << pages << " pages, " << characters
           << " characters of model text, best of " << repeat << "\n";
    io.out << "tool        threads   seconds   pages/s   vs pdftotext   cpu s   pages/cpu s\n";
    for (const Run& r : runs) {
        io.out << std::left << std::setw(12) << r.tool.toStdString() << std::setw(10) << r.threads
               << std::setw(10) << fixed(r.seconds, 3) << std::setw(10)
               << fixed(pages / r.seconds, 1) << std::setw(15)
               << (reference > 0 ? fixed(reference / r.seconds, 2) + "x" : std::string("-"))
               << std::setw(8) << fixed(r.cpuSeconds, 2) << fixed(pages / r.cpuSeconds, 1) << "\n";
    }
    if (pdftotext.isEmpty()) io.out << "(pdftotext not installed: no comparison)\n";
    io.out << "peak RSS " << fixed(peakRssMiB(), 1) << " MiB\n";
    return 0;
}

int benchTree(const QString& path, const Invocation& inv, int repeat, CommandIo& io) {
    qint64 bytes = 0;
    int files = 0, segments = 0, skipped = 0;
    QString method;
    ingest::IngestOptions options;
    if (inv.has("threads")) options.threads = static_cast<int>(inv.intIn("threads", 0, 1, 64));
    const auto [s, cpu] = best(repeat, RUSAGE_SELF, [&] {
        const ingest::Document doc = ingest::ingestPath(path, options);
        bytes = 0;
        for (const auto& f : doc.files)
            bytes += f.bytes;
        files = static_cast<int>(doc.files.size());
        segments = static_cast<int>(doc.segments.size());
        skipped = doc.skipped.total();
        method = doc.metadata.extra.value(QStringLiteral("listing"));
    });
    const double mb = static_cast<double>(bytes) / 1e6;
    if (inv.json) {
        const QJsonObject o{
            {QStringLiteral("path"), path},       {QStringLiteral("files"), files},
            {QStringLiteral("skipped"), skipped}, {QStringLiteral("segments"), segments},
            {QStringLiteral("megabytes"), mb},    {QStringLiteral("seconds"), s},
            {QStringLiteral("cpuSeconds"), cpu},  {QStringLiteral("megabytesPerSecond"), mb / s},
            {QStringLiteral("listing"), method},  {QStringLiteral("peakRssMiB"), peakRssMiB()}};
        io.out << QJsonDocument(o).toJson(QJsonDocument::Indented).toStdString();
        return 0;
    }
    io.out << "ingest bench: " << path.toStdString() << " (" << method.toStdString()
           << "), best of " << repeat << "\n"
           << files << " files read (" << skipped << " skipped), " << fixed(mb, 1) << " MB, "
           << segments << " segments in " << fixed(s, 3) << " s: " << fixed(mb / s, 1) << " MB/s, "
           << fixed(files / s, 0) << " files/s (" << fixed(cpu, 2) << " s of CPU)\n"
           << "peak RSS " << fixed(peakRssMiB(), 1) << " MiB\n";
    return 0;
}

} // namespace

int runIngestBench(const Invocation& inv, CommandIo& io) {
    std::string target = inv.valueOr("ingest", "");
    if (target.empty() && !inv.positional.empty()) target = inv.positional.front();
    if (target.empty()) throw UsageError("bench --ingest needs a PDF or a folder");
    const long long repeat = inv.intIn("repeat", 3, 1, 100);
    const QString path = QString::fromStdString(target);
    if (ingest::detectKind(path) == ingest::DocumentKind::Pdf)
        return benchPdf(path, inv, static_cast<int>(repeat), io);
    return benchTree(path, inv, static_cast<int>(repeat), io);
}

} // namespace lv::cli
