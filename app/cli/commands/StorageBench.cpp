#include "cli/commands/StorageBench.h"

#include "storage/DocumentStore.h"
#include "storage/Library.h"
#include "storage/LibraryLocation.h"
#include "storage/SegmentSearch.h"
#include "storage/StateCache.h"
#include "storage/Transaction.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace lv::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the whole process (every thread): what the code costs, whatever
// else the machine is running.
double cpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Measures wall and CPU time of a stretch of work.
struct Stopwatch {
    Clock::time_point wall = Clock::now();
    double cpu = cpuSeconds();
    double wallSeconds() const { return secondsSince(wall); }
    double cpuSecondsSpent() const { return cpuSeconds() - cpu; }
};

// splitmix64: fast, and good enough to make float data look like a model's.
struct Random {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
    float normal() { // Box-Muller
        return static_cast<float>(std::sqrt(-2.0 * std::log(uniform())) *
                                  std::cos(6.283185307179586 * uniform()));
    }
};

// 64 MiB shaped like a hybrid model's state: a quarter float32 recurrent (SSM,
// conv) state with a scale per 1 MiB "layer", three quarters bf16 KV cache
// with a scale per 64 KiB "head". Streams cycle through it; chunks are
// compressed independently, so the repetition does not help compression.
std::vector<std::byte> statePool() {
    constexpr std::size_t kPool = std::size_t{64} << 20;
    std::vector<std::byte> pool(kPool);
    Random rng{42};
    const std::size_t f32End = kPool / 4;
    float scale = 1;
    for (std::size_t i = 0; i < f32End; i += 4) {
        if (i % (1u << 20) == 0) scale = static_cast<float>(std::exp(rng.uniform() * 6.9 - 4.6));
        const float v = rng.normal() * scale;
        std::memcpy(pool.data() + i, &v, 4);
    }
    for (std::size_t i = f32End; i < kPool; i += 2) {
        if (i % (1u << 16) == 0) scale = static_cast<float>(0.02 + rng.uniform() * 2.0);
        const float v = rng.normal() * scale;
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        bits += 0x7fff + ((bits >> 16) & 1); // round to nearest even
        const auto bf16 = static_cast<std::uint16_t>(bits >> 16);
        std::memcpy(pool.data() + i, &bf16, 2);
    }
    return pool;
}

std::string shellQuote(const std::string& s) {
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Runs dd and returns its summary line ("... copied, 1.2 s, 890 MB/s").
std::string runDd(const std::string& arguments) {
    const std::string command = "dd " + arguments + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return "dd could not be started";
    std::string output;
    char line[512];
    while (std::fgets(line, sizeof line, pipe))
        output = line;
    const int status = pclose(pipe);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
        output.pop_back();
    if (status != 0) return "dd failed: " + output;
    return output;
}

// Drops the file's pages from the page cache, so that the next read comes
// from the disk (a cold load, as after a reboot). Needs no privileges.
void dropFromPageCache(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY);
    if (fd < 0) return;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
}

std::string firstLineMatching(const std::string& file, const std::string& prefix) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0) return line.substr(line.find(':') + 1);
    return {};
}

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string machineDescription(const fs::path& dir) {
    std::ostringstream out;
    out << trim(firstLineMatching("/proc/cpuinfo", "model name")) << ", "
        << std::thread::hardware_concurrency() << " hardware threads";
    // The mount holding the scratch folder: the longest matching mount point.
    std::ifstream mounts("/proc/mounts");
    std::string device, point, type, rest, bestDevice, bestType;
    std::size_t bestLength = 0;
    const std::string where = fs::weakly_canonical(dir).string();
    while (mounts >> device >> point >> type && std::getline(mounts, rest)) {
        if (where.rfind(point, 0) == 0 && point.size() >= bestLength) {
            bestLength = point.size();
            bestDevice = device;
            bestType = type;
        }
    }
    if (!bestDevice.empty())
        out << "; " << where << " on " << bestDevice << " (" << bestType << ")";
    std::ifstream loadavg("/proc/loadavg");
    double load1 = 0;
    if (loadavg >> load1) out << "; load average " << load1 << " when it started";
    return out.str();
}

// Paragraphs of real English text from Debian's license and copyright files.
std::vector<std::string> realParagraphs(std::size_t wanted) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/usr/share/common-licenses", ec))
        if (e.is_regular_file()) files.push_back(e.path());
    for (const auto& e : fs::directory_iterator("/usr/share/doc", ec)) {
        const fs::path copyright = e.path() / "copyright";
        if (fs::is_regular_file(copyright, ec)) files.push_back(copyright);
    }
    std::sort(files.begin(), files.end());
    std::set<std::string> seen;
    std::vector<std::string> out;
    for (const fs::path& f : files) {
        std::ifstream in(f);
        std::string line, current;
        auto flush = [&] {
            if (current.size() >= 40 && seen.insert(current).second) out.push_back(current);
            current.clear();
        };
        while (std::getline(in, line) && out.size() < wanted) {
            std::istringstream words(line);
            std::string w;
            bool any = false;
            while (words >> w) {
                if (w == ".") continue; // Debian copyright files mark blank lines with " ."
                if (!current.empty()) current += ' ';
                current += w;
                any = true;
            }
            if (!any) flush();
        }
        flush();
        if (out.size() >= wanted) break;
    }
    if (out.size() > wanted) out.resize(wanted);
    return out;
}

struct StateFigures {
    std::size_t mib = 0;
    std::string policy;
    std::uint64_t stored = 0;
    double saveSeconds = 0;
    double saveCpu = 0;
    double coldLoadSeconds = 0;
    double coldLoadCpu = 0;
    double warmLoadSeconds = 0;
    double warmLoadCpu = 0;
};

struct QueryFigures {
    std::string query;
    std::size_t hits = 0;
    double medianMs = 0;
    double p95Ms = 0;
};

double gbPerSecond(std::uint64_t bytes, double seconds) {
    return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0;
}

std::vector<std::size_t> parseSizes(const std::string& text) {
    std::vector<std::size_t> sizes;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        std::size_t used = 0;
        unsigned long long v = 0;
        try {
            v = std::stoull(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || v == 0 || v > (1u << 20))
            throw UsageError("--sizes expects MiB values like 100,1024, got '" + text + "'");
        sizes.push_back(static_cast<std::size_t>(v));
    }
    return sizes;
}

StateFigures benchState(storage::Connection& c, const fs::path& file,
                        const std::vector<std::byte>& pool, std::size_t mib,
                        storage::CompressionPolicy policy) {
    using namespace storage;
    StateFigures f;
    f.mib = mib;
    f.policy = policy == CompressionPolicy::Never ? "raw" : "auto";
    StateCacheOptions options;
    options.compression = policy;
    options.budgetBytes = std::uint64_t{1} << 40;
    options.workers = std::make_shared<WorkerPool>();
    StateCache cache(c, options);
    const StateKey key{"bench-document", "bench-model", std::to_string(mib) + f.policy};
    const std::uint64_t total = std::uint64_t{mib} << 20;

    // Save: streamed in 1 MiB pieces, as an engine copies its state out.
    constexpr std::size_t kPiece = std::size_t{1} << 20;
    Stopwatch save;
    StateWriter writer = cache.beginSave(key);
    std::size_t offset = 0;
    for (std::uint64_t done = 0; done < total; done += kPiece) {
        writer.write(std::span(pool).subspan(offset, kPiece));
        offset = (offset + kPiece + 4096) % (pool.size() - kPiece); // never the same alignment
    }
    const StateInfo info = writer.commit(); // includes SQLite's checkpoint into the file
    f.saveSeconds = save.wallSeconds();
    f.saveCpu = save.cpuSecondsSpent();
    f.stored = info.storedBytes;

    // Load into a staging buffer, as an engine restores to pinned host memory.
    std::vector<std::byte> staging(options.chunkBytes);
    std::uint64_t received = 0;
    auto sink = [&](std::span<const std::byte> bytes) {
        std::memcpy(staging.data(), bytes.data(), bytes.size());
        received += bytes.size();
    };
    c.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    dropFromPageCache(file);
    Stopwatch cold;
    StateLoadResult r = cache.load(key, sink);
    f.coldLoadSeconds = cold.wallSeconds();
    f.coldLoadCpu = cold.cpuSecondsSpent();
    if (!r.loaded() || received != total)
        throw std::runtime_error("storage bench: reading the state back failed: " + r.message);
    received = 0;
    Stopwatch warm;
    r = cache.load(key, sink);
    f.warmLoadSeconds = warm.wallSeconds();
    f.warmLoadCpu = warm.cpuSecondsSpent();
    if (!r.loaded() || received != total)
        throw std::runtime_error("storage bench: reading the state back failed: " + r.message);

    cache.remove(info.id);
    c.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return f;
}

std::vector<QueryFigures> benchSearch(storage::Connection& c, std::size_t& segments,
                                      double& ingestSeconds) {
    using namespace storage;
    const std::vector<std::string> paragraphs = realParagraphs(10000);
    segments = paragraphs.size();
    std::vector<NewSegment> batch(paragraphs.size());
    for (std::size_t i = 0; i < paragraphs.size(); ++i) {
        batch[i].text = paragraphs[i];
        batch[i].lineStart = static_cast<std::int64_t>(i) * 3 + 1;
    }
    const auto start = Clock::now();
    DocumentStore docs(c);
    const auto doc = docs.addDocument({"/bench/corpus", "bench", "text", "bench corpus", "{}"});
    docs.appendSegments(doc, batch);
    ingestSeconds = secondsSince(start);

    const std::vector<std::string> queries{
        "warranty",
        "merchantability fitness for a particular purpose",
        "\"GNU General Public License\"",
        "source code distribution",
        "patent license grant",
        "copyright holder liable damages",
        "modify redistribute",
        "trademark",
        "Free Software Foundation",
        "licens*",
        "permission notice shall be included",
        "what happens if I distribute modified versions without source?",
    };
    SegmentSearch search(c);
    std::vector<QueryFigures> out;
    for (const std::string& q : queries) {
        QueryFigures f;
        f.query = q;
        SearchOptions options;
        if (q.find('?') != std::string::npos) options.mode = MatchMode::AnyTerm;
        std::vector<double> ms;
        for (int run = 0; run < 41; ++run) {
            const auto t = Clock::now();
            const auto hits = search.search(q, 10, std::nullopt, options);
            ms.push_back(secondsSince(t) * 1e3);
            f.hits = hits.size();
        }
        std::sort(ms.begin(), ms.end());
        f.medianMs = ms[ms.size() / 2];
        f.p95Ms = ms[ms.size() * 95 / 100];
        out.push_back(f);
    }
    return out;
}

std::string jsonString(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        if (static_cast<unsigned char>(ch) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", ch);
            out += buf;
            continue;
        }
        out += ch;
    }
    return out + "\"";
}

// The scratch library: beside --db (same disk), else beside the default library.
fs::path scratchLibrary(const Invocation& invocation) {
    const fs::path target = storage::resolveLibraryPath(invocation.value("db"));
    fs::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    fs::create_directories(dir);
    return dir / ("longview-storage-bench-" + std::to_string(::getpid()) + ".db");
}

void removeLibraryFiles(const fs::path& file) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        fs::remove(file.string() + suffix, ec);
}

} // namespace

int runStorageBench(const Invocation& invocation, CommandIo& io) {
    const std::vector<std::size_t> sizes = parseSizes(invocation.valueOr("sizes", "100,1024"));
    const fs::path file = scratchLibrary(invocation);
    const fs::path dir = file.parent_path();
    removeLibraryFiles(file);

    struct Cleanup {
        fs::path file;
        ~Cleanup() { removeLibraryFiles(file); }
    } cleanup{file};

    const std::string machine = machineDescription(dir);
    const std::string ddFile =
        (dir / ("longview-storage-bench-dd-" + std::to_string(::getpid()))).string();
    const std::string ddWrite =
        runDd("if=/dev/zero of=" + shellQuote(ddFile) + " bs=4M count=256 conv=fdatasync");
    dropFromPageCache(ddFile);
    const std::string ddRead = runDd("if=" + shellQuote(ddFile) + " of=/dev/null bs=4M");
    std::error_code ec;
    fs::remove(ddFile, ec);

    storage::Library library = storage::Library::open(file);
    storage::Connection c = library.openWriter();
    const std::vector<std::byte> pool = statePool();
    std::vector<StateFigures> states;
    for (std::size_t mib : sizes)
        for (auto policy : {storage::CompressionPolicy::Never, storage::CompressionPolicy::Auto})
            states.push_back(benchState(c, file, pool, mib, policy));

    std::size_t segments = 0;
    double ingestSeconds = 0;
    const std::vector<QueryFigures> queries = benchSearch(c, segments, ingestSeconds);

    if (invocation.json) {
        io.out << "{\"machine\": " << jsonString(machine)
               << ", \"library\": " << jsonString(file.string())
               << ", \"dd_write\": " << jsonString(ddWrite)
               << ", \"dd_read\": " << jsonString(ddRead) << ", \"states\": [";
        for (std::size_t i = 0; i < states.size(); ++i) {
            const StateFigures& s = states[i];
            const std::uint64_t bytes = std::uint64_t{s.mib} << 20;
            io.out << (i ? ", " : "") << "{\"mib\": " << s.mib << ", \"compression\": \""
                   << s.policy << "\", \"stored_bytes\": " << s.stored
                   << ", \"save_gb_s\": " << gbPerSecond(bytes, s.saveSeconds)
                   << ", \"save_gb_per_cpu_s\": " << gbPerSecond(bytes, s.saveCpu)
                   << ", \"cold_load_gb_s\": " << gbPerSecond(bytes, s.coldLoadSeconds)
                   << ", \"cold_load_gb_per_cpu_s\": " << gbPerSecond(bytes, s.coldLoadCpu)
                   << ", \"warm_load_gb_s\": " << gbPerSecond(bytes, s.warmLoadSeconds)
                   << ", \"warm_load_gb_per_cpu_s\": " << gbPerSecond(bytes, s.warmLoadCpu) << "}";
        }
        io.out << "], \"fts\": {\"segments\": " << segments
               << ", \"ingest_segments_per_s\": " << segments / std::max(ingestSeconds, 1e-9)
               << ", \"queries\": [";
        for (std::size_t i = 0; i < queries.size(); ++i)
            io.out << (i ? ", " : "") << "{\"query\": " << jsonString(queries[i].query)
                   << ", \"hits\": " << queries[i].hits
                   << ", \"median_ms\": " << queries[i].medianMs
                   << ", \"p95_ms\": " << queries[i].p95Ms << "}";
        io.out << "]}}\n";
        return 0;
    }

    io.out << "Storage benchmark\n"
           << "  machine: " << machine << "\n"
           << "  scratch library: " << file.string() << "\n"
           << "  dd write (1 GiB, conv=fdatasync): " << ddWrite << "\n"
           << "  dd read  (1 GiB, cold):           " << ddRead << "\n\n"
           << "State cache (4 MiB chunks, XXH3 per chunk; GB = 10^9 bytes; save includes commit\n"
           << "and the WAL checkpoint into the file; cold load after dropping the file from the\n"
           << "page cache; 'per CPU s': bytes per CPU-second of the process, all threads)\n"
           << "  size      compression  stored/size   save GB/s (per CPU s)   cold load GB/s "
              "(per CPU s)   warm load GB/s (per CPU s)\n";
    io.out << std::fixed;
    for (const StateFigures& s : states) {
        const std::uint64_t bytes = std::uint64_t{s.mib} << 20;
        io.out << "  " << std::setw(5) << s.mib << " MiB  " << std::setw(11) << s.policy << "  "
               << std::setw(11) << std::setprecision(3)
               << static_cast<double>(s.stored) / static_cast<double>(bytes) << "  "
               << std::setw(10) << std::setprecision(2) << gbPerSecond(bytes, s.saveSeconds) << " ("
               << std::setw(9) << gbPerSecond(bytes, s.saveCpu) << ")  " << std::setw(15)
               << gbPerSecond(bytes, s.coldLoadSeconds) << " (" << std::setw(9)
               << gbPerSecond(bytes, s.coldLoadCpu) << ")  " << std::setw(15)
               << gbPerSecond(bytes, s.warmLoadSeconds) << " (" << std::setw(9)
               << gbPerSecond(bytes, s.warmLoadCpu) << ")\n";
    }
    io.out << "\nFull-text search: " << segments << " segments of real text (Debian license and "
           << "copyright files), ingested at " << std::setprecision(0)
           << segments / std::max(ingestSeconds, 1e-9) << " segments/s\n"
           << "  median ms   p95 ms   hits   query (limit 10, BM25 + snippet)\n";
    for (const QueryFigures& q : queries)
        io.out << "  " << std::setw(9) << std::setprecision(3) << q.medianMs << "  " << std::setw(7)
               << q.p95Ms << "  " << std::setw(5) << q.hits << "   " << q.query << "\n";
    return 0;
}

} // namespace lv::cli
