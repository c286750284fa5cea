// The content hash of a codebase: SHA-256 over each listed file's path, size
// and own SHA-256, in listing order. Ingest and contentHash() compute it alike.
#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QString>

namespace lv::ingest {

class SourceTreeHasher {
public:
    SourceTreeHasher() : tree_(QCryptographicHash::Sha256) {}

    // A file whose bytes were read, by the SHA-256 of those bytes
    // (fileDigest(), which threads can compute apart).
    void addContent(const QString& path, qint64 size, const QByteArray& digest);
    // A file left unread (too large, binary by name): path and size only, so
    // that a change of size still changes the hash.
    void addUnread(const QString& path, qint64 size);

    QString hexDigest() const { return QString::fromLatin1(tree_.result().toHex()); }

    static QByteArray fileDigest(const QByteArray& bytes) {
        return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
    }

private:
    QCryptographicHash tree_;
};

} // namespace lv::ingest
