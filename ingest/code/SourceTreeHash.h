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

    // A file whose bytes were read.
    void addContent(const QString& path, const QByteArray& bytes);
    // A file left unread (too large, binary by name, a link): path and size only,
    // so that a change of size still changes the hash.
    void addUnread(const QString& path, qint64 size);

    QString hexDigest() const { return QString::fromLatin1(tree_.result().toHex()); }

private:
    QCryptographicHash tree_;
};

} // namespace lv::ingest
