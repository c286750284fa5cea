// The current section path while reading a document in order: entering a
// heading of rank r closes every open section of rank >= r.
#pragma once

#include <QString>
#include <QStringList>

#include <vector>

namespace lv::ingest {

class SectionTracker {
public:
    void enter(int rank, const QString& title);
    QStringList path() const;
    // The rank of the innermost open section, or -1.
    int innermostRank() const { return open_.empty() ? -1 : open_.back().rank; }
    QString innermostTitle() const { return open_.empty() ? QString() : open_.back().title; }
    void clear() { open_.clear(); }

private:
    struct Open {
        int rank;
        QString title;
    };
    std::vector<Open> open_;
};

} // namespace lv::ingest
