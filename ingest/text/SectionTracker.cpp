#include "ingest/text/SectionTracker.h"

namespace lv::ingest {

void SectionTracker::enter(int rank, const QString& title) {
    while (!open_.empty() && open_.back().rank >= rank)
        open_.pop_back();
    open_.push_back({rank, title});
}

QStringList SectionTracker::path() const {
    QStringList out;
    out.reserve(static_cast<qsizetype>(open_.size()));
    for (const auto& o : open_)
        out.append(o.title);
    return out;
}

} // namespace lv::ingest
