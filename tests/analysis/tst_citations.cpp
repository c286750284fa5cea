// Citation markers in model output and their resolution to document segments.

#include "analysis/CitationResolver.h"

#include <QtTest>

using namespace lv::analysis;

namespace {
SourceUnit page(int index, const std::string& label, std::int64_t segment) {
    SourceUnit u;
    u.citation.segmentId = segment;
    u.citation.pageIndex = index;
    u.citation.pageLabel = label;
    u.citation.label = "p. " + label;
    u.text = "text of page " + label;
    return u;
}
SourceUnit file(const std::string& path, int a, int b, std::int64_t segment) {
    SourceUnit u;
    u.citation.segmentId = segment;
    u.citation.filePath = path;
    u.citation.lineStart = a;
    u.citation.lineEnd = b;
    u.citation.label = path + ":" + std::to_string(a);
    return u;
}
} // namespace

class CitationsTest : public QObject {
    Q_OBJECT
private slots:
    void findsPageAndFileMarkers() {
        const auto m = findCitationMarkers(
            "Notice is 30 days [p. 12]; see also [p.iv] and [src/main.cpp:10-20] [x] [1].");
        QCOMPARE(m.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(m[0].pageLabel), QString("12"));
        QCOMPARE(QString::fromStdString(m[1].pageLabel), QString("iv"));
        QCOMPARE(QString::fromStdString(m[2].filePath), QString("src/main.cpp"));
        QCOMPARE(m[2].lineStart, 10);
        QCOMPARE(m[2].lineEnd, 20);
    }

    void resolvesLabelsNotIndices() {
        const std::vector<SourceUnit> units = {page(0, "i", 1), page(1, "ii", 2), page(2, "1", 3),
                                               page(3, "2", 4)};
        const auto c = resolveCitations("Scope [p. 1]. Preface [p. ii].", units);
        QCOMPARE(c.size(), std::size_t(2));
        QCOMPARE(c[0].pageIndex, 2);
        QCOMPARE(c[0].segmentId, std::int64_t(3));
        QCOMPARE(c[1].pageIndex, 1);
    }

    void dropsCitationsThatPointNowhere() {
        const std::vector<SourceUnit> units = {page(0, "1", 1), file("src/a.cpp", 1, 50, 2)};
        const auto c = resolveCitations("[p. 99] [src/b.cpp:3] [src/a.cpp:80] [p. 1]", units);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].pageIndex, 0);
    }

    void resolvesFileLinesAndSuffixPaths() {
        const std::vector<SourceUnit> units = {file("repo/src/a.cpp", 1, 40, 7),
                                               file("repo/src/a.cpp", 41, 90, 8)};
        const auto c = resolveCitations("Parsing happens in [src/a.cpp:45-120].", units);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].segmentId, std::int64_t(8));
        QCOMPARE(c[0].lineStart, 45);
        QCOMPARE(c[0].lineEnd, 90);
        QCOMPARE(QString::fromStdString(c[0].label), QString("repo/src/a.cpp:45-90"));
    }

    void pageLabelsWithSpaces() {
        const std::vector<SourceUnit> units = {page(0, "1", 1), page(40, "Annex 2", 2)};
        const auto c = resolveCitations("Fees are listed in [p. Annex 2] and [p. Annex 9].", units);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].pageIndex, 40);
    }

    void pathsWithSpaces() {
        const std::vector<SourceUnit> units = {file("Master Agreement.txt", 1, 4, 5),
                                               file("Master Agreement.txt", 6, 9, 6)};
        const auto c = resolveCitations(
            "Notice is ninety days [Master Agreement.txt: 7] [see note: 2].", units);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].segmentId, std::int64_t(6));
        QCOMPARE(QString::fromStdString(c[0].label), QString("Master Agreement.txt:7"));
    }

    void duplicatesKeptOnce() {
        const std::vector<SourceUnit> units = {page(0, "1", 1)};
        QCOMPARE(resolveCitations("[p. 1] and again [p. 1]", units).size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(CitationsTest)
#include "tst_citations.moc"
