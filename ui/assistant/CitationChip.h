// A small rounded button naming one source of an answer ("p. 12", "src/app.cpp:40–52");
// clicking it opens the page or the lines in the viewer.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QAbstractButton>

namespace lv::ui {

class CitationChip : public QAbstractButton {
    Q_OBJECT
public:
    CitationChip(int number, const analysis::Citation& citation, QWidget* parent = nullptr);

    const analysis::Citation& citation() const { return citation_; }
    int number() const { return number_; }
    QSize sizeHint() const override;

signals:
    void citationActivated(const lv::analysis::Citation& citation);

protected:
    void paintEvent(QPaintEvent* event) override;
    void enterEvent(QEnterEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    int number_;
    analysis::Citation citation_;
    bool hovered_ = false;
};

} // namespace lv::ui
