// One exchange of the Q&A chat: the question in a bubble, the answer as it streams in,
// then its citation chips and a line about how it was made.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QTimer>
#include <QWidget>

class QLabel;

namespace lv::ui {

class FlowLayout;

class MessageView : public QWidget {
    Q_OBJECT
public:
    explicit MessageView(const QString& question, QWidget* parent = nullptr);

    // While the answer is being made.
    void setStatus(const QString& status); // "Reading the document · 34 %"
    void appendAnswerText(const QString& piece);
    bool isStreaming() const { return streaming_; }

    // The final answer, or a stored message.
    void setAnswer(const QString& text, const std::vector<analysis::Citation>& citations,
                   const analysis::Metrics& metrics, bool extractive);
    void setFailed(const QString& message);
    void setCancelled();

    QString question() const { return question_; }
    QString answerText() const { return answer_; }
    QString statusText() const; // "Starting…", a stage, a failure; empty once answered
    int citationCount() const { return int(citations_.size()); }
    const std::vector<analysis::Citation>& citations() const { return citations_; }

signals:
    void citationActivated(const lv::analysis::Citation& citation);

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void render();
    void copySelectedAnswer() const;
    void restyle();

    QString question_;
    QString answer_;
    std::vector<analysis::Citation> citations_;
    bool streaming_ = true;
    QWidget* questionBubble_ = nullptr;
    QLabel* questionLabel_ = nullptr;
    QLabel* author_ = nullptr;
    QLabel* answerLabel_ = nullptr;
    QLabel* status_ = nullptr;
    QWidget* chips_ = nullptr;
    FlowLayout* chipLayout_ = nullptr;
    QLabel* metrics_ = nullptr;
    QTimer renderTimer_; // tokens arrive one by one; the label is laid out ~20 times a second
};

} // namespace lv::ui
