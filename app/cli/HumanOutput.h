// How longview-cli prints analysis results for people: text, then numbered
// citations, then one line of metrics.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <iosfwd>

namespace lv::cli {

// `message` as one line: a line break or tab inside it (a file name can hold one) written
// as \n, \r or \t, so that an error stays the one line scripts read.
std::string oneLine(std::string_view message);

// modelAnswer: a model's text, which may cite nothing; that is said rather than left unseen.
void printCitations(std::ostream& out, const std::vector<analysis::Citation>& citations,
                    bool modelAnswer = false);
void printMetrics(std::ostream& out, const analysis::Metrics& m);
// "warning: CUDA not used (no CUDA device found); running on the CPU" when the GPU asked
// for was not used; nothing otherwise.
void printDeviceNote(std::ostream& err, const analysis::Metrics& m);
std::string humanBytes(std::int64_t bytes);
// A count as a list shows it: "312", "4.5K", "45K", "1.2M", "3.4B".
std::string humanCount(std::int64_t n);
// "1 file", "2 files", "0 files".
std::string counted(std::int64_t n, const char* one, const char* many);
// UTF-8 text cut to at most `chars` characters, "…" marking a cut (never inside a
// character), then padded with spaces to `width` characters (0: not padded).
std::string column(const std::string& utf8, std::size_t chars, std::size_t width = 0);

} // namespace lv::cli
