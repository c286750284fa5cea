#include "ingest/pdf/PopplerDocument.h"

#include "ingest/IngestErrors.h"

#include <poppler-qt6.h>

#include <QBuffer>
#include <QFile>

namespace lv::ingest {

namespace {

// Poppler's abort callbacks take a QVariant closure: it carries the address
// of the caller's stop token.
bool shouldAbort(const QVariant& closure) {
    const auto* stop = reinterpret_cast<const std::stop_token*>(closure.value<quintptr>());
    return stop && stop->stop_requested();
}

QVariant closureFor(const std::stop_token& stop) {
    return QVariant::fromValue(reinterpret_cast<quintptr>(&stop));
}

// Quarter turns of a page's /Rotate: text extracted with the opposite turn
// reads upright, in the page's own (unrotated) frame.
int quarterTurns(const Poppler::Page& page) {
    switch (page.orientation()) {
    case Poppler::Page::Landscape:
        return 1;
    case Poppler::Page::UpsideDown:
        return 2;
    case Poppler::Page::Seascape:
        return 3;
    case Poppler::Page::Portrait:
        return 0;
    }
    return 0;
}

Poppler::Page::Rotation upright(const Poppler::Page& page) {
    return static_cast<Poppler::Page::Rotation>((4 - quarterTurns(page)) % 4);
}

void flattenOutline(const QVector<Poppler::OutlineItem>& items, int level,
                    std::vector<OutlineEntry>& out) {
    for (const Poppler::OutlineItem& item : items) {
        if (item.isNull()) continue;
        OutlineEntry e;
        e.title = item.name().simplified();
        e.level = level;
        if (const auto dest = item.destination()) {
            e.pageIndex = dest->pageNumber() - 1;
            if (dest->isChangeTop()) e.top = std::clamp(dest->top(), 0.0, 1.0);
        }
        if (!e.title.isEmpty()) out.push_back(e);
        if (item.hasChildren()) flattenOutline(item.children(), level + 1, out);
    }
}

// Typographic ligatures (U+FB00..U+FB06) spelled out: "ﬁned" reads "fined".
QString expandLigatures(QString text) {
    static const char* const spelled[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (c >= 0xFB00 && c <= 0xFB06) {
            const QLatin1String replacement(spelled[c - 0xFB00]);
            text.replace(i, 1, replacement);
            i += replacement.size() - 1;
        }
    }
    return text;
}

} // namespace

struct PopplerDocument::MappedFile {
    QFile file;
    QByteArray bytes; // raw data over the mapping; empty when mapping failed
    explicit MappedFile(const QString& path) : file(path) {
        if (!file.open(QIODevice::ReadOnly) || file.size() <= 0) return;
        if (uchar* data = file.map(0, file.size()))
            bytes = QByteArray::fromRawData(reinterpret_cast<const char*>(data), file.size());
    }
};

PopplerDocument::PopplerDocument(const QString& path, const QString& password)
    : PopplerDocument(path, password, std::make_shared<MappedFile>(path)) {}

PopplerDocument::PopplerDocument(const QString& path, const QString& password,
                                 std::shared_ptr<MappedFile> map)
    : path_(path), password_(password), map_(std::move(map)) {
    open();
}

std::unique_ptr<PopplerDocument> PopplerDocument::reopen() const {
    return std::unique_ptr<PopplerDocument>(new PopplerDocument(path_, password_, map_));
}

void PopplerDocument::open() {
    if (!map_->bytes.isEmpty()) {
        auto buffer = std::make_unique<QBuffer>(&map_->bytes);
        buffer->open(QIODevice::ReadOnly);
        doc_ = Poppler::Document::load(buffer.get());
        device_ = std::move(buffer);
    } else {
        doc_ = Poppler::Document::load(path_);
    }
    if (!doc_)
        throw CorruptPdfError(
            path_,
            QStringLiteral("damaged or not a PDF: it has no PDF structure that can be read"));
    if (doc_->isLocked()) {
        if (password_.isEmpty()) throw PdfPasswordError(path_, false);
        // Poppler takes Latin-1 passwords; AES-256 files may use UTF-8 ones.
        doc_->unlock(password_.toLatin1(), password_.toLatin1());
        if (doc_->isLocked()) doc_->unlock(password_.toUtf8(), password_.toUtf8());
        if (doc_->isLocked()) throw PdfPasswordError(path_, true);
    }
    doc_->setRenderHint(Poppler::Document::Antialiasing);
    doc_->setRenderHint(Poppler::Document::TextAntialiasing);
}

PopplerDocument::~PopplerDocument() {
    // The document reads from the device: it goes first.
    doc_.reset();
}

int PopplerDocument::pageCount() const {
    QMutexLocker lock(&mutex_);
    return doc_->numPages();
}

bool PopplerDocument::wasReconstructed() const {
    QMutexLocker lock(&mutex_);
    return doc_->xrefWasReconstructed();
}

void PopplerDocument::readMetadata(Document& doc) const {
    QMutexLocker lock(&mutex_);
    doc.title = doc_->info(QStringLiteral("Title")).simplified();
    DocumentMetadata& m = doc.metadata;
    m.author = doc_->info(QStringLiteral("Author")).simplified();
    m.subject = doc_->info(QStringLiteral("Subject")).simplified();
    m.keywords = doc_->info(QStringLiteral("Keywords")).simplified();
    m.creator = doc_->info(QStringLiteral("Creator")).simplified();
    m.producer = doc_->info(QStringLiteral("Producer")).simplified();
    m.created = doc_->date(QStringLiteral("CreationDate"));
    m.modified = doc_->date(QStringLiteral("ModDate"));
    m.pageCount = doc_->numPages();
    const auto version = doc_->getPdfVersion();
    m.extra.insert(QStringLiteral("pdf.version"),
                   QStringLiteral("%1.%2").arg(version.major).arg(version.minor));
    if (doc_->isEncrypted()) m.extra.insert(QStringLiteral("pdf.encrypted"), QStringLiteral("yes"));
}

std::vector<OutlineEntry> PopplerDocument::outline() const {
    QMutexLocker lock(&mutex_);
    std::vector<OutlineEntry> out;
    flattenOutline(doc_->outline(), 1, out);
    return out;
}

PopplerDocument::PageText PopplerDocument::pageText(int index, const std::stop_token& stop) const {
    QMutexLocker lock(&mutex_);
    PageText out;
    const std::unique_ptr<Poppler::Page> page = doc_->page(index);
    if (!page) return out;
    out.loaded = true;
    out.label = page->label();
    if (out.label.isEmpty()) out.label = QString::number(index + 1);
    out.size = page->pageSizeF(); // as displayed: turned back to the text's frame
    out.rotation = 90 * quarterTurns(*page);
    if (out.rotation % 180 != 0) out.size.transpose();
    const auto boxes = page->textList(upright(*page), shouldAbort, closureFor(stop));
    out.words.reserve(boxes.size());
    std::vector<double> advances;
    for (const auto& box : boxes) {
        const QString text = box->text();
        advances.clear();
        double sum = 0;
        for (int i = 0; i < text.size(); ++i) {
            advances.push_back(box->charBoundingBox(i).width());
            sum += advances.back();
        }
        out.words.push_back({expandLigatures(text), box->boundingBox(), box->hasSpaceAfter(),
                             pitchOf(text, advances), text.isEmpty() ? 0.0 : sum / text.size()});
    }
    return out;
}

QImage PopplerDocument::render(int index, double dpi, const std::stop_token& stop) const {
    QMutexLocker lock(&mutex_);
    const std::unique_ptr<Poppler::Page> page = doc_->page(index);
    if (!page) return {};
    return page->renderToImage(dpi, dpi, -1, -1, -1, -1, upright(*page), nullptr, nullptr,
                               shouldAbort, closureFor(stop));
}

} // namespace lv::ingest
