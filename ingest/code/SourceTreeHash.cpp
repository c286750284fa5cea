#include "ingest/code/SourceTreeHash.h"

namespace lv::ingest {

void SourceTreeHasher::addContent(const QString& path, qint64 size, const QByteArray& digest) {
    tree_.addData(path.toUtf8());
    tree_.addData(QByteArrayView("\0", 1));
    tree_.addData(QByteArray::number(size));
    tree_.addData(QByteArrayView("\0", 1));
    tree_.addData(digest);
    tree_.addData(QByteArrayView("\n", 1));
}

void SourceTreeHasher::addUnread(const QString& path, qint64 size) {
    tree_.addData(path.toUtf8());
    tree_.addData(QByteArrayView("\0", 1));
    tree_.addData(QByteArray::number(size));
    tree_.addData(QByteArrayView("\0-\n", 3));
}

} // namespace lv::ingest
