#include "ingest/pdf/PopplerMessages.h"

#include <poppler-qt6.h>

#include <QDebug>

#include <mutex>

namespace lv::ingest {

namespace {

thread_local PopplerMessageCapture* current = nullptr;

void route(const QString& message, const QVariant&) {
    if (current)
        current->add(message);
    else
        qDebug().noquote() << "poppler:" << message; // Poppler's own default
}

void installOnce() {
    static std::once_flag once;
    std::call_once(once, [] { Poppler::setDebugErrorFunction(route, QVariant()); });
}

} // namespace

PopplerMessageCapture::PopplerMessageCapture() : previous_(current) {
    installOnce();
    current = this;
}

PopplerMessageCapture::~PopplerMessageCapture() {
    current = previous_;
}

void PopplerMessageCapture::add(const QString& raw) {
    // Poppler escapes the newline ending its messages as "<0a>".
    const QString message =
        QString(raw).replace(QLatin1String("<0a>"), QLatin1String(" ")).simplified();
    if (messages_.size() >= kMaxMessages || messages_.contains(message)) return;
    messages_.append(message);
}

} // namespace lv::ingest
