#include "cli/Interrupt.h"

#include <csignal>

namespace lv::cli {

namespace {
std::atomic<bool>* g_cancel = nullptr;
volatile std::sig_atomic_t g_interrupts = 0;
void (*g_previous)(int) = SIG_DFL;

extern "C" void onSigint(int) {
    g_interrupts = g_interrupts + 1;
    if (g_interrupts > 1 || !g_cancel) {
        std::signal(SIGINT, SIG_DFL);
        std::raise(SIGINT);
        return;
    }
    g_cancel->store(true); // lock-free atomic store is async-signal-safe
}
} // namespace

InterruptGuard::InterruptGuard(analysis::JobControl& job) {
    g_cancel = &job.cancelRequested;
    g_interrupts = 0;
    g_previous = std::signal(SIGINT, onSigint);
}

InterruptGuard::~InterruptGuard() {
    std::signal(SIGINT, g_previous);
    g_cancel = nullptr;
}

} // namespace lv::cli
