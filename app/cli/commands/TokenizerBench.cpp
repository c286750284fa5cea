#include "cli/commands/Benches.h"

#include "tokenizer/Tokenizer.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

namespace lv::cli {

namespace {

constexpr std::size_t kCorpusBytes = 20'000'000;

void appendFile(const std::filesystem::path& file, std::string& out, std::size_t limit) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return;
    std::ostringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    out.append(s, 0, std::min(s.size(), limit - out.size()));
    if (out.size() < limit && !s.empty() && s.back() != '\n') out += '\n';
}

// Licenses (prose) and C headers (code) in a fixed order, repeated up to the
// target size, so that every machine measures the same kind of text.
std::string buildCorpus(std::string& description) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/share/common-licenses", ec))
        if (e.is_regular_file(ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<std::filesystem::path> headers;
    for (auto it = std::filesystem::recursive_directory_iterator(
             "/usr/include", std::filesystem::directory_options::skip_permission_denied, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec) && it->path().extension() == ".h")
            headers.push_back(it->path());
    }
    std::sort(headers.begin(), headers.end());

    std::string once;
    // Alternate prose and code so that any prefix of the corpus mixes both.
    std::size_t h = 0;
    for (const auto& f : files) {
        appendFile(f, once, kCorpusBytes);
        for (int k = 0; k < 40 && h < headers.size() && once.size() < kCorpusBytes; ++k)
            appendFile(headers[h++], once, kCorpusBytes);
    }
    while (h < headers.size() && once.size() < kCorpusBytes)
        appendFile(headers[h++], once, kCorpusBytes);
    if (once.empty())
        throw std::runtime_error("bench: no corpus files under /usr/share/common-licenses or "
                                 "/usr/include; give --corpus FILE");
    std::string corpus;
    corpus.reserve(kCorpusBytes);
    while (corpus.size() < kCorpusBytes)
        corpus.append(once, 0, std::min(once.size(), kCorpusBytes - corpus.size()));
    description = std::to_string(files.size()) + " license files and " + std::to_string(h) +
                  " headers from /usr/include" + (once.size() < kCorpusBytes ? ", repeated" : "");
    return corpus;
}

double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// CPU time of this thread: on a shared machine, wall time also counts the
// time other processes held the core.
double threadCpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

} // namespace

int runTokenizerBench(const Invocation& invocation, CommandIo& io) {
    const auto paths = invocation.values("tokenizer");
    if (paths.empty()) throw UsageError("bench: --tokenizer FILE|DIR is required");

    std::string corpus, description;
    if (auto file = invocation.value("corpus")) {
        std::ifstream in(*file, std::ios::binary);
        if (!in) throw std::runtime_error("bench: cannot read corpus file '" + *file + "'");
        std::ostringstream text;
        text << in.rdbuf();
        corpus = text.str();
        description = *file;
    } else {
        corpus = buildCorpus(description);
    }

    nlohmann::json results = nlohmann::json::array();
    for (const auto& path : paths) {
        const auto tokenizer = lv::loadTokenizer(path);
        // Cold: the first pass also fills the BPE word cache.
        const double c0 = threadCpuSeconds();
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<int32_t> ids = tokenizer->encode(corpus, false);
        const auto t1 = std::chrono::steady_clock::now();
        const double c1 = threadCpuSeconds();
        const std::string text = tokenizer->decode(ids, false);
        const auto t2 = std::chrono::steady_clock::now();
        const double mb = static_cast<double>(corpus.size()) / 1e6;
        results.push_back(
            {{"tokenizer", path},
             {"kind", tokenizerKindName(tokenizer->kind())},
             {"bytes", corpus.size()},
             {"tokens", ids.size()},
             {"encode_seconds", seconds(t1 - t0)},
             {"encode_mb_per_s", mb / seconds(t1 - t0)},
             {"encode_cpu_seconds", c1 - c0},
             {"encode_mb_per_cpu_s", mb / (c1 - c0)},
             {"decode_seconds", seconds(t2 - t1)},
             {"decode_mb_per_s", static_cast<double>(text.size()) / 1e6 / seconds(t2 - t1)}});
    }

    if (invocation.json) {
        io.out << nlohmann::json{{"corpus", description}, {"results", results}}.dump() << "\n";
        return 0;
    }
    io.out << "corpus: " << corpus.size() << " bytes (" << description
           << "), one thread; MB = 10^6 bytes; MB/cpu-s uses this thread's CPU time\n";
    io.out << std::left << std::setw(22) << "kind" << std::right << std::setw(11) << "tokens"
           << std::setw(13) << "encode MB/s" << std::setw(17) << "encode MB/cpu-s" << std::setw(13)
           << "decode MB/s"
           << "  tokenizer\n";
    for (const auto& r : results)
        io.out << std::left << std::setw(22) << r["kind"].get<std::string>() << std::right
               << std::setw(11) << r["tokens"].get<std::size_t>() << std::fixed
               << std::setprecision(1) << std::setw(13) << r["encode_mb_per_s"].get<double>()
               << std::setw(17) << r["encode_mb_per_cpu_s"].get<double>() << std::setw(13)
               << r["decode_mb_per_s"].get<double>() << "  " << r["tokenizer"].get<std::string>()
               << "\n";
    return 0;
}

} // namespace lv::cli
