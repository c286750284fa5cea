#include "ui/viewer/SourceFile.h"

#include "ingest/text/TextDecoding.h"

#include <QCoreApplication>
#include <QFile>

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
    // The ingesters' own rules: a file they read as text (UTF-16 with a BOM, Windows-1252,
    // lone CR line endings) shows here with the same lines that citations point to.
    if (ingest::looksBinary(bytes)) {
        f.error = QCoreApplication::translate("SourceFile", "%1 is a binary file").arg(path);
        return f;
    }
    QString text = ingest::decodeText(bytes).text;
    if (text.startsWith(QChar(0xfeff))) text.remove(0, 1);
    f.text = std::move(text);
    return f;
}

} // namespace lv::ui
