#include "PdfFixtures.h"

#include <QBuffer>
#include <QFile>
#include <QFontMetricsF>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>

namespace lv::test {

namespace {

constexpr double kPageHeight = 842.0;

// A PDF text string as UTF-16BE hex, which every reader accepts for any text.
QByteArray pdfString(const QString& s) {
    QByteArray out = "<FEFF";
    for (QChar c : s)
        out += QByteArray::number(c.unicode(), 16).rightJustified(4, '0').toUpper();
    return out + ">";
}

int lastIntAfter(const QByteArray& pdf, const QByteArray& key) {
    const qsizetype at = pdf.lastIndexOf(key);
    if (at < 0) return -1;
    static const QRegularExpression number(QStringLiteral("^\\s*(\\d+)"));
    const auto m = number.match(QString::fromLatin1(pdf.mid(at + key.size(), 32)));
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

// The body of "N 0 obj << ... >> endobj" without the closing ">>".
QByteArray objectDictionaryBody(const QByteArray& pdf, int number) {
    const QByteArray marker = "\n" + QByteArray::number(number) + " 0 obj";
    const qsizetype at = pdf.indexOf(marker);
    const qsizetype start = pdf.indexOf("<<", at);
    const qsizetype end = pdf.indexOf("endobj", at);
    const QByteArray dict = pdf.mid(start, end - start).trimmed();
    return dict.left(dict.lastIndexOf(">>"));
}

std::vector<int> pageObjects(const QByteArray& pdf) {
    const qsizetype pages = pdf.indexOf("/Type /Pages");
    const qsizetype open = pdf.indexOf('[', pdf.indexOf("/Kids", pages));
    const qsizetype close = pdf.indexOf(']', open);
    std::vector<int> out;
    static const QRegularExpression ref(QStringLiteral("(\\d+)\\s+0\\s+R"));
    auto it = ref.globalMatch(QString::fromLatin1(pdf.mid(open, close - open)));
    while (it.hasNext())
        out.push_back(it.next().captured(1).toInt());
    return out;
}

struct OutlineWriter {
    const std::vector<int>& pages;
    int next;
    std::vector<std::pair<int, QByteArray>> objects;

    // Returns {first, last, count} of the written siblings.
    std::tuple<int, int, int> write(const std::vector<OutlineNode>& nodes, int parent) {
        std::vector<int> ids;
        for (std::size_t i = 0; i < nodes.size(); ++i)
            ids.push_back(next++);
        int count = 0;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const OutlineNode& n = nodes[i];
            QByteArray d = "<< /Title " + pdfString(n.title) + " /Parent " +
                           QByteArray::number(parent) + " 0 R";
            if (i > 0) d += " /Prev " + QByteArray::number(ids[i - 1]) + " 0 R";
            if (i + 1 < nodes.size()) d += " /Next " + QByteArray::number(ids[i + 1]) + " 0 R";
            if (!n.children.empty()) {
                const auto [first, last, inner] = write(n.children, ids[i]);
                d += " /First " + QByteArray::number(first) + " 0 R /Last " +
                     QByteArray::number(last) + " 0 R /Count " + QByteArray::number(inner);
                count += inner;
            }
            d += " /Dest [" + QByteArray::number(pages.at(n.page)) + " 0 R /XYZ 0 " +
                 QByteArray::number(kPageHeight - n.top, 'f', 1) + " 0] >>";
            objects.emplace_back(ids[i], d);
            ++count;
        }
        return {ids.front(), ids.back(), count};
    }
};

QFont font(const char* family, double points) {
    QFont f(QString::fromLatin1(family));
    f.setPointSizeF(points);
    return f;
}

void runningMargins(QPainter& p, const QString& label) {
    p.setFont(font("DejaVu Serif", 9));
    p.drawText(QPointF(72, 40), QStringLiteral("Longview Test Report — Internal Draft"));
    p.drawText(QPointF(280, 815), QStringLiteral("Page ") + label);
}

void heading(QPainter& p, double y, const QString& text, double size = 14) {
    p.setFont(font("DejaVu Serif", size));
    p.drawText(QPointF(72, y), text);
}

void bodyLines(QPainter& p, double x, double y, const QStringList& lines, double size = 10,
               double leading = 14) {
    p.setFont(font("DejaVu Serif", size));
    for (const QString& line : lines) {
        p.drawText(QPointF(x, y), line);
        y += leading;
    }
}

} // namespace

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

QByteArray writePdf(const std::vector<PagePainter>& pages, const QString& title) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setResolution(72);
        writer.setTitle(title);
        writer.setCreator(QStringLiteral("Longview tests"));
        QPainter painter(&writer);
        for (std::size_t i = 0; i < pages.size(); ++i) {
            if (i > 0) writer.newPage();
            pages[i](painter);
        }
    }
    return bytes;
}

QByteArray addPdfStructure(const QByteArray& pdf, const std::vector<PageLabelRange>& labels,
                           const std::vector<OutlineNode>& outline, const QString& author) {
    const int size = lastIntAfter(pdf, "/Size");
    const int root = lastIntAfter(pdf, "/Root");
    const int info = lastIntAfter(pdf, "/Info");
    const int previousXref = lastIntAfter(pdf, "startxref");
    const std::vector<int> pages = pageObjects(pdf);

    std::vector<std::pair<int, QByteArray>> objects;
    int next = size;
    QByteArray catalog = objectDictionaryBody(pdf, root);
    if (!labels.empty()) {
        QByteArray nums;
        for (const PageLabelRange& r : labels) {
            nums += QByteArray::number(r.firstPage) + " << /S /" + r.style.toLatin1();
            if (!r.prefix.isEmpty()) nums += " /P " + pdfString(r.prefix);
            if (r.start != 1) nums += " /St " + QByteArray::number(r.start);
            nums += " >> ";
        }
        catalog += "/PageLabels << /Nums [" + nums + "] >>\n";
    }
    if (!outline.empty()) {
        const int outlineRoot = next++;
        OutlineWriter writer{pages, next, {}};
        const auto [first, last, count] = writer.write(outline, outlineRoot);
        next = writer.next;
        objects.emplace_back(outlineRoot, "<< /Type /Outlines /First " + QByteArray::number(first) +
                                              " 0 R /Last " + QByteArray::number(last) +
                                              " 0 R /Count " + QByteArray::number(count) + " >>");
        objects.insert(objects.end(), writer.objects.begin(), writer.objects.end());
        catalog += "/Outlines " + QByteArray::number(outlineRoot) + " 0 R /PageMode /UseOutlines\n";
    }
    objects.emplace_back(root, catalog + ">>");
    if (!author.isEmpty() && info > 0)
        objects.emplace_back(info, objectDictionaryBody(pdf, info) + "/Author " +
                                       pdfString(author) + "\n>>");

    QByteArray out = pdf;
    if (!out.endsWith('\n')) out += '\n';
    std::vector<std::pair<int, qsizetype>> offsets;
    for (const auto& [number, body] : objects) {
        offsets.emplace_back(number, out.size());
        out += QByteArray::number(number) + " 0 obj\n" + body + "\nendobj\n";
    }
    const qsizetype xref = out.size();
    out += "xref\n";
    for (const auto& [number, offset] : offsets)
        out += QByteArray::number(number) + " 1\n" +
               QByteArray::number(offset).rightJustified(10, '0') + " 00000 n \n";
    out += "trailer\n<< /Size " + QByteArray::number(next) + " /Root " + QByteArray::number(root) +
           " 0 R";
    if (info > 0) out += " /Info " + QByteArray::number(info) + " 0 R";
    out += " /Prev " + QByteArray::number(previousXref) + " >>\nstartxref\n" +
           QByteArray::number(xref) + "\n%%EOF\n";
    return out;
}

QImage scannedPageImage(const QStringList& lines, int dpi) {
    const double scale = dpi / 72.0;
    QImage image(static_cast<int>(595 * scale), static_cast<int>(kPageHeight * scale),
                 QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(static_cast<int>(16 * scale)); // 16 pt text, easy to read at 300 dpi
    p.setFont(f);
    p.setPen(Qt::black);
    double y = 120 * scale;
    for (const QString& line : lines) {
        p.drawText(QPointF(72 * scale, y), line);
        y += 28 * scale;
    }
    return image;
}

QStringList reportScannedLines() {
    return {QStringLiteral("Scanned appendix"),
            QStringLiteral("The quick brown fox jumps over the lazy dog."),
            QStringLiteral("Longview reads images with Tesseract.")};
}

QByteArray buildReportPdf(const ReportOptions& options) {
    const QStringList labels = {"i", "ii", "1", "2", "3", "4"};
    std::vector<PagePainter> pages;
    // i: title page
    pages.push_back([&](QPainter& p) {
        runningMargins(p, labels[0]);
        heading(p, 160, QStringLiteral("Longview Test Report"), 24);
        bodyLines(p, 72, 200, {QStringLiteral("Prepared for the ingest tests.")}, 12);
        bodyLines(p, 72, 240,
                  {QStringLiteral("This report exercises the rules of the PDF ingester: columns,"),
                   QStringLiteral("running headers, page labels, tables, footnotes and scans.")});
    });
    // ii: a table between two paragraphs
    pages.push_back([&](QPainter& p) {
        runningMargins(p, labels[1]);
        heading(p, 100, QStringLiteral("Contents"));
        bodyLines(p, 72, 130, {QStringLiteral("The components of the pipeline and their status:")});
        const QList<QStringList> rows = {{"Component", "Status", "Owner"},
                                         {"Parser", "stable", "Alice"},
                                         {"Layout", "beta", "Bob"},
                                         {"Recognition", "planned", "Carol"}};
        p.setFont(font("DejaVu Serif", 10));
        double y = 165;
        for (const QStringList& row : rows) {
            p.drawText(QPointF(72, y), row[0]);
            p.drawText(QPointF(250, y), row[1]);
            p.drawText(QPointF(400, y), row[2]);
            y += 18;
        }
        bodyLines(p, 72, 260,
                  {QStringLiteral("After the table the ordinary text continues here.")});
    });
    // 1: a heading over two columns; a word hyphenated across lines in the left one
    pages.push_back([&](QPainter& p) {
        runningMargins(p, labels[2]);
        heading(p, 100, QStringLiteral("1 Introduction"));
        QStringList left, right;
        for (int k = 0; k < 12; ++k) {
            const QString n = QString::number(k).rightJustified(2, QLatin1Char('0'));
            if (k == 5)
                left << QStringLiteral("Left05 these docu-");
            else if (k == 6)
                left << QStringLiteral("ments Left06 go on here");
            else
                left << QStringLiteral("Left%1 text runs down one").arg(n);
            right << QStringLiteral("Right%1 text runs down two").arg(n);
        }
        bodyLines(p, 72, 140, left);
        bodyLines(p, 310, 140, right);
    });
    // 2: numbered headings, a hyphenated word, a superscript and its footnote
    pages.push_back([&](QPainter& p) {
        runningMargins(p, labels[3]);
        heading(p, 100, QStringLiteral("2 Methods"));
        bodyLines(p, 72, 130,
                  {QStringLiteral("We sampled the corpus with a careful experi-"),
                   QStringLiteral("mental design and a fixed seed.")});
        heading(p, 190, QStringLiteral("2.1 Sampling"), 12);
        const QString sentence = QStringLiteral("Sampling followed the frame in the footnote.");
        bodyLines(p, 72, 215, {sentence});
        const double end = 72 + QFontMetricsF(p.font(), p.device()).horizontalAdvance(sentence);
        p.setFont(font("DejaVu Serif", 6));
        p.drawText(QPointF(end + 1, 210), QStringLiteral("1"));
        heading(p, 260, QStringLiteral("2.1.1 Frame"), 11);
        bodyLines(p, 72, 285, {QStringLiteral("The frame lists every source once.")});
        bodyLines(p, 72, 760,
                  {QStringLiteral("1 The sampling frame is the list of all sources,"),
                   QStringLiteral("kept in the appendix.")},
                  7, 9);
    });
    // 3: a scan: only an image, no text layer
    pages.push_back([](QPainter& p) {
        p.drawImage(QRectF(0, 0, 595, kPageHeight), scannedPageImage(reportScannedLines()));
    });
    // 4: legal-style headings
    pages.push_back([&](QPainter& p) {
        runningMargins(p, labels[5]);
        heading(p, 100, QStringLiteral("3 Results"));
        bodyLines(p, 72, 125, {QStringLiteral("The results follow the obligations below.")});
        heading(p, 160, QStringLiteral("Article 5 Obligations"), 12);
        bodyLines(p, 72, 185, {QStringLiteral("Providers shall keep records for five years.")});
        heading(p, 220, QStringLiteral("§ 12 Penalties"), 12);
        bodyLines(p, 72, 245, {QStringLiteral("Breaches are fined according to the schedule.")});
    });
    QByteArray pdf = writePdf(pages, QStringLiteral("Longview Test Report"));
    std::vector<PageLabelRange> ranges;
    if (options.labels) ranges = {{0, "r", {}, 1}, {2, "D", {}, 1}};
    std::vector<OutlineNode> outline;
    if (options.outline)
        outline = {{"Contents", 1, 90, {}},
                   {"1 Introduction", 2, 85, {}},
                   {"2 Methods", 3, 85, {{"2.1 Sampling", 3, 175, {}}}},
                   {"Scanned appendix", 4, 0, {}},
                   {"3 Results", 5, 85, {}}};
    return addPdfStructure(pdf, ranges, outline, QStringLiteral("Ada Lovelace"));
}

QByteArray buildLongPdf(int pageCount) {
    std::vector<PagePainter> pages;
    for (int i = 0; i < pageCount; ++i) {
        pages.push_back([i](QPainter& p) {
            p.setFont(font("DejaVu Serif", 9));
            p.drawText(QPointF(72, 40), QStringLiteral("Long Document — Stress Test"));
            p.drawText(QPointF(280, 815), QStringLiteral("Page %1").arg(i + 1));
            p.setFont(font("DejaVu Serif", 10));
            for (int k = 0; k < 20; ++k)
                p.drawText(
                    QPointF(72, 100 + 14 * k),
                    QStringLiteral("Page %1 line %2: the quick brown fox jumps over the lazy dog.")
                        .arg(i + 1)
                        .arg(k + 1));
        });
    }
    return writePdf(pages, QStringLiteral("Long document"));
}

} // namespace lv::test
