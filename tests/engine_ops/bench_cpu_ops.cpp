// Throughput of the CPU backend's heavy ops at Granite 4.0-H 1B shapes: GFLOP/s of linear
// (prefill GEMM and decode GEMV, f32 and bf16 weights), time of the SSD scan, causal
// conv1d and attention over long prefills. Not a test: run it by hand, e.g.
//   build/ci/tests/engine_ops/bench_cpu_ops [threads]
#include "backend/Backend.h"
#include "core/DType.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

using namespace lv;

namespace {

double secondsPerRun(const std::function<void()>& f, int minRuns = 3, double minSeconds = 0.5) {
    f(); // warm up
    int runs = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0.0;
    while (runs < minRuns || elapsed < minSeconds) {
        f();
        ++runs;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return elapsed / runs;
}

std::vector<float> randomFloats(std::size_t n, float sd = 1.0f) {
    std::mt19937 gen(7);
    std::normal_distribution<float> d(0.0f, sd);
    std::vector<float> v(n);
    for (auto& x : v)
        x = d(gen);
    return v;
}

} // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 0;
    auto be = makeCpuBackend(threads);
    std::printf("%s\n", be->name().c_str());

    // linear: in_proj of the 1B model, 1536 -> 6448.
    const std::int64_t K = 1536, N = 6448;
    std::vector<float> w32 = randomFloats(std::size_t(N * K), 0.03f);
    std::vector<std::uint16_t> w16(w32.size());
    for (std::size_t i = 0; i < w32.size(); ++i)
        w16[i] = floatToBf16(w32[i]);
    for (std::int64_t T : {1, 4, 64, 512, 2048}) {
        std::vector<float> x = randomFloats(std::size_t(T * K)), out(std::size_t(T * N));
        Tensor tx = Tensor::contiguous(x.data(), DType::F32, {T, K});
        Tensor to = Tensor::contiguous(out.data(), DType::F32, {T, N});
        for (DType dt : {DType::F32, DType::BF16}) {
            Tensor tw = Tensor::contiguous(dt == DType::F32 ? static_cast<void*>(w32.data())
                                                            : static_cast<void*>(w16.data()),
                                           dt, {N, K});
            const double s = secondsPerRun([&] { be->linear(tx, tw, nullptr, 1.0f, to); });
            std::printf(
                "linear T=%-5lld %lldx%lld %-4s %8.3f ms  %7.1f GFLOP/s  %6.1f GB/s weights\n",
                (long long)T, (long long)N, (long long)K, dtypeName(dt).data(), s * 1e3,
                2.0 * T * N * K / s * 1e-9, double(N * K) * dtypeSize(dt) / s * 1e-9);
        }
    }

    // SSD scan: 48 heads x 64, d_state 128, one group, chunk 256.
    const std::int64_t H = 48, P = 64, G = 1, Ns = 128;
    for (std::int64_t T : {1, 4096}) {
        std::vector<float> x = randomFloats(std::size_t(T * H * P)),
                           dt = randomFloats(std::size_t(T * H)),
                           B = randomFloats(std::size_t(T * G * Ns), 0.5f),
                           C = randomFloats(std::size_t(T * G * Ns), 0.5f),
                           y(std::size_t(T * H * P)), state(std::size_t(H * P * Ns), 0.0f),
                           A(std::size_t(H), -1.0f), D(std::size_t(H), 1.0f),
                           bias(std::size_t(H), -3.0f);
        Tensor tx = Tensor::contiguous(x.data(), DType::F32, {T, H, P});
        Tensor tdt = Tensor::contiguous(dt.data(), DType::F32, {T, H});
        Tensor tB = Tensor::contiguous(B.data(), DType::F32, {T, G, Ns});
        Tensor tC = Tensor::contiguous(C.data(), DType::F32, {T, G, Ns});
        Tensor tA = Tensor::contiguous(A.data(), DType::F32, {H});
        Tensor tD = Tensor::contiguous(D.data(), DType::F32, {H});
        Tensor tb = Tensor::contiguous(bias.data(), DType::F32, {H});
        Tensor ts = Tensor::contiguous(state.data(), DType::F32, {H, P, Ns});
        Tensor ty = Tensor::contiguous(y.data(), DType::F32, {T, H, P});
        SsdParams params;
        const double s =
            secondsPerRun([&] { be->ssdScan(tx, tdt, tA, tB, tC, tD, tb, params, ts, ty); });
        std::printf("ssdScan T=%-5lld H=48 P=64 N=128 G=1 %9.3f ms  (%.1f us/token)\n",
                    (long long)T, s * 1e3, s * 1e6 / double(T));
    }

    // causal conv1d over x, B, C (3328 channels), kernel 4.
    for (std::int64_t T : {1, 4096}) {
        const std::int64_t Cc = 3328, Kc = 4;
        std::vector<float> x = randomFloats(std::size_t(T * Cc)),
                           w = randomFloats(std::size_t(Cc * Kc)),
                           st(std::size_t(Cc * (Kc - 1)), 0.0f), out(std::size_t(T * Cc));
        Tensor tx = Tensor::contiguous(x.data(), DType::F32, {T, Cc});
        Tensor tw = Tensor::contiguous(w.data(), DType::F32, {Cc, Kc});
        Tensor ts = Tensor::contiguous(st.data(), DType::F32, {Cc, Kc - 1});
        Tensor to = Tensor::contiguous(out.data(), DType::F32, {T, Cc});
        const double s = secondsPerRun([&] { be->causalConv1d(tx, tw, nullptr, ts, true, to); });
        std::printf("causalConv1d T=%-5lld C=3328 K=4 %9.3f ms\n", (long long)T, s * 1e3);
    }

    // attention: 12 query / 4 KV heads of 128.
    const std::int64_t Hq = 12, Hkv = 4, d = 128;
    for (auto [T, pos0] : {std::pair<std::int64_t, std::int64_t>{4096, 0}, {1, 4095}, {1, 32767}}) {
        const std::int64_t cap = pos0 + T;
        std::vector<float> q = randomFloats(std::size_t(T * Hq * d)),
                           k = randomFloats(std::size_t(cap * Hkv * d)),
                           v = randomFloats(std::size_t(cap * Hkv * d)),
                           out(std::size_t(T * Hq * d));
        Tensor tq = Tensor::contiguous(q.data(), DType::F32, {T, Hq, d});
        Tensor tk = Tensor::contiguous(k.data(), DType::F32, {cap, Hkv, d});
        Tensor tv = Tensor::contiguous(v.data(), DType::F32, {cap, Hkv, d});
        Tensor to = Tensor::contiguous(out.data(), DType::F32, {T, Hq, d});
        const double s = secondsPerRun([&] { be->attention(tq, tk, tv, pos0, 0.088f, to); });
        const double flops = 4.0 * double(Hq) * d * (double(T) * pos0 + double(T) * (T + 1) / 2);
        std::printf("attention T=%-5lld pos0=%-6lld 12/4 heads x 128 %9.3f ms  %7.1f GFLOP/s\n",
                    (long long)T, (long long)pos0, s * 1e3, flops / s * 1e-9);
    }
    return 0;
}
