// Turns a summary or an answer (plain text with light Markdown and citation markers
// such as [1] or [2, 3]) into the rich text the assistant shows, markers as links.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QString>

#include <vector>

namespace lv::ui::citation_text {

// Links have the form "cite:N" with N the 0-based index into citations. Markers
// beyond the citations stay plain text. linkColour: the palette's link colour.
QString toHtml(const QString& text, int citationCount, const QString& linkColour);

// toHtml lets a long run without spaces (a URL, a path, a command) wrap by putting
// zero-width spaces into it; text copied from the result gets them back out, or a
// pasted URL or command would carry invisible characters.
QString withoutBreakHints(QString text);

// "cite:3" -> 3; -1 when the link is not a citation link.
int citationIndex(const QString& link);

// How a citation is named on its chip: "p. iv", "src/main.cpp:10–24", "line 12".
QString chipLabel(const analysis::Citation& citation);

} // namespace lv::ui::citation_text
