#include "ui/shell/BackgroundSettings.h"

namespace lv::ui {

BackgroundSettings::BackgroundSettings(std::unique_ptr<QSettings> store) {
    fileName_ = store->fileName();
    for (const QString& key : store->allKeys())
        values_.insert(key, store->value(key));
    writer_.setObjectName(QStringLiteral("longview-settings"));
    store_ = store.release();
    store_->moveToThread(&writer_);
    writer_.start();
}

BackgroundSettings::~BackgroundSettings() {
    // The last of the queued writes: everything posted before it has been applied
    // when it runs, so the file is complete before the thread ends.
    QSettings* store = store_;
    QMetaObject::invokeMethod(
        store,
        [store] {
            store->sync();
            delete store;
            QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    writer_.wait();
}

QVariant BackgroundSettings::value(const QString& key, const QVariant& fallback) const {
    return values_.value(key, fallback);
}

void BackgroundSettings::setValue(const QString& key, const QVariant& value) {
    values_.insert(key, value);
    QSettings* store = store_;
    QMetaObject::invokeMethod(
        store, [store, key, value] { store->setValue(key, value); }, Qt::QueuedConnection);
}

void BackgroundSettings::remove(const QString& key) {
    values_.remove(key);
    QSettings* store = store_;
    QMetaObject::invokeMethod(
        store, [store, key] { store->remove(key); }, Qt::QueuedConnection);
}

void BackgroundSettings::sync() {
    QSettings* store = store_;
    QMetaObject::invokeMethod(
        store, [store] { store->sync(); }, Qt::QueuedConnection);
}

} // namespace lv::ui
