#include "ui/shell/Theme.h"

#include <QApplication>
#include <QEvent>
#include <QStyle>
#include <QStyleFactory>
#include <QWidget>

namespace lv::ui {

QString appearanceKey(Appearance a) {
    switch (a) {
    case Appearance::Light:
        return QStringLiteral("light");
    case Appearance::Dark:
        return QStringLiteral("dark");
    case Appearance::System:
        break;
    }
    return QStringLiteral("system");
}

Appearance appearanceFromKey(const QString& key) {
    if (key == QLatin1String("light")) return Appearance::Light;
    if (key == QLatin1String("dark")) return Appearance::Dark;
    return Appearance::System;
}

namespace theme {

bool isDark(const QPalette& palette) {
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

QColor mix(const QColor& a, const QColor& b, double t) {
    const double s = 1.0 - t;
    return QColor::fromRgbF(
        float(a.redF() * s + b.redF() * t), float(a.greenF() * s + b.greenF() * t),
        float(a.blueF() * s + b.blueF() * t), float(a.alphaF() * s + b.alphaF() * t));
}

QColor secondaryText(const QPalette& palette) {
    return mix(palette.color(QPalette::WindowText), palette.color(QPalette::Window), 0.38);
}

QColor subtleFill(const QPalette& palette) {
    return mix(palette.color(QPalette::Base), palette.color(QPalette::WindowText),
               isDark(palette) ? 0.07 : 0.045);
}

QColor accentFill(const QPalette& palette) {
    return mix(palette.color(QPalette::Base), palette.color(QPalette::Highlight),
               isDark(palette) ? 0.28 : 0.13);
}

QColor border(const QPalette& palette) {
    return mix(palette.color(QPalette::Window), palette.color(QPalette::WindowText),
               isDark(palette) ? 0.2 : 0.16);
}

QColor warning(const QPalette& palette) {
    return isDark(palette) ? QColor(0xf2, 0xb8, 0x4b) : QColor(0xb3, 0x6b, 0x00);
}

QColor success(const QPalette& palette) {
    return isDark(palette) ? QColor(0x6c, 0xd0, 0x8d) : QColor(0x1d, 0x8a, 0x4a);
}

QColor searchMatch(const QPalette& palette, bool current) {
    Q_UNUSED(palette);
    // Drawn over the page image, which is white in both themes.
    return current ? QColor(255, 140, 0, 140) : QColor(255, 214, 0, 110);
}

QColor textSelection(const QPalette& palette) {
    // Over the page image, which is white in both themes; stronger than the faint tint
    // of a cited passage so that the two never look alike.
    QColor c = palette.color(QPalette::Active, QPalette::Highlight);
    c.setAlpha(isDark(palette) ? 130 : 110);
    return c;
}

QColor canvas(const QPalette& palette) {
    return isDark(palette)
               ? mix(palette.color(QPalette::Window), Qt::black, 0.3)
               : mix(palette.color(QPalette::Window), palette.color(QPalette::Dark), 0.35);
}

namespace {

// Re-applies the secondary colour after each palette change of its widget.
class SecondaryTextKeeper : public QObject {
public:
    explicit SecondaryTextKeeper(QWidget* w) : QObject(w) { apply(w); }

    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ParentChange)
            apply(static_cast<QWidget*>(watched));
        return false;
    }

    static void apply(QWidget* w) {
        const QPalette base =
            w->parentWidget() ? w->parentWidget()->palette() : QApplication::palette();
        const QColor wanted = secondaryText(base);
        if (w->palette().color(QPalette::WindowText) == wanted &&
            w->palette().color(QPalette::Text) == wanted)
            return; // our own change coming back
        QPalette p = w->palette();
        p.setColor(QPalette::WindowText, wanted);
        p.setColor(QPalette::Text, wanted);
        w->setPalette(p);
    }
};

QPalette lightPalette() {
    QPalette p;
    const QColor window(0xef, 0xf0, 0xf1), text(0x23, 0x26, 0x29), base(0xff, 0xff, 0xff);
    const QColor highlight(0x3d, 0xae, 0xe9);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0xf7, 0xf7, 0xf7));
    p.setColor(QPalette::ToolTipBase, QColor(0xf7, 0xf7, 0xf7));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x70, 0x7d, 0x8a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0xfc, 0xfc, 0xfc));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, Qt::white);
    p.setColor(QPalette::Midlight, QColor(0xe0, 0xe1, 0xe2));
    p.setColor(QPalette::Mid, QColor(0xb8, 0xbb, 0xbe));
    p.setColor(QPalette::Dark, QColor(0x88, 0x8e, 0x93));
    p.setColor(QPalette::Shadow, QColor(0x47, 0x4a, 0x4c));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x29, 0x80, 0xb9));
    p.setColor(QPalette::LinkVisited, QColor(0x9b, 0x59, 0xb6));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0xa0, 0xa4, 0xa8));
    return p;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x20, 0x23, 0x26), text(0xfc, 0xfc, 0xfc), base(0x14, 0x16, 0x18);
    const QColor highlight(0x3d, 0xae, 0xe9);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x1d, 0x1f, 0x22));
    p.setColor(QPalette::ToolTipBase, QColor(0x29, 0x2c, 0x30));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x92, 0x9a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x29, 0x2c, 0x30));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x40, 0x45, 0x4a));
    p.setColor(QPalette::Midlight, QColor(0x33, 0x37, 0x3b));
    p.setColor(QPalette::Mid, QColor(0x26, 0x29, 0x2c));
    p.setColor(QPalette::Dark, QColor(0x10, 0x11, 0x12));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x5d, 0xb8, 0xf0));
    p.setColor(QPalette::LinkVisited, QColor(0xb4, 0x8e, 0xd8));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0x6e, 0x74, 0x7a));
    return p;
}

} // namespace

void useSecondaryText(QWidget* w) {
    auto* keeper = new SecondaryTextKeeper(w);
    w->installEventFilter(keeper);
}

void applyAppearance(QApplication& app, Appearance appearance, const QPalette& systemPalette,
                     const QString& systemStyle) {
    switch (appearance) {
    case Appearance::System:
        if (QApplication::style()->name().compare(systemStyle, Qt::CaseInsensitive) != 0)
            QApplication::setStyle(QStyleFactory::create(systemStyle));
        app.setPalette(systemPalette);
        return;
    case Appearance::Light:
    case Appearance::Dark:
        // The platform style may draw with its own colours; Fusion honours the palette.
        if (QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) !=
            0)
            QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        app.setPalette(appearance == Appearance::Dark ? darkPalette() : lightPalette());
        return;
    }
}

} // namespace theme
} // namespace lv::ui
