// The Q&A transcript: exchanges stacked in a scroll area that follows a streaming
// answer while the reader is at the bottom, and stays put when they scrolled up.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QScrollArea>

class QVBoxLayout;

namespace lv::ui {

class MessageView;

class ChatView : public QScrollArea {
    Q_OBJECT
public:
    explicit ChatView(QWidget* parent = nullptr);

    MessageView* addExchange(const QString& question);
    void clear();
    int exchangeCount() const;
    MessageView* exchange(int index) const;
    MessageView* lastExchange() const;

signals:
    void citationActivated(const lv::analysis::Citation& citation);

private:
    void followIfAtBottom();

    QWidget* column_ = nullptr;
    QVBoxLayout* layout_ = nullptr;
    bool atBottom_ = true;
};

} // namespace lv::ui
