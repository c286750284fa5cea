// Colours for the widgets Longview paints itself, derived from the current palette so
// that they follow the system's light or dark theme, and the optional forced theme.
#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

class QApplication;
class QWidget;

namespace lv::ui {

enum class Appearance { System, Light, Dark };

QString appearanceKey(Appearance a);              // "system" | "light" | "dark", as stored
Appearance appearanceFromKey(const QString& key); // unknown keys: System

namespace theme {

bool isDark(const QPalette& palette);
QColor mix(const QColor& a, const QColor& b, double t); // t = 0: a, t = 1: b

// Text that explains rather than states: captions, metadata, empty states.
QColor secondaryText(const QPalette& palette);
// A quiet fill for cards and chat bubbles, a little apart from the base colour.
QColor subtleFill(const QPalette& palette);
QColor accentFill(const QPalette& palette); // the highlight colour, faint
QColor border(const QPalette& palette);
QColor warning(const QPalette& palette);
QColor success(const QPalette& palette);
QColor searchMatch(const QPalette& palette, bool current);
// Selected text on a PDF page: the highlight colour, translucent so the words show.
QColor textSelection(const QPalette& palette);
// The grey around PDF pages.
QColor canvas(const QPalette& palette);

// Gives w the secondary text colour and keeps it right when the palette changes
// (an explicitly set colour would otherwise stay from the old theme).
void useSecondaryText(QWidget* w);

// Fusion with a light or dark palette when the user forces one; the platform's own
// style and palette otherwise.
void applyAppearance(QApplication& app, Appearance appearance, const QPalette& systemPalette,
                     const QString& systemStyle);

} // namespace theme
} // namespace lv::ui
