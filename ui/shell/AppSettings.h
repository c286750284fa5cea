// Longview's preferences and remembered state (device, generation, appearance, recent
// files, window layout), typed over an injected QSettings (tests use a temp file) that
// is written on a thread of its own.
// The models folder and the chosen model are remembered by the analysis service
// instead, so that the CLI and the GUI agree on them.
#pragma once

#include "analysis/AnalysisService.h"
#include "ui/shell/BackgroundSettings.h"
#include "ui/shell/Theme.h"

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace lv::ui {

// Where the viewer was in a document: restored when it is opened again.
struct ViewPosition {
    int page = 0;    // 0-based; the first line for code and text
    double zoom = 0; // 0: fit width
    QString file;    // codebases: the open file, relative to the root
};

class AppSettings {
public:
    explicit AppSettings(std::unique_ptr<QSettings> store);

    // The configuration for the analysis service. databasePath: from the command
    // line or the environment; empty lets the service choose.
    analysis::ServiceConfig serviceConfig(const QString& databasePath) const;

    QString device() const; // auto | cpu | cuda
    void setDevice(const QString& device);
    qint64 contextLength() const; // 0: the model's own limit
    void setContextLength(qint64 tokens);
    qint64 cacheBudgetBytes() const; // 0: the service's default
    void setCacheBudgetBytes(qint64 bytes);
    int maxNewTokens() const;
    void setMaxNewTokens(int tokens);
    double temperature() const;
    void setTemperature(double t);
    quint64 seed() const;
    void setSeed(quint64 seed);

    Appearance appearance() const;
    void setAppearance(Appearance a);
    bool reingestChangedFiles() const;
    void setReingestChangedFiles(bool on);

    QStringList recentFiles() const; // newest first, at most kMaxRecentFiles
    void addRecentFile(const QString& path);
    void removeRecentFile(const QString& path);
    void clearRecentFiles();
    static constexpr int kMaxRecentFiles = 10;

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    QByteArray splitterState() const;
    void saveWindow(const QByteArray& geometry, const QByteArray& state,
                    const QByteArray& splitter);

    // The library the settings below are kept for: document ids are a library's own, so
    // another library (--db) keeps its last document and view positions apart. The
    // default library keeps the keys it always had.
    void setLibrary(const QString& databasePath, bool isDefault);
    qint64 lastDocument() const; // 0: none
    void setLastDocument(qint64 id);
    ViewPosition viewPosition(qint64 documentId) const;
    void setViewPosition(qint64 documentId, const ViewPosition& position);
    qint64 lastSession(qint64 documentId) const; // 0: none
    void setLastSession(qint64 documentId, qint64 sessionId);

    void sync(); // asks for the file to be written soon; the destructor writes it for sure
    QString fileName() const { return store_.fileName(); }

private:
    QString documentKey(qint64 id, const char* field) const;

    BackgroundSettings store_;
    QString libraryPrefix_; // "" for the default library
};

} // namespace lv::ui
