#include "ui/viewer/SourceFile.h"

#include <QCoreApplication>
#include <QFile>
#include <QStringDecoder>

namespace lv::ui {

SourceFile SourceFile::read(const QString& path) {
    SourceFile f;
    f.path = path;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        f.error = QCoreApplication::translate("SourceFile", "%1 cannot be read: %2")
                      .arg(path, file.errorString());
        return f;
    }
    f.bytes = file.size();
    if (f.bytes > kMaxBytes) {
        f.error = QCoreApplication::translate("SourceFile", "%1 is too large to show (%2 MB)")
                      .arg(path)
                      .arg(double(f.bytes) / (1024.0 * 1024.0), 0, 'f', 1);
        return f;
    }
    const QByteArray bytes = file.readAll();
    if (bytes.left(8192).contains('\0')) {
        f.error = QCoreApplication::translate("SourceFile", "%1 is a binary file").arg(path);
        return f;
    }
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = utf8.decode(bytes);
    if (utf8.hasError()) text = QString::fromLatin1(bytes);
    if (text.startsWith(QChar(0xfeff))) text.remove(0, 1);
    f.text = std::move(text);
    return f;
}

} // namespace lv::ui
