// Typed errors of ingest: each names the file and the problem in one line.
// All derive from std::runtime_error, which the CLI maps to exit status 1.
#pragma once

#include <QString>

#include <stdexcept>

namespace lv::ingest {

class IngestError : public std::runtime_error {
public:
    IngestError(const QString& path, const QString& problem)
        : std::runtime_error((path + QStringLiteral(": ") + problem).toStdString()), path_(path) {}
    const QString& path() const { return path_; }

private:
    QString path_;
};

// The path does not exist.
class SourceNotFoundError : public IngestError {
public:
    explicit SourceNotFoundError(const QString& path)
        : IngestError(path, QStringLiteral("no such file or directory")) {}
};

// The path exists but cannot be read (permissions, I/O error, a device).
class SourceUnreadableError : public IngestError {
public:
    using IngestError::IngestError;
};

// A file Longview cannot read as a document: a binary that is not a PDF.
class UnsupportedSourceError : public IngestError {
public:
    using IngestError::IngestError;
};

// A PDF that Poppler cannot open, or in which nothing could be recovered.
class CorruptPdfError : public IngestError {
public:
    using IngestError::IngestError;
};

// An encrypted PDF opened without a password, or with a wrong one.
class PdfPasswordError : public IngestError {
public:
    PdfPasswordError(const QString& path, bool passwordGiven)
        : IngestError(path, passwordGiven ? QStringLiteral("wrong password for this encrypted PDF")
                                          : QStringLiteral("encrypted PDF: a password is needed "
                                                           "(--password on the command line)")),
          passwordGiven_(passwordGiven) {}
    bool passwordGiven() const { return passwordGiven_; }

private:
    bool passwordGiven_;
};

// The caller asked to stop (its std::stop_token).
class IngestCancelled : public IngestError {
public:
    explicit IngestCancelled(const QString& path)
        : IngestError(path, QStringLiteral("cancelled")) {}
};

} // namespace lv::ingest
