#include "ingest/Document.h"

namespace lv::ingest {

QString kindName(DocumentKind kind) {
    switch (kind) {
    case DocumentKind::Pdf:
        return QStringLiteral("pdf");
    case DocumentKind::Codebase:
        return QStringLiteral("codebase");
    case DocumentKind::Text:
        return QStringLiteral("text");
    }
    return QStringLiteral("text");
}

QString roleName(SegmentRole role) {
    switch (role) {
    case SegmentRole::Body:
        return QStringLiteral("body");
    case SegmentRole::Heading:
        return QStringLiteral("heading");
    case SegmentRole::Table:
        return QStringLiteral("table");
    case SegmentRole::Footnote:
        return QStringLiteral("footnote");
    case SegmentRole::Header:
        return QStringLiteral("header");
    case SegmentRole::Footer:
        return QStringLiteral("footer");
    case SegmentRole::Code:
        return QStringLiteral("code");
    }
    return QStringLiteral("body");
}

QString textSourceName(TextSource source) {
    switch (source) {
    case TextSource::TextLayer:
        return QStringLiteral("text-layer");
    case TextSource::Ocr:
        return QStringLiteral("ocr");
    case TextSource::Missing:
        return QStringLiteral("missing");
    case TextSource::Blank:
        return QStringLiteral("blank");
    }
    return QStringLiteral("text-layer");
}

void SkipReport::add(const QString& reason, const QString& path) {
    ++counts[reason];
    QStringList& list = examples[reason];
    if (list.size() < kMaxExamples) list.append(path);
}

int SkipReport::total() const {
    int n = 0;
    for (int c : counts)
        n += c;
    return n;
}

} // namespace lv::ingest
