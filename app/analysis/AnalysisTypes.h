// Values the analysis service hands to the CLI and the GUI: documents, citations,
// summaries, answers, sessions, metrics, models. Plain C++ types, UTF-8 strings.
#pragma once

#include "analysis/SkippedFiles.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lv::analysis {

enum class DocumentKind { Pdf, Codebase, Text };

struct DocumentInfo {
    std::int64_t id = 0;
    DocumentKind kind = DocumentKind::Text;
    std::string title;
    std::string sourcePath;
    std::string contentHash; // SHA-256 hex of the source
    std::int64_t pages = 0;  // PDFs
    std::int64_t files = 0;  // codebases
    std::int64_t characters = 0;
    std::int64_t scannedPages = 0;
    bool stateCached = false; // a model state for the configured model is stored
    std::string addedAt;      // ISO 8601
};

// Where a statement comes from: a page (by its label) or a file and line range.
struct Citation {
    std::int64_t documentId = 0;
    std::int64_t segmentId = 0;
    std::string label;     // as shown: "p. iv", "src/main.cpp:10-24"
    int pageIndex = -1;    // 0-based, PDFs
    std::string pageLabel; // PDFs
    std::string filePath;  // codebases
    int lineStart = 0;     // 1-based, codebases and text
    int lineEnd = 0;
    std::string quote; // the cited passage (short)
};

// What a model read of a document longer than its context, in tokens; all 0 where it read
// the document whole.
struct Coverage {
    std::int64_t wholeDocumentTokens = 0;
    std::int64_t contextTokens = 0; // the model's, or the configured limit
    std::int64_t passagesRead = 0;  // a question: the passages that best match it,
    std::int64_t passagesTotal = 0; // of the document's
    std::int64_t summaryParts = 0;  // a summary: made from summaries of parts that fit
    bool partial() const { return wholeDocumentTokens > 0; }
};

struct Metrics {
    std::int64_t documentTokens = 0;  // tokens of the document prefix
    std::int64_t tokensRead = 0;      // tokens actually run through the model
    std::int64_t tokensFromCache = 0; // tokens covered by a restored state
    std::int64_t generatedTokens = 0;
    double timeToFirstTokenMs = 0;
    double tokensPerSecond = 0; // generation speed
    double prefillTokensPerSecond = 0;
    std::int64_t peakMemoryBytes = 0;
    bool stateResumed = false; // restored from the cache instead of re-reading
    bool stateStored = false;  // a new state was written to the cache
    std::string device;        // "cpu", "cuda:0 (NVIDIA H100)", or "none" (extractive)
    std::string deviceNote;    // why the GPU was not used where it was asked for, or empty
    std::string model;         // model name, empty when extractive
    Coverage coverage;         // what was read of a document too long for the context
};

struct Summary {
    std::int64_t documentId = 0;
    bool extractive = true; // no model: ranked sentences
    std::string text;       // with inline markers [1], [2] ... into citations
    std::vector<Citation> citations;
    Metrics metrics;
    std::string storedAt;   // ISO 8601 local time it was kept in the library; empty if not
    std::string storeError; // why it could not be kept (disk full...); the text is still good
};

struct Answer {
    std::int64_t documentId = 0;
    std::int64_t sessionId = 0;
    std::int64_t messageId = 0;
    bool extractive = true; // no model: the best passages
    std::string question;
    std::string text;
    std::vector<Citation> citations;
    Metrics metrics;
};

struct Passage {
    Citation citation;
    std::string snippet; // with highlight markers «…»
    double score = 0;
};

struct SessionInfo {
    std::int64_t id = 0;
    std::int64_t documentId = 0;
    std::string documentTitle;
    std::string createdAt;
    std::string lastActiveAt; // when its last question was asked (createdAt before any)
    std::int64_t messages = 0;
    std::string lastQuestion;
};

struct Message {
    std::int64_t id = 0;
    std::string question;
    std::string answer;
    std::vector<Citation> citations;
    Metrics metrics;
    std::string createdAt;
};

struct ModelInfo {
    std::string path;
    std::string name;
    std::string architecture; // model_type
    std::int64_t parameters = 0;
    std::int64_t contextLength = 0;
    std::int64_t weightBytes = 0;
    bool fitsGpu = false;
    std::string gpuNote; // "fits in 80.0 GiB" / "no CUDA device"
    bool isDefault = false;
};

struct IngestReport {
    DocumentInfo document;
    bool unchanged = false; // same content hash as the stored copy
    std::int64_t skippedFiles = 0;
    std::vector<SkippedFiles> skipped; // by reason, in alphabetical order
    std::vector<std::string> warnings;
    double seconds = 0;
};

} // namespace lv::analysis
