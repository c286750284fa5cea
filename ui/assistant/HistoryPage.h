// The History tab: the conversations kept for the open document, newest first, each
// with its last question; choosing one continues it in the Ask tab.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <QWidget>

#include <vector>

class QListWidget;
class QStackedWidget;

namespace lv::ui {

class EmptyState;

class HistoryPage : public QWidget {
    Q_OBJECT
public:
    // The list's items: the session's id, and its second line ("3 questions · Today, 14:02",
    // the time of its last question).
    enum Role { SessionIdRole = Qt::UserRole + 1, DetailRole };

    explicit HistoryPage(QWidget* parent = nullptr);

    void setSessions(const std::vector<analysis::SessionInfo>& sessions);
    void setCurrentSession(qint64 sessionId);
    int sessionCount() const;
    QListWidget* list() const { return list_; }

    // "3 March 2025, 14:02" from the service's ISO 8601 time; today: "Today, 14:02".
    static QString formatTime(const QString& iso);

signals:
    void sessionActivated(qint64 sessionId);

private:
    QStackedWidget* stack_ = nullptr;
    QListWidget* list_ = nullptr;
    EmptyState* empty_ = nullptr;
};

} // namespace lv::ui
