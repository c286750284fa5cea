#include "ingest/text/TextDecoding.h"

#include <QStringDecoder>

namespace lv::ingest {

namespace {

bool startsWith(const QByteArray& bytes, std::initializer_list<unsigned char> prefix) {
    if (bytes.size() < static_cast<qsizetype>(prefix.size())) return false;
    qsizetype i = 0;
    for (unsigned char c : prefix)
        if (static_cast<unsigned char>(bytes[i++]) != c) return false;
    return true;
}

// Windows-1252 differs from Latin-1 only in 0x80..0x9F. Qt has the codec when
// built with ICU; the table keeps the decoding right without it.
QString decodeWindows1252(const QByteArray& bytes) {
    QStringDecoder icu("windows-1252");
    if (icu.isValid()) return icu.decode(bytes);
    static const char16_t high[32] = {
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};
    QString out = QString::fromLatin1(bytes);
    for (QChar& c : out)
        if (c.unicode() >= 0x80 && c.unicode() <= 0x9F) c = QChar(high[c.unicode() - 0x80]);
    return out;
}

} // namespace

QString normaliseLineEndings(QString text, bool* hadCr) {
    const bool any = text.contains(QLatin1Char('\r'));
    if (hadCr) *hadCr = any;
    if (!any) return text;
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    text.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    return text;
}

bool looksBinary(const QByteArray& bytes) {
    if (startsWith(bytes, {0xFF, 0xFE}) || startsWith(bytes, {0xFE, 0xFF})) return false;
    const qsizetype n = std::min<qsizetype>(bytes.size(), 8000);
    return QByteArrayView(bytes.constData(), n).contains('\0');
}

QString DecodedText::problem() const {
    if (legacy()) return QStringLiteral("not UTF-8, decoded as ") + encoding;
    if (!replaced) return {};
    const QString name = encoding.section(QLatin1Char(' '), 0, 0); // "UTF-8 (BOM)" -> "UTF-8"
    return QStringLiteral("invalid ") + name + QStringLiteral(" bytes replaced");
}

DecodedText decodeText(const QByteArray& bytes) {
    DecodedText out;
    QString text;
    if (startsWith(bytes, {0xEF, 0xBB, 0xBF})) {
        QStringDecoder dec(QStringConverter::Utf8);
        text = dec.decode(QByteArrayView(bytes).sliced(3));
        out.encoding = QStringLiteral("UTF-8 (BOM)");
        out.replaced = dec.hasError();
    } else if (startsWith(bytes, {0xFF, 0xFE}) || startsWith(bytes, {0xFE, 0xFF})) {
        const bool le = startsWith(bytes, {0xFF, 0xFE});
        QStringDecoder dec(le ? QStringConverter::Utf16LE : QStringConverter::Utf16BE);
        // Whole code units; an odd byte count (a truncated file) leaves half of one.
        const bool odd = bytes.size() % 2 != 0;
        text = dec.decode(QByteArrayView(bytes).sliced(2, bytes.size() - 2 - (odd ? 1 : 0)));
        out.replaced = dec.hasError() || odd;
        if (odd) text += QChar(QChar::ReplacementCharacter);
        out.encoding = le ? QStringLiteral("UTF-16LE") : QStringLiteral("UTF-16BE");
    } else {
        QStringDecoder utf8(QStringConverter::Utf8);
        text = utf8.decode(bytes);
        if (!utf8.hasError()) {
            out.encoding = QStringLiteral("UTF-8");
        } else {
            // Not UTF-8. C1 control bytes are almost never meant as controls:
            // they are Windows-1252's curly quotes, dashes and euro sign.
            bool c1 = false;
            for (char ch : bytes) {
                const auto b = static_cast<unsigned char>(ch);
                if (b >= 0x80 && b <= 0x9F) {
                    c1 = true;
                    break;
                }
            }
            if (c1) {
                text = decodeWindows1252(bytes);
                out.encoding = QStringLiteral("Windows-1252");
            } else {
                text = QString::fromLatin1(bytes);
                out.encoding = QStringLiteral("ISO-8859-1");
            }
        }
    }
    out.text = normaliseLineEndings(std::move(text), &out.crlf);
    return out;
}

} // namespace lv::ingest
