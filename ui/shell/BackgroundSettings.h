// A QSettings whose file is written on a thread of its own: QSettings syncs (and locks
// its file) from the event loop of the thread it lives on, which on a busy disk can
// hold the UI thread for tens of milliseconds. Reads come from a copy in memory.
#pragma once

#include <QHash>
#include <QSettings>
#include <QThread>
#include <QVariant>

#include <memory>

namespace lv::ui {

class BackgroundSettings {
public:
    // Reads every value of store (on the calling thread, once), then moves store to
    // the writer thread.
    explicit BackgroundSettings(std::unique_ptr<QSettings> store);
    // Writes what is pending and stops the writer thread.
    ~BackgroundSettings();
    BackgroundSettings(const BackgroundSettings&) = delete;
    BackgroundSettings& operator=(const BackgroundSettings&) = delete;

    QVariant value(const QString& key, const QVariant& fallback = {}) const;
    void setValue(const QString& key, const QVariant& value);
    void remove(const QString& key);
    void sync(); // asks for a write soon; returns at once
    QString fileName() const { return fileName_; }

private:
    QHash<QString, QVariant> values_;
    QSettings* store_ = nullptr; // lives on writer_, deleted there
    QThread writer_;
    QString fileName_;
};

} // namespace lv::ui
