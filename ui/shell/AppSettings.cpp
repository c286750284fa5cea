#include "ui/shell/AppSettings.h"

#include <QCryptographicHash>

namespace lv::ui {

namespace {
// Keys are part of the user's configuration file: never rename them.
const QString kDevice = QStringLiteral("model/device");
const QString kContextLength = QStringLiteral("model/contextLength");
const QString kCacheBudget = QStringLiteral("model/cacheBudgetBytes");
const QString kMaxNewTokens = QStringLiteral("generation/maxNewTokens");
const QString kTemperature = QStringLiteral("generation/temperature");
const QString kSeed = QStringLiteral("generation/seed");
const QString kAppearance = QStringLiteral("interface/appearance");
const QString kReingest = QStringLiteral("library/reingestChangedFiles");
const QString kRecentFiles = QStringLiteral("library/recentFiles");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kSplitter = QStringLiteral("window/splitter");
const QString kLastDocument = QStringLiteral("library/lastDocument");
} // namespace

void AppSettings::setLibrary(const QString& databasePath, bool isDefault) {
    libraryPrefix_ =
        isDefault ? QString()
                  : QStringLiteral("libraries/%1/")
                        .arg(QString::fromLatin1(QCryptographicHash::hash(databasePath.toUtf8(),
                                                                          QCryptographicHash::Sha1)
                                                     .toHex()
                                                     .left(16)));
}

QString AppSettings::documentKey(qint64 id, const char* field) const {
    return libraryPrefix_ + QStringLiteral("documents/%1/%2").arg(id).arg(QLatin1String(field));
}

AppSettings::AppSettings(std::unique_ptr<QSettings> store) : store_(std::move(store)) {}

analysis::ServiceConfig AppSettings::serviceConfig(const QString& databasePath) const {
    analysis::ServiceConfig config;
    config.databasePath = databasePath.toStdString();
    // modelPath stays empty: the service uses the model it remembers.
    config.device = device().toStdString();
    config.contextLength = contextLength();
    config.cacheBudgetBytes = cacheBudgetBytes();
    config.maxNewTokens = maxNewTokens();
    config.temperature = float(temperature());
    config.seed = seed();
    return config;
}

QString AppSettings::device() const {
    const QString d = store_.value(kDevice, QStringLiteral("auto")).toString();
    if (d == QLatin1String("cpu") || d == QLatin1String("cuda")) return d;
    return QStringLiteral("auto");
}
void AppSettings::setDevice(const QString& device) {
    store_.setValue(kDevice, device);
}

qint64 AppSettings::contextLength() const {
    return qMax<qint64>(0, store_.value(kContextLength, 0).toLongLong());
}
void AppSettings::setContextLength(qint64 tokens) {
    store_.setValue(kContextLength, tokens);
}

qint64 AppSettings::cacheBudgetBytes() const {
    return qMax<qint64>(0, store_.value(kCacheBudget, 0).toLongLong());
}
void AppSettings::setCacheBudgetBytes(qint64 bytes) {
    store_.setValue(kCacheBudget, bytes);
}

int AppSettings::maxNewTokens() const {
    return qBound(1, store_.value(kMaxNewTokens, 512).toInt(), 32768);
}
void AppSettings::setMaxNewTokens(int tokens) {
    store_.setValue(kMaxNewTokens, tokens);
}

double AppSettings::temperature() const {
    return qBound(0.0, store_.value(kTemperature, 0.0).toDouble(), 2.0);
}
void AppSettings::setTemperature(double t) {
    store_.setValue(kTemperature, t);
}

quint64 AppSettings::seed() const {
    return store_.value(kSeed, 0).toULongLong();
}
void AppSettings::setSeed(quint64 seed) {
    store_.setValue(kSeed, seed);
}

Appearance AppSettings::appearance() const {
    return appearanceFromKey(store_.value(kAppearance).toString());
}
void AppSettings::setAppearance(Appearance a) {
    store_.setValue(kAppearance, appearanceKey(a));
}

bool AppSettings::reingestChangedFiles() const {
    return store_.value(kReingest, true).toBool();
}
void AppSettings::setReingestChangedFiles(bool on) {
    store_.setValue(kReingest, on);
}

QStringList AppSettings::recentFiles() const {
    return store_.value(kRecentFiles).toStringList();
}

void AppSettings::addRecentFile(const QString& path) {
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    store_.setValue(kRecentFiles, files);
}

void AppSettings::removeRecentFile(const QString& path) {
    QStringList files = recentFiles();
    files.removeAll(path);
    store_.setValue(kRecentFiles, files);
}

void AppSettings::clearRecentFiles() {
    store_.remove(kRecentFiles);
}

QByteArray AppSettings::windowGeometry() const {
    return store_.value(kGeometry).toByteArray();
}
QByteArray AppSettings::windowState() const {
    return store_.value(kState).toByteArray();
}
QByteArray AppSettings::splitterState() const {
    return store_.value(kSplitter).toByteArray();
}

void AppSettings::saveWindow(const QByteArray& geometry, const QByteArray& state,
                             const QByteArray& splitter) {
    store_.setValue(kGeometry, geometry);
    store_.setValue(kState, state);
    store_.setValue(kSplitter, splitter);
}

qint64 AppSettings::lastDocument() const {
    return store_.value(libraryPrefix_ + kLastDocument, 0).toLongLong();
}
void AppSettings::setLastDocument(qint64 id) {
    store_.setValue(libraryPrefix_ + kLastDocument, id);
}

ViewPosition AppSettings::viewPosition(qint64 documentId) const {
    ViewPosition p;
    p.page = qMax(0, store_.value(documentKey(documentId, "page"), 0).toInt());
    p.zoom = qMax(0.0, store_.value(documentKey(documentId, "zoom"), 0.0).toDouble());
    p.file = store_.value(documentKey(documentId, "file")).toString();
    return p;
}

void AppSettings::setViewPosition(qint64 documentId, const ViewPosition& position) {
    store_.setValue(documentKey(documentId, "page"), position.page);
    store_.setValue(documentKey(documentId, "zoom"), position.zoom);
    store_.setValue(documentKey(documentId, "file"), position.file);
}

qint64 AppSettings::lastSession(qint64 documentId) const {
    return store_.value(documentKey(documentId, "session"), 0).toLongLong();
}

void AppSettings::setLastSession(qint64 documentId, qint64 sessionId) {
    store_.setValue(documentKey(documentId, "session"), sessionId);
}

void AppSettings::sync() {
    store_.sync();
}

} // namespace lv::ui
