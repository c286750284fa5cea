// PDFs found on this machine (documentation under /usr/share/doc, or the files
// listed in LONGVIEW_REALWORLD_PDFS, separated by ':') against poppler-utils:
// the page count equals pdfinfo's, and at least 98% of pdftotext's words
// appear, in order, in Longview's text of each page.

#include "ingest/Ingest.h"
#include "ingest/ModelText.h"

#include <QDirIterator>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QtTest>

using namespace lv::ingest;

namespace {

QStringList candidatePdfs() {
    QStringList out;
    const QString listed = qEnvironmentVariable("LONGVIEW_REALWORLD_PDFS");
    if (!listed.isEmpty()) return listed.split(QLatin1Char(':'), Qt::SkipEmptyParts);
    QDirIterator it(QStringLiteral("/usr/share/doc"), {QStringLiteral("*.pdf")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext() && out.size() < 6) {
        const QString path = it.next();
        if (QFileInfo(path).size() < 50 * 1024 * 1024) out << path;
    }
    out.sort();
    return out;
}

QString run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(120000) || p.exitCode() != 0) return {};
    return QString::fromUtf8(p.readAllStandardOutput());
}

// Words compared without punctuation and case; ligatures and other
// compatibility forms folded; words broken at a line end joined again.
QStringList words(const QString& text) {
    const QStringList raw =
        text.normalized(QString::NormalizationForm_KC)
            .split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    QStringList out;
    for (qsizetype i = 0; i < raw.size(); ++i) {
        QString w = raw[i];
        while (w.endsWith(QLatin1Char('-')) && w.size() > 1 && w[w.size() - 2].isLetter() &&
               i + 1 < raw.size() && !raw[i + 1].isEmpty() && raw[i + 1].front().isLower()) {
            w.chop(1);
            w += raw[++i];
        }
        QString bare;
        for (QChar c : w)
            if (c.isLetterOrNumber()) bare += c.toLower();
        if (!bare.isEmpty()) out << bare;
    }
    return out;
}

// Length of the longest common subsequence.
int commonInOrder(const QStringList& a, const QStringList& b) {
    std::vector<int> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        for (qsizetype j = 1; j <= b.size(); ++j)
            cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

} // namespace

class IngestPdfRealWorldTest : public QObject {
    Q_OBJECT

private slots:
    void matchesPopplerUtils_data() {
        QTest::addColumn<QString>("pdf");
        const QStringList pdfs = candidatePdfs();
        for (const QString& pdf : pdfs)
            QTest::newRow(qPrintable(QFileInfo(pdf).fileName())) << pdf;
        if (pdfs.isEmpty()) QTest::newRow("none") << QString();
    }

    void matchesPopplerUtils() {
        QFETCH(QString, pdf);
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
        const QString pdfinfo = QStandardPaths::findExecutable("pdfinfo");
        if (pdftotext.isEmpty() || pdfinfo.isEmpty())
            QSKIP("poppler-utils (pdftotext, pdfinfo) is not installed");
        if (pdf.isEmpty())
            QSKIP("no PDF under /usr/share/doc; set LONGVIEW_REALWORLD_PDFS=a.pdf:b.pdf");

        const QString info = run(pdfinfo, {pdf});
        const auto pagesLine = QRegularExpression(QStringLiteral("^Pages:\\s+(\\d+)"),
                                                  QRegularExpression::MultilineOption)
                                   .match(info);
        QVERIFY2(pagesLine.hasMatch(), qPrintable(info));
        if (info.contains(QRegularExpression(QStringLiteral("^Encrypted:\\s+yes"),
                                             QRegularExpression::MultilineOption)))
            QSKIP("encrypted");
        const int pages = pagesLine.captured(1).toInt();

        IngestOptions options;
        options.ocr = OcrMode::Off; // pdftotext does not OCR either
        const Document doc = ingestPath(pdf, options);
        QCOMPARE(static_cast<int>(doc.pages.size()), pages);
        QCOMPARE(doc.metadata.pageCount, pages);

        // The displayed text (headers and footers included, as pdftotext has them).
        ModelTextOptions display;
        display.includeMarginals = true;
        const QStringList ours = modelText(doc, display).split(QLatin1Char('\f'));
        const QStringList theirs =
            run(pdftotext, {pdf, QStringLiteral("-")}).split(QLatin1Char('\f'));
        QVERIFY(theirs.size() >= pages);
        qint64 total = 0, matched = 0;
        for (int p = 0; p < pages; ++p) {
            const QStringList reference = words(theirs[p]);
            total += reference.size();
            matched += commonInOrder(reference, words(ours[p]));
        }
        const double ratio =
            total ? static_cast<double>(matched) / static_cast<double>(total) : 1.0;
        qInfo("%s: %d pages, %lld of %lld pdftotext words in order (%.2f%%)", qPrintable(pdf),
              pages, matched, total, 100.0 * ratio);
        QVERIFY2(total > 0, "pdftotext found no words");
        QVERIFY2(ratio >= 0.98, qPrintable(QStringLiteral("only %1%").arg(100.0 * ratio)));
    }
};

QTEST_MAIN(IngestPdfRealWorldTest)
#include "tst_ingest_pdf_realworld.moc"
