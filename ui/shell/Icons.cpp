#include "ui/shell/Icons.h"

#include <QApplication>
#include <QBuffer>
#include <QFile>
#include <QHash>
#include <QIconEngine>
#include <QImageReader>
#include <QPainter>
#include <QPalette>
#include <QPixmapCache>

namespace lv::ui::icons {

namespace {

// The colour the bundled SVGs are drawn in; replaced by the palette's text colour.
constexpr const char* kInkColour = "#232629";
// A second ink for accents inside an icon (the bolt of "state-cached"), replaced by
// the palette's highlight colour.
constexpr const char* kAccentColour = "#3daee9";

QString resourcePath(const QString& name) {
    return QStringLiteral(":/longview/icons/actions/%1.svg").arg(name);
}

// Renders an SVG whose ink is recoloured at paint time, so that a palette change
// (light to dark) needs no icon reload.
class TintedSvgEngine : public QIconEngine {
public:
    explicit TintedSvgEngine(QByteArray svg) : svg_(std::move(svg)) {}

    QIconEngine* clone() const override { return new TintedSvgEngine(svg_); }

    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode,
               QIcon::State state) override {
        const qreal dpr = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
        QPixmap pm = render(rect.size(), dpr, mode, state);
        painter->drawPixmap(rect, pm);
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override {
        return render(size, 1.0, mode, state);
    }

    QPixmap scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State state,
                         qreal scale) override {
        return render(size, scale, mode, state);
    }

    QSize actualSize(const QSize& size, QIcon::Mode, QIcon::State) override { return size; }

private:
    QPixmap render(const QSize& size, qreal dpr, QIcon::Mode mode, QIcon::State) const {
        const QPalette pal = QApplication::palette();
        QColor ink = pal.color(QPalette::WindowText);
        if (mode == QIcon::Disabled) ink = pal.color(QPalette::Disabled, QPalette::WindowText);
        if (mode == QIcon::Selected) ink = pal.color(QPalette::HighlightedText);
        const QColor accent = mode == QIcon::Selected ? ink : pal.color(QPalette::Highlight);
        const QSize px = size * dpr;
        const QString key = QStringLiteral("lv-icon-%1-%2x%3-%4-%5")
                                .arg(qHash(svg_))
                                .arg(px.width())
                                .arg(px.height())
                                .arg(ink.rgba())
                                .arg(accent.rgba());
        QPixmap pm;
        if (QPixmapCache::find(key, &pm)) return pm;

        QByteArray svg = svg_;
        svg.replace(kInkColour, ink.name().toLatin1());
        svg.replace(kAccentColour, accent.name().toLatin1());
        QBuffer buffer(&svg);
        buffer.open(QIODevice::ReadOnly);
        QImageReader reader(&buffer, "svg");
        reader.setScaledSize(px);
        QImage image = reader.read();
        if (image.isNull()) {
            image = QImage(px, QImage::Format_ARGB32_Premultiplied);
            image.fill(Qt::transparent);
        }
        if (mode == QIcon::Disabled) {
            // Line icons keep their shape; a lighter ink says "unavailable".
            QPainter p(&image);
            p.setCompositionMode(QPainter::CompositionMode_DestinationIn);
            p.fillRect(image.rect(), QColor(0, 0, 0, 150));
        }
        pm = QPixmap::fromImage(image);
        pm.setDevicePixelRatio(dpr);
        QPixmapCache::insert(key, pm);
        return pm;
    }

    QByteArray svg_;
};

QHash<QString, QIcon>& bundledCache() {
    static QHash<QString, QIcon> cache;
    return cache;
}

} // namespace

QIcon bundled(const QString& name) {
    auto& cache = bundledCache();
    auto it = cache.constFind(name);
    if (it != cache.cend()) return *it;
    QFile file(resourcePath(name));
    QIcon icon;
    if (file.open(QIODevice::ReadOnly)) icon = QIcon(new TintedSvgEngine(file.readAll()));
    cache.insert(name, icon);
    return icon;
}

QIcon themed(const QString& name) {
    if (QIcon::hasThemeIcon(name)) return QIcon::fromTheme(name);
    return bundled(name);
}

QIcon application() {
    QIcon icon;
    for (int size : {16, 22, 24, 32, 48, 64, 128, 256}) {
        const QString path =
            QStringLiteral(":/longview/icons/hicolor/%1x%1/apps/longview.png").arg(size);
        if (QFile::exists(path)) icon.addFile(path, QSize(size, size));
    }
    if (icon.isNull()) icon.addFile(QStringLiteral(":/longview/icons/longview.svg"));
    return icon;
}

} // namespace lv::ui::icons
