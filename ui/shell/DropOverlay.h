// Covers the window while files are dragged over it, saying that dropping them adds
// them to the library. Transparent to the mouse; the window handles the drop.
#pragma once

#include <QWidget>

namespace lv::ui {

class DropOverlay : public QWidget {
    Q_OBJECT
public:
    // Covers target; parented to target's window rather than to target, because
    // some containers (QSplitter) take every child widget as a pane.
    explicit DropOverlay(QWidget* target);
    void showOver(const QStringList& paths); // the files being dragged

protected:
    void paintEvent(QPaintEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void follow();

    QWidget* target_;
    QString caption_;
};

} // namespace lv::ui
