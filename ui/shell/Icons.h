// Icons by freedesktop name: the desktop's icon theme first, else Longview's own
// line icons, tinted with the current palette so that they suit light and dark themes.
#pragma once

#include <QIcon>
#include <QString>

namespace lv::ui::icons {

// name: a freedesktop icon name ("document-open", "zoom-in", ...). Names without a
// bundled fallback and missing from the theme give a null icon.
QIcon themed(const QString& name);
// Longview's own drawing, whatever the theme ("state-cached", "sparkle", ...).
QIcon bundled(const QString& name);
// The application icon at every bundled size.
QIcon application();

} // namespace lv::ui::icons
