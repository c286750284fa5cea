#include "cli/commands/Commands.h"

#include "backend/BackendFactory.h"
#include "runtime/BackendChoice.h"
#include "runtime/ReferenceCheck.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ostream>

namespace lv::cli {

namespace {

std::string sci(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2e", v);
    return b;
}

std::string pct(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f%%", 100.0 * v);
    return b;
}

std::string pad(std::string s, std::size_t w) {
    if (s.size() < w) s.append(w - s.size(), ' ');
    return s;
}

int runVerify(const Invocation& inv, CommandIo& io) {
    // The reference check is CPU-first: auto means the CPU here. ("gpu" is read as cuda, and
    // must get cuda's tolerance.)
    const bool cuda = parseDeviceRequest(inv.valueOr("device", "cpu")) == DeviceRequest::Cuda;
    const std::string device = cuda ? "cuda" : "cpu";
    ReferenceTolerance tol;
    if (device == "cuda") {
        tol.relative = 2e-2; // bf16 weights and GPU accumulation order
        tol.argmaxAgreement = 0.99;
    }
    tol.relative = inv.doubleOr("tolerance", tol.relative);
    if (!(tol.relative > 0))
        throw UsageError("--tolerance must be positive, got " + inv.valueOr("tolerance", ""));
    const auto backend = makeBackend(device);

    std::vector<ReferenceResult> results;
    for (const auto& dir : inv.positional)
        results.push_back(checkReference(dir, *backend, tol));
    int passed = 0, failed = 0;
    for (const auto& r : results)
        (r.passed() ? passed : failed)++;

    if (inv.json) {
        nlohmann::json out;
        out["device"] = device;
        out["tolerance"] = tol.relative;
        for (const auto& r : results) {
            nlohmann::json j;
            j["fixture"] = r.name;
            j["architecture"] = r.architecture;
            j["tokens"] = r.tokens;
            j["logits_rel_error"] = r.logitsError;
            j["logits_argmax_agreement"] = r.logitsArgmax;
            j["decode_rel_error"] = r.decodeError;
            j["decode_argmax_agreement"] = r.decodeArgmax;
            j["greedy"] = r.greedy;
            j["greedy_expected"] = r.expectedGreedy;
            j["passed"] = r.passed();
            if (!r.error.empty()) j["error"] = r.error;
            j["seconds"] = r.seconds;
            out["results"].push_back(j);
        }
        out["passed"] = passed;
        out["failed"] = failed;
        io.out << out.dump(2) << "\n";
    } else {
        io.out << "device " << device << ", tolerance " << sci(tol.relative)
               << " (max|diff| / max|ref|)\n";
        io.out << pad("fixture", 30) << pad("architecture", 18) << pad("logits", 20)
               << pad("decode", 20) << pad("greedy", 8) << "result\n";
        for (const auto& r : results) {
            io.out << pad(r.name, 30) << pad(r.architecture.empty() ? "?" : r.architecture, 18);
            if (!r.error.empty()) {
                io.out << "FAIL  " << r.error << "\n";
                continue;
            }
            io.out << pad(sci(r.logitsError) + " " + pct(r.logitsArgmax), 20)
                   << pad(sci(r.decodeError) + " " + pct(r.decodeArgmax), 20)
                   << pad(r.greedyOk ? "match" : "differ", 8) << (r.passed() ? "ok" : "FAIL")
                   << "\n";
        }
        io.out << passed << " passed, " << failed << " failed\n";
    }
    return failed == 0 ? 0 : 1;
}

} // namespace

Command makeVerifyReferenceCommand() {
    Command c;
    c.name = "verify-reference";
    c.summary = "check the engine against reference fixtures (on the CPU unless --device cuda)";
    c.usage = "verify-reference [--device auto|cpu|cuda] [--tolerance R] DIR...";
    c.options = {{"tolerance", "R", "relative logits tolerance (default 1e-4 cpu, 2e-2 cuda)"}};
    c.minPositional = 1;
    c.maxPositional = SIZE_MAX;
    c.run = runVerify;
    return c;
}

} // namespace lv::cli
