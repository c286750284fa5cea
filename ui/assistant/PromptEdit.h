// The question box: grows with its text up to a few lines; Enter sends, Shift+Enter
// starts a new line.
#pragma once

#include <QPlainTextEdit>

namespace lv::ui {

class PromptEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit PromptEdit(QWidget* parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void submitted();

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    int heightForLines(int lines) const;
};

} // namespace lv::ui
