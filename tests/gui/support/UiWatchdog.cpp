#include "support/UiWatchdog.h"

#include <QFile>
#include <QMetaObject>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <execinfo.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace lv::test {

namespace {

void printStack(int) {
    void* frames[64];
    const int n = backtrace(frames, 64);
    static const char header[] = "--- UI thread stack during a stall ---\n";
    (void)!write(2, header, sizeof header - 1);
    backtrace_symbols_fd(frames, n, 2);
}

// Time the hypervisor gave each CPU of this virtual machine to someone else, in ms
// (the "steal" column of /proc/stat, in clock ticks). The UI thread cannot answer
// while its CPU is taken away, and no code of ours is to blame.
std::vector<double> stealPerCpuMs() {
    std::vector<double> out;
    QFile f(QStringLiteral("/proc/stat"));
    if (!f.open(QIODevice::ReadOnly)) return out;
    static const double msPerTick = 1000.0 / double(sysconf(_SC_CLK_TCK));
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (!line.startsWith("cpu") || line.size() < 4 || line[3] == ' ') continue;
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() > 8) out.push_back(fields[8].toDouble() * msPerTick);
    }
    return out;
}

double msBetween(std::chrono::steady_clock::rep from, std::chrono::steady_clock::rep to) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::duration(to - from))
        .count();
}
} // namespace

UiWatchdog::UiWatchdog(QObject* parent) : QObject(parent) {
    const long tid = syscall(SYS_gettid);
    const QString path = QStringLiteral("/proc/self/task/%1/schedstat").arg(tid);
    QFile f(path);
    if (f.open(QIODevice::ReadOnly) && f.readAll().split(' ').size() >= 2) schedstatPath_ = path;
    uiThreadId_ = tid;
    traceAfterMs_ = qEnvironmentVariableIntValue("LONGVIEW_WATCHDOG_TRACE");
    if (traceAfterMs_ > 0) {
        void* warm[1];
        backtrace(warm, 1); // loads the unwinder now, not inside the signal handler
        std::signal(SIGUSR2, printStack);
    }

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

qint64 UiWatchdog::runQueueWaitNs() const {
    if (schedstatPath_.isEmpty()) return 0;
    QFile f(schedstatPath_);
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() >= 2 ? fields[1].trimmed().toLongLong() : 0;
}

double UiWatchdog::stealSinceMs(const std::vector<double>& before) {
    const std::vector<double> now = stealPerCpuMs();
    double most = 0;
    for (size_t i = 0; i < std::min(now.size(), before.size()); ++i)
        most = std::max(most, now[i] - before[i]);
    return most;
}

void UiWatchdog::arm() {
    std::lock_guard<std::mutex> lock(mutex_);
    worstMs_ = 0;
    worstRawMs_ = 0;
    worstContext_.clear();
    answered_ = 0;
    outstanding_ = false;
    armed_ = true;
}

void UiWatchdog::disarm() {
    armed_ = false;
}

void UiWatchdog::reset() {
    arm();
    disarm();
}

void UiWatchdog::setContext(const QString& label) {
    std::lock_guard<std::mutex> lock(mutex_);
    context_ = label;
}

void UiWatchdog::record(double rawMs, double blockedMs) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!armed_) return;
    worstRawMs_ = std::max(worstRawMs_, rawMs);
    if (blockedMs > worstMs_) {
        worstMs_ = blockedMs;
        worstContext_ = context_;
    }
}

void UiWatchdog::ping() {
    if (!armed_) return;
    const Clock::rep now = Clock::now().time_since_epoch().count();
    const qint64 wait = runQueueWaitNs();
    if (outstanding_) {
        // The UI thread has not answered the last ping yet: a stall in progress
        // counts as it grows, so that a test ending mid-stall still sees it.
        const double raw = msBetween(sentAt_.load(), now);
        double blocked = raw - double(wait - sentWait_.load()) / 1e6;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            blocked -= stealSinceMs(sentSteal_);
        }
        record(raw, blocked);
        if (traceAfterMs_ > 0 && blocked > traceAfterMs_ && !traced_.exchange(true))
            syscall(SYS_tgkill, getpid(), uiThreadId_, SIGUSR2);
        return;
    }
    traced_ = false;
    outstanding_ = true;
    sentAt_ = now;
    sentWait_ = wait;
    std::vector<double> steal = stealPerCpuMs();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        sentSteal_ = steal;
    }
    QMetaObject::invokeMethod(
        this,
        [this, now, wait, steal = std::move(steal)] {
            const Clock::rep answeredAt = Clock::now().time_since_epoch().count();
            const double raw = msBetween(now, answeredAt);
            record(raw, raw - double(runQueueWaitNs() - wait) / 1e6 - stealSinceMs(steal));
            ++answered_;
            outstanding_ = false;
        },
        Qt::QueuedConnection);
}

double UiWatchdog::worstLatencyMs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return worstMs_;
}

double UiWatchdog::worstRawLatencyMs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return worstRawMs_;
}

QString UiWatchdog::worstContext() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return worstContext_;
}

QString UiWatchdog::finishTest(double limitMs) {
    disarm();
    qInfo("UI thread blocked at most %.1f ms (%.1f ms with waits for a CPU) over %d pings",
          worstLatencyMs(), worstRawLatencyMs(), pings());
    if (worstLatencyMs() <= limitMs) return {};
    return QStringLiteral("the UI thread was blocked for %1 ms (%2)")
        .arg(worstLatencyMs(), 0, 'f', 1)
        .arg(worstContext());
}

} // namespace lv::test
