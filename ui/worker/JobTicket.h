// One long job the GUI asked the analysis service for: its id, what it is, and the
// JobControl that the UI thread cancels and the worker thread reports through.
#pragma once

#include "analysis/AnalysisService.h"

#include <QMetaType>
#include <QString>

#include <memory>

namespace lv::ui {

enum class JobKind { Ingest, Summarize, Ask };

struct JobTicket {
    quint64 id = 0;
    JobKind kind = JobKind::Ingest;
    QString title; // as shown in the status bar: "Adding contract.pdf"
    // Shared by both threads: the UI thread only sets cancelRequested; the worker
    // installs the callbacks before it calls the service.
    std::shared_ptr<analysis::JobControl> control;

    bool cancelled() const { return control && control->cancelled(); }
};

// What the status bar and the assistant show about a job while it is queued or running.
struct JobState {
    quint64 id = 0;
    JobKind kind = JobKind::Ingest;
    QString title;
    bool running = false; // false: waiting behind another job
    QString stage;        // "ingest", "ocr", "tokenize", "read", "restore", "generate", "store"
    qint64 done = 0;
    qint64 total = 0;
};

// A sentence for a service stage, as the status bar shows it ("Reading the document").
QString describeStage(const QString& stage);

} // namespace lv::ui

Q_DECLARE_METATYPE(lv::ui::JobTicket)
Q_DECLARE_METATYPE(lv::ui::JobState)
