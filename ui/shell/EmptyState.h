// A centred "nothing here yet" message: an icon, a title, a sentence and optional
// buttons. Used wherever a panel has nothing to show, so that it never looks broken.
#pragma once

#include <QIcon>
#include <QWidget>

class QLabel;
class QBoxLayout;
class QPushButton;
class QVBoxLayout;

namespace lv::ui {

class EmptyState : public QWidget {
    Q_OBJECT
public:
    explicit EmptyState(QWidget* parent = nullptr);

    // muted: drawn faintly, as a placeholder rather than a logo.
    void setIcon(const QIcon& icon, int size = 64, bool muted = true);
    void setTitle(const QString& title);
    void setBody(const QString& body); // rich text allowed; links emit linkActivated
    // Buttons are created in order; the first added with primary = true is the default.
    QPushButton* addButton(const QString& text, const QIcon& icon = {}, bool primary = false);
    void clearButtons();
    // A widget under the buttons (a list of recent files, a progress bar).
    void setExtra(QWidget* widget);

    QString title() const;
    QString body() const;

signals:
    void linkActivated(const QString& link);

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void restyle();
    void updateButtonDirection(); // side by side where they fit, else one above the other

    QLabel* icon_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* body_ = nullptr;
    QBoxLayout* buttons_ = nullptr;
    QVBoxLayout* column_ = nullptr;
    QWidget* extra_ = nullptr;
    QIcon iconSource_;
    int iconSize_ = 64;
    bool iconMuted_ = true;
};

} // namespace lv::ui
