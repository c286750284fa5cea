#include "ingest/pdf/TesseractOcr.h"

#include <QDir>
#include <QHash>
#include <QMutex>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryFile>

namespace lv::ingest {

namespace {

struct Probe {
    QString program;
    bool available = false;
    QString reason;
};

Probe probe(const QString& requested, const QString& languages) {
    Probe p;
    p.program = requested.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("tesseract"))
                                    : requested;
    if (p.program.isEmpty()) {
        p.reason = QStringLiteral("tesseract is not installed (Debian: apt-get install "
                                  "tesseract-ocr tesseract-ocr-eng)");
        return p;
    }
    QProcess proc;
    proc.start(p.program, {QStringLiteral("--list-langs")});
    if (!proc.waitForFinished(30000) || proc.exitStatus() != QProcess::NormalExit ||
        proc.exitCode() != 0) {
        p.reason = p.program + QStringLiteral(" --list-langs failed");
        return p;
    }
    const QString listed =
        QString::fromUtf8(proc.readAllStandardOutput() + proc.readAllStandardError());
    const QStringList installed = listed.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString& lang : languages.split(QLatin1Char('+'), Qt::SkipEmptyParts)) {
        bool found = false;
        for (const QString& line : installed)
            if (line.trimmed() == lang) found = true;
        if (!found) {
            p.reason =
                QStringLiteral("tesseract has no '%1' language data (Debian: apt-get install "
                               "tesseract-ocr-%1)")
                    .arg(lang);
            return p;
        }
    }
    p.available = true;
    return p;
}

} // namespace

TesseractOcr::TesseractOcr(const IngestOptions& options) : languages_(options.ocrLanguages) {
    static QMutex mutex;
    static QHash<QString, Probe> cache;
    const QString key = options.tesseractPath + QLatin1Char('\n') + options.ocrLanguages;
    QMutexLocker lock(&mutex);
    auto it = cache.find(key);
    if (it == cache.end())
        it = cache.insert(key, probe(options.tesseractPath, options.ocrLanguages));
    program_ = it->program;
    available_ = it->available;
    reason_ = it->reason;
}

std::vector<TextWord> TesseractOcr::parseTsv(const QByteArray& tsv, double dpi) {
    std::vector<TextWord> words;
    const double scale = 72.0 / dpi;
    const QList<QByteArray> rows = tsv.split('\n');
    for (const QByteArray& row : rows) {
        const QList<QByteArray> f = row.split('\t');
        // level page block par line word left top width height conf text
        if (f.size() < 12 || f[0] != "5") continue;
        const QString text = QString::fromUtf8(f[11]).trimmed();
        if (text.isEmpty()) continue;
        const double left = f[6].toDouble(), top = f[7].toDouble();
        const double width = f[8].toDouble(), height = f[9].toDouble();
        words.push_back(
            {text, QRectF(left * scale, top * scale, width * scale, height * scale), true});
    }
    return words;
}

std::optional<std::vector<TextWord>> TesseractOcr::recognise(const QImage& page, double dpi,
                                                             const std::stop_token& stop,
                                                             QString* error) const {
    if (!available_) {
        *error = reason_;
        return std::nullopt;
    }
    QTemporaryFile png(QDir::tempPath() + QStringLiteral("/longview-ocr-XXXXXX.png"));
    if (!png.open() || !page.save(&png, "PNG")) {
        *error = QStringLiteral("cannot write a temporary image for OCR in ") + QDir::tempPath();
        return std::nullopt;
    }
    png.close();
    QProcess proc;
    // Pages may be recognised on several threads at once: one core each.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("OMP_THREAD_LIMIT"), QStringLiteral("1"));
    proc.setProcessEnvironment(env);
    proc.start(program_, {png.fileName(), QStringLiteral("stdout"), QStringLiteral("-l"),
                          languages_, QStringLiteral("--dpi"),
                          QString::number(static_cast<int>(dpi)), QStringLiteral("tsv")});
    if (!proc.waitForStarted(30000)) {
        *error = program_ + QStringLiteral(" did not start: ") + proc.errorString();
        return std::nullopt;
    }
    QByteArray out;
    while (!proc.waitForFinished(100)) {
        out += proc.readAllStandardOutput();
        if (stop.stop_requested()) {
            proc.kill();
            proc.waitForFinished(5000);
            *error = QStringLiteral("cancelled");
            return std::nullopt;
        }
        if (proc.state() == QProcess::NotRunning) break;
    }
    out += proc.readAllStandardOutput();
    if (proc.exitStatus() != QProcess::NormalExit || proc.exitCode() != 0) {
        *error = program_ + QStringLiteral(" failed: ") +
                 QString::fromUtf8(proc.readAllStandardError()).simplified().left(200);
        return std::nullopt;
    }
    return parseTsv(out, dpi);
}

} // namespace lv::ingest
