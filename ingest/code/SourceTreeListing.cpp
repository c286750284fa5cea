#include "ingest/code/SourceTreeListing.h"

#include "ingest/IngestErrors.h"
#include "ingest/code/FileFilter.h"
#include "ingest/code/GitIgnore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#include <memory>

namespace lv::ingest {

namespace {

// Runs git in `root`; nullopt when git is missing, fails, or takes too long.
std::optional<QByteArray> runGit(const QString& root, const QStringList& args) {
    static const QString git = QStandardPaths::findExecutable(QStringLiteral("git"));
    if (git.isEmpty()) return std::nullopt;
    QProcess p;
    p.setProgram(git);
    p.setArguments(QStringList{QStringLiteral("-C"), root} + args);
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start();
    if (!p.waitForStarted(10000)) return std::nullopt;
    QByteArray out;
    // A huge repository takes a while; a git that hangs (a lock, a prompt) must not.
    for (int waited = 0; !p.waitForFinished(100); waited += 100) {
        out += p.readAllStandardOutput();
        if (p.state() == QProcess::NotRunning) break;
        if (waited > 120000) {
            p.kill();
            p.waitForFinished(1000);
            return std::nullopt;
        }
    }
    out += p.readAllStandardOutput();
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) return std::nullopt;
    return out;
}

bool listWithGit(SourceListing& listing, const IngestOptions& options, std::stop_token stop) {
    const auto inside = runGit(
        listing.root, {QStringLiteral("rev-parse"), QStringLiteral("--is-inside-work-tree")});
    if (!inside || inside->trimmed() != "true") return false;
    const auto out = runGit(listing.root, {QStringLiteral("ls-files"), QStringLiteral("-z"),
                                           QStringLiteral("--cached"), QStringLiteral("--others"),
                                           QStringLiteral("--exclude-standard")});
    if (!out) return false;
    if (stop.stop_requested()) throw IngestCancelled(listing.root);
    QSet<QString> vendored;
    for (const QByteArray& raw : out->split('\0')) {
        if (raw.isEmpty()) continue;
        const QString path = QString::fromUtf8(raw);
        const QString prefix = vendoredPrefix(path, options.vendoredDirectories);
        if (!prefix.isEmpty()) {
            if (!vendored.contains(prefix)) {
                vendored.insert(prefix);
                listing.skipped.add(skip::kVendored, prefix + QLatin1Char('/'));
            }
            continue;
        }
        listing.files.append(path);
    }
    listing.method = QStringLiteral("git ls-files");
    if (const auto head =
            runGit(listing.root, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}))
        listing.gitHead = QString::fromLatin1(head->trimmed());
    return true;
}

class IgnoreWalker {
public:
    IgnoreWalker(SourceListing& listing, const IngestOptions& options, std::stop_token stop)
        : listing_(listing), options_(options), stop_(std::move(stop)) {}

    void run() {
        QFile exclude(listing_.root + QStringLiteral("/.git/info/exclude"));
        if (exclude.open(QIODevice::ReadOnly)) push(QString(), exclude.readAll());
        walk(QString());
    }

private:
    void push(const QString& baseDir, const QByteArray& content) {
        auto file = std::make_unique<GitIgnoreFile>(baseDir, content);
        if (file->empty()) return;
        stack_.push_back(file.get());
        owned_.push_back(std::move(file));
    }

    void walk(const QString& relDir) {
        if (stop_.stop_requested()) throw IngestCancelled(listing_.root);
        const QString absDir = relDir.isEmpty() ? listing_.root : listing_.root + '/' + relDir;
        const std::size_t depth = stack_.size();
        const std::size_t ownedDepth = owned_.size();
        QFile ignore(absDir + QStringLiteral("/.gitignore"));
        if (ignore.open(QIODevice::ReadOnly)) push(relDir, ignore.readAll());

        const QFileInfoList entries = QDir(absDir).entryInfoList(
            QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDir::Name);
        for (const QFileInfo& e : entries) {
            const QString name = e.fileName();
            const QString rel = relDir.isEmpty() ? name : relDir + '/' + name;
            const bool dir = e.isDir() && !e.isSymLink();
            if (dir && name == QLatin1String(".git")) continue;
            if (isIgnored(stack_, rel, dir)) continue;
            if (e.isSymLink()) {
                listing_.skipped.add(skip::kSymlink, rel);
                continue;
            }
            if (dir) {
                if (options_.vendoredDirectories.contains(name)) {
                    listing_.skipped.add(skip::kVendored, rel + QLatin1Char('/'));
                    continue;
                }
                walk(rel);
            } else if (e.isFile()) {
                listing_.files.append(rel);
            }
        }
        stack_.resize(depth);
        owned_.resize(ownedDepth);
    }

    SourceListing& listing_;
    const IngestOptions& options_;
    std::stop_token stop_;
    std::vector<const GitIgnoreFile*> stack_;
    std::vector<std::unique_ptr<GitIgnoreFile>> owned_;
};

} // namespace

SourceListing listSourceTree(const QString& root, const IngestOptions& options,
                             std::stop_token stop) {
    SourceListing listing;
    listing.root = QDir::cleanPath(QFileInfo(root).absoluteFilePath());
    if (!QFileInfo(listing.root).isDir()) throw SourceNotFoundError(listing.root);
    if (!QDir(listing.root).isReadable())
        throw SourceUnreadableError(listing.root, QStringLiteral("directory is not readable"));
    if (!(options.useGit && listWithGit(listing, options, stop))) {
        listing.method = QStringLiteral("gitignore rules");
        IgnoreWalker(listing, options, stop).run();
    }
    listing.files.sort();
    return listing;
}

} // namespace lv::ingest
