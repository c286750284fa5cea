#include "ui/viewer/PassageLocator.h"

#include <QStringList>

#include <algorithm>

namespace lv::ui {

namespace {

// Lower case, letters and digits only: "Article 5." and "article 5" are the same words.
QString normalise(const QString& word) {
    QString out;
    out.reserve(word.size());
    for (QChar c : word)
        if (c.isLetterOrNumber()) out += c.toLower();
    return out;
}

} // namespace

QList<QRectF> locatePassage(const std::vector<PageWord>& words, const QString& quote) {
    QStringList wanted;
    for (const QString& w : quote.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString n = normalise(w);
        if (!n.isEmpty()) wanted << n;
    }
    std::vector<QString> page;
    std::vector<int> pageIndex; // into words, skipping punctuation-only boxes
    for (int i = 0; i < int(words.size()); ++i) {
        const QString n = normalise(words[std::size_t(i)].text);
        if (n.isEmpty()) continue;
        page.push_back(n);
        pageIndex.push_back(i);
    }
    if (wanted.isEmpty() || page.empty()) return {};

    // The longest run of consecutive words that matches the quote, starting at any
    // of its first words (the quote may begin mid-sentence, or with a split word).
    int bestStart = -1;
    int bestLength = 0;
    const int quoteStarts = std::min<int>(3, int(wanted.size()));
    for (int i = 0; i < int(page.size()); ++i) {
        for (int j = 0; j < quoteStarts; ++j) {
            int k = 0;
            while (i + k < int(page.size()) && j + k < wanted.size() &&
                   page[std::size_t(i + k)] == wanted[j + k])
                ++k;
            if (k > bestLength) {
                bestLength = k;
                bestStart = i;
            }
        }
    }
    if (bestLength < std::min<int>(3, int(wanted.size()))) return {};

    // One rectangle per line: words whose vertical centres are close share a line.
    QList<QRectF> lines;
    for (int k = 0; k < bestLength; ++k) {
        const QRectF box = words[std::size_t(pageIndex[std::size_t(bestStart + k)])].box;
        if (!lines.isEmpty()) {
            QRectF& last = lines.last();
            const double tolerance = std::min(last.height(), box.height()) / 2;
            if (std::abs(last.center().y() - box.center().y()) <= tolerance &&
                box.left() >= last.left()) {
                last = last.united(box);
                continue;
            }
        }
        lines.append(box);
    }
    return lines;
}

} // namespace lv::ui
