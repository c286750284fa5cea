#include "ui/assistant/MetricsText.h"

#include <QCoreApplication>
#include <QLocale>
#include <QStringList>

namespace lv::ui {

QString describeMetrics(const analysis::Metrics& m, bool extractive) {
    auto tr = [](const char* s) { return QCoreApplication::translate("Metrics", s); };
    QStringList parts;
    if (extractive) {
        parts << tr("Extractive, without a model");
        return parts.join(QStringLiteral(" · "));
    }
    const QLocale locale;
    if (!m.model.empty()) parts << QString::fromStdString(m.model);
    if (m.generatedTokens > 0)
        parts << tr("%1 tokens").arg(locale.toString(qlonglong(m.generatedTokens)));
    if (m.tokensPerSecond > 0)
        parts << tr("%1 tok/s").arg(locale.toString(m.tokensPerSecond, 'f', 1));
    if (m.stateResumed)
        parts << tr("resumed from cache");
    else if (m.tokensRead > 0)
        parts << tr("read %1 tokens").arg(locale.toString(qlonglong(m.tokensRead)));
    if (m.timeToFirstTokenMs > 0)
        parts << tr("first token %1 s").arg(locale.toString(m.timeToFirstTokenMs / 1000.0, 'f', 1));
    const analysis::Coverage& c = m.coverage;
    if (c.partial() && c.passagesTotal > 0)
        parts << tr("the document does not fit the model's context: read the %1 of its %2 "
                    "passages that best match")
                     .arg(locale.toString(qlonglong(c.passagesRead)),
                          locale.toString(qlonglong(c.passagesTotal)));
    else if (c.partial())
        parts << tr("the document does not fit the model's context: summarized from "
                    "summaries of its %1 parts")
                     .arg(locale.toString(qlonglong(c.summaryParts)));
    if (!m.deviceNote.empty()) parts << QString::fromStdString(m.deviceNote);
    return parts.join(QStringLiteral(" · "));
}

} // namespace lv::ui
