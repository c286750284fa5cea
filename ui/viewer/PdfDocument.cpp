#include "ui/viewer/PdfDocument.h"

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
bool abortRender(const QVariant& closure) {
    const auto* fn = reinterpret_cast<const std::function<bool()>*>(closure.value<quintptr>());
    return fn && *fn && (*fn)();
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
    QImage image = p->renderToImage(dpi, dpi, -1, -1, -1, -1, Poppler::Page::Rotate0, nullptr,
                                    nullptr, abortRender,
                                    QVariant::fromValue(reinterpret_cast<quintptr>(&shouldAbort)));
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

} // namespace lv::ui

namespace lv::ui {

std::vector<PageWord> PdfDocument::words(int page) const {
    std::vector<PageWord> out;
    if (page < 0 || page >= pageCount()) return out;
    QMutexLocker lock(&mutex_);
    std::unique_ptr<Poppler::Page> p = doc_->page(page);
    if (!p) return out;
    for (const std::unique_ptr<Poppler::TextBox>& box : p->textList())
        out.push_back({box->text(), box->boundingBox()});
    return out;
}

} // namespace lv::ui
