#include "support/UiWatchdog.h"

#include <QMetaObject>
#include <QTimer>

namespace lv::test {

UiWatchdog::UiWatchdog(QObject* parent) : QObject(parent) {
    thread_.setObjectName(QStringLiteral("ui-watchdog"));
    pinger_ = new QObject;
    auto* timer = new QTimer(pinger_); // moves with its parent
    timer->setInterval(kPingIntervalMs);
    timer->setTimerType(Qt::PreciseTimer);
    connect(timer, &QTimer::timeout, pinger_, [this] { ping(); });
    pinger_->moveToThread(&thread_);
    connect(&thread_, &QThread::started, timer, qOverload<>(&QTimer::start));
    connect(&thread_, &QThread::finished, pinger_, &QObject::deleteLater);
    thread_.start();
}

UiWatchdog::~UiWatchdog() {
    armed_ = false;
    thread_.quit();
    thread_.wait();
}

void UiWatchdog::arm() {
    std::lock_guard<std::mutex> lock(mutex_);
    worstMs_ = 0;
    worstContext_.clear();
    answered_ = 0;
    outstanding_ = false;
    armed_ = true;
}

void UiWatchdog::disarm() {
    armed_ = false;
}

void UiWatchdog::setContext(const QString& label) {
    std::lock_guard<std::mutex> lock(mutex_);
    context_ = label;
}

void UiWatchdog::ping() {
    if (!armed_) return;
    const Clock::rep now = Clock::now().time_since_epoch().count();
    if (outstanding_) {
        // The UI thread has not answered the last ping yet: a stall in progress
        // counts as it grows, so that a test ending mid-stall still sees it.
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::duration(now - sentAt_.load()))
                .count();
        std::lock_guard<std::mutex> lock(mutex_);
        if (ms > worstMs_) {
            worstMs_ = ms;
            worstContext_ = context_;
        }
        return;
    }
    outstanding_ = true;
    sentAt_ = now;
    QMetaObject::invokeMethod(
        this,
        [this, now] {
            const Clock::rep answeredAt = Clock::now().time_since_epoch().count();
            const double ms =
                std::chrono::duration<double, std::milli>(Clock::duration(answeredAt - now))
                    .count();
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (armed_ && ms > worstMs_) {
                    worstMs_ = ms;
                    worstContext_ = context_;
                }
            }
            ++answered_;
            outstanding_ = false;
        },
        Qt::QueuedConnection);
}

double UiWatchdog::worstLatencyMs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return worstMs_;
}

QString UiWatchdog::worstContext() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return worstContext_;
}

} // namespace lv::test
