// Real English text for storage tests: Debian's license files split into
// paragraphs and turned into segments (no Qt: the crash-test child uses it too).
#pragma once

#include "storage/DocumentStore.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lv::storage::test {

inline const char* kGpl3 = "/usr/share/common-licenses/GPL-3";
inline const char* kApache2 = "/usr/share/common-licenses/Apache-2.0";

// Paragraphs (separated by blank lines) with runs of whitespace collapsed.
inline std::vector<std::string> paragraphsOf(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    std::string line, current;
    auto flush = [&] {
        if (!current.empty()) out.push_back(current);
        current.clear();
    };
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string w;
        bool any = false;
        while (words >> w) {
            if (!current.empty()) current += ' ';
            current += w;
            any = true;
        }
        if (!any) flush();
    }
    flush();
    return out;
}

inline std::vector<NewSegment> segmentsOf(const std::vector<std::string>& paragraphs) {
    std::vector<NewSegment> out;
    std::int64_t line = 1;
    for (const std::string& p : paragraphs) {
        NewSegment s;
        s.text = p;
        s.lineStart = line;
        s.lineEnd = line + static_cast<std::int64_t>(p.size() / 70);
        line = *s.lineEnd + 2;
        out.push_back(std::move(s));
    }
    return out;
}

} // namespace lv::storage::test
