#include "ui/viewer/PdfDocument.h"

#include <algorithm>

#include <poppler-qt6.h>

#include <QFileInfo>
#include <QMutexLocker>

namespace lv::ui {

PdfDocument::~PdfDocument() = default;

PdfDocument::OpenResult PdfDocument::open(const QString& path, const QByteArray& password) {
    OpenResult result;
    if (!QFileInfo(path).isReadable()) {
        result.error = QObject::tr("%1: the file cannot be read").arg(path);
        return result;
    }
    std::unique_ptr<Poppler::Document> doc = Poppler::Document::load(path, password, password);
    if (!doc) {
        result.error = QObject::tr("%1: not a PDF Longview can open").arg(path);
        return result;
    }
    if (doc->isLocked()) {
        result.status = password.isEmpty() ? OpenStatus::NeedsPassword : OpenStatus::WrongPassword;
        return result;
    }
    doc->setRenderHint(Poppler::Document::Antialiasing);
    doc->setRenderHint(Poppler::Document::TextAntialiasing);
    doc->setRenderHint(Poppler::Document::TextHinting);
    doc->setRenderHint(Poppler::Document::TextSlightHinting);
    doc->setRenderHint(Poppler::Document::ThinLineShape);

    std::shared_ptr<PdfDocument> pdf(new PdfDocument);
    pdf->path_ = path;
    pdf->title_ = doc->info(QStringLiteral("Title")).trimmed();
    const int n = doc->numPages();
    pdf->sizes_.reserve(std::size_t(n));
    pdf->labels_.reserve(std::size_t(n));
    for (int i = 0; i < n; ++i) {
        std::unique_ptr<Poppler::Page> page = doc->page(i);
        QSizeF size = page ? page->pageSizeF() : QSizeF(612, 792);
        if (page && (page->orientation() == Poppler::Page::Landscape ||
                     page->orientation() == Poppler::Page::Seascape))
            size.transpose();
        if (size.isEmpty()) size = QSizeF(612, 792);
        QString label = page ? page->label().trimmed() : QString();
        if (label.isEmpty()) label = QString::number(i + 1);
        if (label != QString::number(i + 1)) pdf->customLabels_ = true;
        pdf->sizes_.push_back(size);
        pdf->labels_.push_back(label);
    }
    pdf->doc_ = std::move(doc);
    result.document = std::move(pdf);
    result.status = OpenStatus::Ok;
    return result;
}

QString PdfDocument::pageLabel(int page) const {
    if (page < 0 || page >= pageCount()) return {};
    return labels_[std::size_t(page)];
}

int PdfDocument::pageForLabel(const QString& label) const {
    const QString wanted = label.trimmed();
    if (wanted.isEmpty()) return -1;
    for (int i = 0; i < pageCount(); ++i)
        if (labels_[std::size_t(i)].compare(wanted, Qt::CaseInsensitive) == 0) return i;
    bool ok = false;
    const int number = wanted.toInt(&ok);
    if (ok && number >= 1 && number <= pageCount()) return number - 1;
    return -1;
}

namespace {

bool askAbort(const QVariant& closure) {
    const auto* fn = reinterpret_cast<const std::function<bool()>*>(closure.value<quintptr>());
    return fn && *fn && (*fn)();
}

// A Poppler word with a box per character. The typographic ligatures U+FB00..U+FB06 become
// the letters they join, as the ingested text has them (copied text must read "fine", not
// "\uFB01ne", and cited quotes match); a ligature's box is shared out among its letters.
PageWord wordOf(const Poppler::TextBox& box) {
    static const QLatin1String kLetters[] = {
        QLatin1String("ff"),  QLatin1String("fi"), QLatin1String("fl"), QLatin1String("ffi"),
        QLatin1String("ffl"), QLatin1String("st"), QLatin1String("st")};
    const QString word = box.text();
    PageWord w;
    w.box = box.boundingBox();
    w.spaceAfter = box.hasSpaceAfter();
    w.endsLine = !box.nextWord(); // Poppler links each word to the next one of its line
    w.text.reserve(word.size());
    w.chars.reserve(std::size_t(word.size()));
    for (qsizetype i = 0; i < word.size(); ++i) {
        const char16_t u = word[i].unicode();
        const QRectF c = box.charBoundingBox(int(i));
        if (u >= 0xFB00 && u <= 0xFB06) {
            const QLatin1String letters = kLetters[u - 0xFB00];
            const double each = c.width() / double(letters.size());
            for (qsizetype k = 0; k < letters.size(); ++k) {
                w.text += QChar(letters[k]);
                w.chars.push_back(QRectF(c.left() + each * double(k), c.top(), each, c.height()));
            }
        } else {
            w.text += word[i];
            w.chars.push_back(c);
        }
    }
    // Boxes Poppler did not give: PageText shares the word's box out instead.
    if (std::any_of(w.chars.begin(), w.chars.end(), [](const QRectF& r) { return r.isNull(); }))
        w.chars.clear();
    return w;
}

} // namespace

QImage PdfDocument::render(int page, double pixelsPerPoint,
                           const std::function<bool()>& shouldAbort) const {
    if (page < 0 || page >= pageCount()) return {};
    QMutexLocker lock(&mutex_);
    if (shouldAbort && shouldAbort()) return {};
    std::unique_ptr<Poppler::Page> p = doc_->page(page);
    if (!p) return {};
    const double dpi = 72.0 * pixelsPerPoint;
    QImage image =
        p->renderToImage(dpi, dpi, -1, -1, -1, -1, Poppler::Page::Rotate0, nullptr, nullptr,
                         askAbort, QVariant::fromValue(reinterpret_cast<quintptr>(&shouldAbort)));
    if (shouldAbort && shouldAbort()) return {};
    return image;
}

QList<QRectF> PdfDocument::search(int page, const QString& text, bool caseSensitive) const {
    if (page < 0 || page >= pageCount() || text.isEmpty()) return {};
    QMutexLocker lock(&mutex_);
    std::unique_ptr<Poppler::Page> p = doc_->page(page);
    if (!p) return {};
    Poppler::Page::SearchFlags flags = Poppler::Page::IgnoreDiacritics;
    if (!caseSensitive) flags |= Poppler::Page::IgnoreCase;
    if (text.contains(QLatin1Char(' '))) flags |= Poppler::Page::AcrossLines;
    return p->search(text, flags);
}

std::vector<PageWord> PdfDocument::words(int page, const std::function<bool()>& shouldAbort) const {
    std::vector<PageWord> out;
    if (page < 0 || page >= pageCount()) return out;
    QMutexLocker lock(&mutex_);
    if (shouldAbort && shouldAbort()) return out;
    std::unique_ptr<Poppler::Page> p = doc_->page(page);
    if (!p) return out;
    const std::vector<std::unique_ptr<Poppler::TextBox>> boxes =
        p->textList(Poppler::Page::Rotate0, askAbort,
                    QVariant::fromValue(reinterpret_cast<quintptr>(&shouldAbort)));
    if (shouldAbort && shouldAbort()) return {};
    out.reserve(boxes.size());
    for (const std::unique_ptr<Poppler::TextBox>& box : boxes)
        out.push_back(wordOf(*box));
    return out;
}

} // namespace lv::ui
