// Prefill and decode throughput and GPU memory of a synthetic model in a real shape
// (Granite 4.0-H 1B by default) on the CUDA backend, with the pool's peak for each context.
// Not a test: run on the GPU machine:
//   bench_cuda_model [--contexts 1024,16384,131008] [--chunk N] [--decode 64] [--record 0|1]
// --chunk 0 (the default) takes the backend's prefill chunk, as the app does;
// LONGVIEW_CUDA_KV=f32 and LONGVIEW_CUDA_CHUNK=N switch the backend's choices.
// Decode tok/s is timed after the first step (which records the CUDA graph; its time is
// printed apart); --record 0 runs every op directly.

#include "backend/Backend.h"
#include "model/Model.h"
#include "model/PublishedShapes.h"
#include "runtime/Session.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

std::vector<long> parseList(const char* s) {
    std::vector<long> v;
    for (const char* p = s; *p;) {
        v.push_back(std::strtol(p, nullptr, 10));
        const char* comma = std::strchr(p, ',');
        if (!comma) break;
        p = comma + 1;
    }
    return v;
}

double gib(std::size_t b) {
    return double(b) / double(1ull << 30);
}

} // namespace

int run(int argc, char** argv) {
#ifndef LONGVIEW_HAVE_CUDA
    std::puts("built without CUDA");
    return 0;
#else
    std::vector<long> contexts{1024, 16384, 131008};
    long chunk = 0, decode = 64, record = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--contexts")) contexts = parseList(argv[i + 1]);
        if (!std::strcmp(argv[i], "--chunk")) chunk = std::strtol(argv[i + 1], nullptr, 10);
        if (!std::strcmp(argv[i], "--decode")) decode = std::strtol(argv[i + 1], nullptr, 10);
        if (!std::strcmp(argv[i], "--record")) record = std::strtol(argv[i + 1], nullptr, 10);
    }
    auto be = lv::makeCudaBackend(0);
    auto model =
        lv::Model::synthetic(*lv::publishedShape("granite-4.0-h-1b"), *be, lv::DType::BF16, 1);
    be->synchronize();
    const auto afterLoad = be->memoryStats();
    std::printf("%s; granite-4.0-h-1b synthetic bf16, %.1fM parameters; weights + pool %.2f GiB\n",
                be->name().c_str(), double(model->info().parameters) / 1e6,
                gib(afterLoad.inUseBytes));
    std::printf("prefill chunk %lld, KV cache %s, %ld decode tokens\n\n",
                static_cast<long long>(chunk > 0 ? chunk : be->preferredPrefillChunk()),
                lv::dtypeName(be->kvCacheDType()).data(), decode);
    std::printf("context   prefill tok/s   decode tok/s   peak GiB (pool)   device used GiB\n");
    std::mt19937 rng(42);
    for (long ctx : contexts) {
        const std::int64_t limit = model->info().contextLength;
        if (limit > 0 && ctx + decode + 1 > limit) {
            std::printf("%7ld   skipped: with %ld decode steps it exceeds the model's %lld "
                        "positions\n",
                        ctx, decode + 1, static_cast<long long>(limit));
            continue;
        }
        be->resetPeak();
        lv::SessionOptions so;
        so.prefillChunk = chunk;
        so.recordDecode = record != 0;
        double prefillTps = 0, decodeTps = 0, firstStepMs = 0;
        std::string mode;
        std::size_t peak = 0, deviceUsed = 0;
        {
            lv::Session s(*model, so);
            std::vector<std::int32_t> ids(static_cast<std::size_t>(ctx));
            for (auto& t : ids)
                t = std::int32_t(rng() % 100352u);
            be->synchronize();
            const auto t0 = std::chrono::steady_clock::now();
            s.prefill(ids);
            be->synchronize();
            const auto t1 = std::chrono::steady_clock::now();
            s.decode(std::int32_t(rng() % 100352u)); // records the step: not steady state
            be->synchronize();
            const auto t1b = std::chrono::steady_clock::now();
            lv::GenerateOptions g; // greedy, each token chosen on the GPU, as the CLI bench
            g.maxTokens = decode;
            g.stopAtEos = false;
            (void)s.generate({}, g);
            be->synchronize();
            const auto t2 = std::chrono::steady_clock::now();
            prefillTps = double(ctx) / std::chrono::duration<double>(t1 - t0).count();
            decodeTps = double(decode) / std::chrono::duration<double>(t2 - t1b).count();
            firstStepMs = std::chrono::duration<double, std::milli>(t1b - t1).count();
            mode = s.decodeMode();
            const auto m = be->memoryStats();
            peak = m.peakBytes;
            deviceUsed = m.deviceTotalBytes - m.deviceFreeBytes;
        }
        std::printf("%7ld   %13.0f   %12.1f   %15.2f   %15.2f   first step %.1f ms, %s\n", ctx,
                    prefillTps, decodeTps, gib(peak), gib(deviceUsed), firstStepMs, mode.c_str());
        std::fflush(stdout);
    }
    return 0;
#endif
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_cuda_model: %s\n", e.what());
        return 1;
    }
}
