#include "support/PdfFixtures.h"

#include <QAbstractTextDocumentLayout>
#include <QFile>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTextDocument>
#include <QTextOption>

namespace lv::test {

bool writeTextPdf(const QString& path, const QStringList& pages, const QString& title) {
    QPdfWriter writer(path);
    writer.setTitle(title);
    writer.setCreator(QStringLiteral("Longview GUI tests"));
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setResolution(144);
    QPainter painter;
    if (!painter.begin(&writer)) return false;
    QFont font(QStringLiteral("DejaVu Serif"));
    font.setPointSizeF(12);
    painter.setFont(font);
    for (int i = 0; i < pages.size(); ++i) {
        if (i > 0) writer.newPage();
        const QRect page = painter.viewport();
        const QRect text = page.adjusted(page.width() / 8, page.height() / 10, -page.width() / 8,
                                         -page.height() / 10);
        QTextOption option;
        option.setWrapMode(QTextOption::WordWrap);
        painter.drawText(text, pages[i], option);
    }
    return painter.end();
}

bool writeHtmlPdf(const QString& path, const QStringList& htmlPages, const QString& title) {
    QPdfWriter writer(path);
    writer.setTitle(title);
    writer.setCreator(QStringLiteral("Longview"));
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setResolution(300);
    QPainter painter;
    if (!painter.begin(&writer)) return false;
    const QRect page = painter.viewport();
    const int marginX = page.width() * 12 / 100;
    const int marginY = page.height() * 9 / 100;
    const QRect body = page.adjusted(marginX, marginY, -marginX, -marginY);
    for (int i = 0; i < htmlPages.size(); ++i) {
        if (i > 0) writer.newPage();
        QTextDocument doc;
        QFont font(QStringLiteral("DejaVu Serif"));
        font.setPointSizeF(10.5);
        doc.setDefaultFont(font);
        doc.setDefaultStyleSheet(QStringLiteral(
            "h1 { font-size: 20pt; font-weight: 600; } h2 { font-size: 13pt; font-weight: 600; }"
            "p { line-height: 140%; } .running { color: #777; font-size: 8pt; }"));
        doc.setHtml(htmlPages[i]);
        // Lay the page out in points, then scale to the writer's resolution.
        const double scale = writer.resolution() / 72.0;
        doc.setTextWidth(body.width() / scale);
        painter.save();
        painter.translate(body.topLeft());
        painter.scale(scale, scale);
        // Printed text is black whatever the desktop's palette says.
        QAbstractTextDocumentLayout::PaintContext context;
        context.palette.setColor(QPalette::Text, Qt::black);
        doc.documentLayout()->draw(&painter, context);
        painter.restore();
    }
    return painter.end();
}

bool addRomanPageLabels(const QString& path, int romanPages) {
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite)) return false;
    const QByteArray pdf = file.readAll();
    // The last trailer names the catalog; QPdfWriter writes it uncompressed.
    const QRegularExpression rootRe(QStringLiteral("/Root\\s+(\\d+)\\s+0\\s+R"));
    QRegularExpressionMatch root;
    for (auto it = rootRe.globalMatch(QString::fromLatin1(pdf)); it.hasNext();)
        root = it.next();
    if (!root.hasMatch()) return false;
    const int rootObj = root.captured(1).toInt();
    const QRegularExpression catalogRe(
        QStringLiteral("(?:^|\\n)%1 0 obj\\s*<<(.*?)>>\\s*endobj").arg(rootObj),
        QRegularExpression::DotMatchesEverythingOption);
    const QRegularExpressionMatch catalog = catalogRe.match(QString::fromLatin1(pdf));
    if (!catalog.hasMatch()) return false;
    const QRegularExpression pagesRe(QStringLiteral("/Pages\\s+(\\d+)\\s+0\\s+R"));
    const QRegularExpressionMatch pages = pagesRe.match(catalog.captured(1));
    if (!pages.hasMatch()) return false;
    const QRegularExpression sizeRe(QStringLiteral("/Size\\s+(\\d+)"));
    QRegularExpressionMatch size;
    for (auto it = sizeRe.globalMatch(QString::fromLatin1(pdf)); it.hasNext();)
        size = it.next();
    const QRegularExpression infoRe(QStringLiteral("/Info\\s+(\\d+)\\s+0\\s+R"));
    QRegularExpressionMatch info;
    for (auto it = infoRe.globalMatch(QString::fromLatin1(pdf)); it.hasNext();)
        info = it.next();
    const QByteArray infoRef =
        info.hasMatch() ? " /Info " + info.captured(1).toLatin1() + " 0 R" : QByteArray();
    const int startxrefAt = int(pdf.lastIndexOf("startxref"));
    if (!size.hasMatch() || startxrefAt < 0) return false;
    const QByteArray prev = pdf.mid(startxrefAt + 9).trimmed().split('\n').value(0).trimmed();

    QByteArray update;
    const qint64 objectOffset = pdf.size() + 1;
    update += '\n';
    update += QByteArray::number(rootObj) + " 0 obj\n<< /Type /Catalog /Pages " +
              pages.captured(1).toLatin1() + " 0 R /PageLabels << /Nums [ 0 << /S /r >> " +
              QByteArray::number(romanPages) + " << /S /D >> ] >> >>\nendobj\n";
    const qint64 xrefOffset = pdf.size() + update.size();
    update += "xref\n" + QByteArray::number(rootObj) + " 1\n";
    update += QByteArray::number(objectOffset).rightJustified(10, '0') + " 00000 n \n";
    update += "trailer\n<< /Size " + size.captured(1).toLatin1() + " /Root " +
              QByteArray::number(rootObj) + " 0 R" + infoRef + " /Prev " + prev +
              " >>\nstartxref\n" + QByteArray::number(xrefOffset) + "\n%%EOF\n";
    file.seek(pdf.size());
    return file.write(update) == update.size();
}

bool encryptPdf(const QString& in, const QString& out, const QString& password, QString* error) {
    const QString qpdf = QStandardPaths::findExecutable(QStringLiteral("qpdf"));
    if (qpdf.isEmpty()) {
        if (error) *error = QStringLiteral("qpdf is not installed");
        return false;
    }
    QProcess p;
    p.start(qpdf, {QStringLiteral("--encrypt"), password, password + QStringLiteral("-owner"),
                   QStringLiteral("256"), QStringLiteral("--"), in, out});
    if (!p.waitForFinished(30000) || p.exitCode() != 0) {
        if (error) *error = QString::fromLocal8Bit(p.readAllStandardError());
        return false;
    }
    return true;
}

} // namespace lv::test
