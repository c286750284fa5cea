// Hands a QFuture's result to a callback on the receiver's thread, or drops it when
// the receiver is destroyed first: background results without dangling receivers.
#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>

#include <utility>

namespace lv::ui {

// onResult(T) runs on receiver's thread once the future finishes, unless the future
// was cancelled (or threw) or receiver is gone. The watcher is a child of receiver,
// so destroying receiver disconnects it safely from the worker thread.
template <typename T, typename F>
void deliverResult(QObject* receiver, QFuture<T> future, F onResult) {
    auto* watcher = new QFutureWatcher<T>(receiver);
    QObject::connect(watcher, &QFutureWatcherBase::finished, receiver,
                     [watcher, onResult = std::move(onResult)]() mutable {
                         QFuture<T> f = watcher->future();
                         watcher->deleteLater();
                         if (f.isCanceled() || f.resultCount() == 0) return;
                         onResult(f.result());
                     });
    watcher->setFuture(std::move(future));
}

} // namespace lv::ui
