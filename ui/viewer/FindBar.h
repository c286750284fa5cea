// The find bar under the viewer (Ctrl+F): a search field that searches as you type,
// the match count, previous/next and match case. Knows nothing of what it searches.
#pragma once

#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QToolButton;

namespace lv::ui {

class FindBar : public QWidget {
    Q_OBJECT
public:
    explicit FindBar(QWidget* parent = nullptr);

    QString text() const;
    bool caseSensitive() const;
    void activate(const QString& initialText = {}); // shows, focuses and selects
    void setResult(int count, int current, bool searching);
    QLineEdit* field() const { return field_; }

signals:
    void searchRequested(const QString& text, bool caseSensitive);
    void nextRequested();
    void previousRequested();
    void closed();

protected:
    void keyPressEvent(QKeyEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QLineEdit* field_ = nullptr;
    QLabel* status_ = nullptr;
    QToolButton* previous_ = nullptr;
    QToolButton* next_ = nullptr;
    QToolButton* matchCase_ = nullptr;
    QTimer debounce_;
    QString lastSearched_;
};

} // namespace lv::ui
