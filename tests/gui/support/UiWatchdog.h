// Measures how long the UI thread takes to pick up an event: a timer on a helper thread
// posts a ping every few milliseconds and the UI thread records the delay. A GUI test
// arms it around the work it drives and fails when the UI thread was blocked too long.
//
// With LONGVIEW_WATCHDOG_TRACE=MS in the environment, a stall longer than MS prints
// the UI thread's stack (from a signal handler) to stderr, to find what blocked it.
//
// On a loaded machine a thread can be ready to run and still wait for a CPU; that is
// not the application blocking. Where Linux reports it (/proc/.../schedstat), the
// time the UI thread spent waiting in the run queue is taken out of each latency, and
// so is the time the hypervisor took the CPUs away ("steal" in /proc/stat; the most
// any one CPU lost, to 10 ms).
#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

namespace lv::test {

class UiWatchdog : public QObject {
    Q_OBJECT
public:
    static constexpr int kPingIntervalMs = 5;
    // The most the UI thread may be blocked in a GUI test (the 50 ms).
    static constexpr double kLimitMs = 50.0;

    explicit UiWatchdog(QObject* parent = nullptr); // construct on the UI thread
    ~UiWatchdog() override;

    void arm();    // resets the worst latency and starts pinging
    void disarm(); // stops; the numbers stay readable
    void reset();  // disarmed, numbers cleared: call it before each test function

    // Arms until the end of the enclosing scope. Declared after a test's own fixtures
    // (a temporary folder), it disarms before they are torn down, so that the test's
    // cleanup on a slow disk is not taken for the application blocking.
    class ArmedScope {
    public:
        explicit ArmedScope(UiWatchdog& w) : w_(w) { w_.arm(); }
        ~ArmedScope() { w_.disarm(); }
        ArmedScope(const ArmedScope&) = delete;
        ArmedScope& operator=(const ArmedScope&) = delete;

    private:
        UiWatchdog& w_;
    };
    [[nodiscard]] ArmedScope armedForScope() { return ArmedScope(*this); }
    bool isArmed() const { return armed_.load(); }

    // The worst delay, less the time the UI thread waited for a CPU; includes a
    // ping still unanswered now.
    double worstLatencyMs() const;
    double worstRawLatencyMs() const; // wall time, scheduling waits included
    QString worstContext() const;     // the label set when the worst latency happened
    int pings() const { return answered_.load(); }
    bool correctsForScheduling() const { return !schedstatPath_.isEmpty(); }
    // Names the phase of the test, so that a failure says where the UI blocked.
    void setContext(const QString& label);

    // The end of a test function: disarms, logs the worst latency, and says why the test
    // fails when the UI thread was blocked longer than limitMs (empty when it was not).
    QString finishTest(double limitMs);

private:
    using Clock = std::chrono::steady_clock;
    void ping();                   // on the helper thread
    qint64 runQueueWaitNs() const; // the UI thread's, from schedstat; 0 when unknown
    void record(double rawMs, double blockedMs);
    static double stealSinceMs(const std::vector<double>& before);

    QThread thread_;
    QObject* pinger_ = nullptr; // lives on thread_
    QString schedstatPath_;
    long uiThreadId_ = 0;
    double traceAfterMs_ = 0; // 0: no stack traces
    std::atomic<bool> traced_{false};
    std::atomic<bool> armed_{false};
    std::atomic<bool> outstanding_{false};
    std::atomic<int> answered_{0};
    std::atomic<Clock::rep> sentAt_{0};
    std::atomic<qint64> sentWait_{0};
    std::vector<double> sentSteal_; // per CPU, when the outstanding ping was sent; under mutex_
    mutable std::mutex mutex_;
    double worstMs_ = 0;
    double worstRawMs_ = 0;
    QString worstContext_;
    QString context_;
};

} // namespace lv::test
