#include "ui/assistant/CitationText.h"

#include <QRegularExpression>
#include <QStringList>

namespace lv::ui::citation_text {

namespace {

// **bold**, `code` and citation markers inside one escaped line.
QString inlineMarkup(const QString& escaped, int citationCount, const QString& linkColour) {
    static const QRegularExpression bold(QStringLiteral("\\*\\*(.+?)\\*\\*"));
    static const QRegularExpression code(QStringLiteral("`([^`]+)`"));
    // The service marks the words of a passage that match a question «like this».
    static const QRegularExpression matched(QStringLiteral("\u00AB(.+?)\u00BB"));
    static const QRegularExpression marker(QStringLiteral("\\[(\\d+(?:\\s*[,;]\\s*\\d+)*)\\]"));
    QString s = escaped;
    s.replace(bold, QStringLiteral("<b>\\1</b>"));
    s.replace(code, QStringLiteral("<code>\\1</code>"));
    s.replace(matched, QStringLiteral("<b>\\1</b>"));
    QString out;
    qsizetype last = 0;
    for (auto it = marker.globalMatch(s); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        out += s.mid(last, m.capturedStart() - last);
        last = m.capturedEnd();
        QStringList links;
        bool allValid = true;
        for (const QString& part :
             m.captured(1).split(QRegularExpression(QStringLiteral("\\s*[,;]\\s*")))) {
            const int n = part.toInt();
            if (n < 1 || n > citationCount) {
                allValid = false;
                break;
            }
            links << QStringLiteral(
                         "<a href=\"cite:%1\" style=\"color:%2; text-decoration:none;\">%3</a>")
                         .arg(n - 1)
                         .arg(linkColour)
                         .arg(n);
        }
        if (allValid)
            out += QStringLiteral("<sup>[") + links.join(QStringLiteral(", ")) +
                   QStringLiteral("]</sup>");
        else
            out += m.captured(0);
    }
    out += s.mid(last);
    return out;
}

} // namespace

constexpr char16_t kBreakHint = 0x200B; // zero-width space

// A run of 20 characters without a space (a URL, a hash, a model's repeated
// symbol) gets break opportunities, so that it wraps instead of widening the chat.
static QString breakLongRuns(const QString& text) {
    constexpr int kLongest = 20;
    QString out;
    out.reserve(text.size());
    int run = 0;
    for (QChar c : text) {
        run = c.isSpace() ? 0 : run + 1;
        out += c;
        if (run >= kLongest) {
            out += QChar(kBreakHint);
            run = 0;
        }
    }
    return out;
}

QString toHtml(const QString& rawText, int citationCount, const QString& linkColour) {
    const QString text = breakLongRuns(rawText);
    QString html;
    bool inList = false;
    bool inOrdered = false;
    QStringList paragraph;
    auto flushParagraph = [&] {
        if (paragraph.isEmpty()) return;
        html += QStringLiteral("<p style=\"line-height:135%;\">") +
                paragraph.join(QStringLiteral("<br>")) + QStringLiteral("</p>");
        paragraph.clear();
    };
    auto closeList = [&] {
        if (inList) html += inOrdered ? QStringLiteral("</ol>") : QStringLiteral("</ul>");
        inList = false;
    };
    static const QRegularExpression bullet(QStringLiteral("^\\s*[-*•]\\s+(.*)$"));
    static const QRegularExpression numbered(QStringLiteral("^\\s*\\d+[.)]\\s+(.*)$"));
    static const QRegularExpression heading(QStringLiteral("^\\s*#{1,6}\\s+(.*)$"));
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (const QString& raw : lines) {
        const QString line = raw.trimmed().isEmpty() ? QString() : raw;
        if (line.isEmpty()) {
            flushParagraph();
            closeList();
            continue;
        }
        QRegularExpressionMatch m;
        if ((m = bullet.match(line)).hasMatch() || (m = numbered.match(line)).hasMatch()) {
            const bool ordered = numbered.match(line).hasMatch() && !bullet.match(line).hasMatch();
            flushParagraph();
            if (inList && ordered != inOrdered) closeList();
            if (!inList) {
                html += ordered ? QStringLiteral("<ol>") : QStringLiteral("<ul>");
                inList = true;
                inOrdered = ordered;
            }
            html += QStringLiteral("<li style=\"line-height:135%;\">") +
                    inlineMarkup(m.captured(1).toHtmlEscaped(), citationCount, linkColour) +
                    QStringLiteral("</li>");
            continue;
        }
        closeList();
        if ((m = heading.match(line)).hasMatch()) {
            flushParagraph();
            html += QStringLiteral("<p><b>") +
                    inlineMarkup(m.captured(1).toHtmlEscaped(), citationCount, linkColour) +
                    QStringLiteral("</b></p>");
            continue;
        }
        paragraph << inlineMarkup(line.trimmed().toHtmlEscaped(), citationCount, linkColour);
    }
    flushParagraph();
    closeList();
    return html;
}

QString withoutBreakHints(QString text) {
    text.remove(QChar(kBreakHint));
    return text;
}

int citationIndex(const QString& link) {
    if (!link.startsWith(QLatin1String("cite:"))) return -1;
    bool ok = false;
    const int n = link.mid(5).toInt(&ok);
    return ok && n >= 0 ? n : -1;
}

QString chipLabel(const analysis::Citation& c) {
    const QString label = QString::fromStdString(c.label);
    if (!label.isEmpty()) return label;
    if (c.pageIndex >= 0) {
        const QString page = c.pageLabel.empty() ? QString::number(c.pageIndex + 1)
                                                 : QString::fromStdString(c.pageLabel);
        return QStringLiteral("p. ") + page;
    }
    QString where = QString::fromStdString(c.filePath);
    if (c.lineStart > 0) {
        const QString lines = c.lineEnd > c.lineStart
                                  ? QStringLiteral("%1–%2").arg(c.lineStart).arg(c.lineEnd)
                                  : QString::number(c.lineStart);
        where =
            where.isEmpty() ? QStringLiteral("line ") + lines : where + QLatin1Char(':') + lines;
    }
    return where;
}

} // namespace lv::ui::citation_text
