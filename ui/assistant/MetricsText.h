// One line about how an answer or a summary was made: the model, tokens, speed and
// whether the document's state came from the cache; or that it is extractive.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QString>

namespace lv::ui {

QString describeMetrics(const analysis::Metrics& metrics, bool extractive);

} // namespace lv::ui
