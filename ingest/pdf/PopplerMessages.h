// Poppler reports problems of damaged files through one process-wide function.
// A PopplerMessageCapture collects those raised on its thread while it lives,
// so that the ingest of a damaged file can say what Poppler found.
#pragma once

#include <QStringList>

namespace lv::ingest {

class PopplerMessageCapture {
public:
    PopplerMessageCapture();
    ~PopplerMessageCapture();
    PopplerMessageCapture(const PopplerMessageCapture&) = delete;
    PopplerMessageCapture& operator=(const PopplerMessageCapture&) = delete;

    // Distinct messages in order of arrival, at most kMaxMessages.
    QStringList messages() const { return messages_; }
    static constexpr int kMaxMessages = 20;

    void add(const QString& message);

private:
    QStringList messages_;
    PopplerMessageCapture* previous_;
};

} // namespace lv::ingest
