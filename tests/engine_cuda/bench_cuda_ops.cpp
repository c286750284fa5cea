// Times the CUDA backend's ops at Granite 4.0-H 1B shapes (prefill chunks and decode) and
// prints time, achieved bandwidth and FLOP rate per op. Not a test: run it on the GPU
// machine (`bench_cuda_ops [filter]`). Inputs are random, never zeros.

#include "backend/Backend.h"
#include "core/DType.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <random>
#include <string>
#include <vector>

using lv::DType;
using lv::Tensor;

namespace {

struct DeviceArena {
    lv::Backend& be;
    std::vector<void*> owned;
    std::mt19937 rng{7};
    ~DeviceArena() {
        be.synchronize();
        for (void* p : owned)
            be.release(p);
    }
    Tensor random(std::initializer_list<std::int64_t> dims, DType dt = DType::F32,
                  float sigma = 1.0f, float mean = 0.0f) {
        Tensor t = Tensor::contiguous(nullptr, dt, dims, lv::DeviceKind::Cuda);
        std::normal_distribution<float> d(mean, sigma);
        const std::size_t n = std::size_t(t.numel());
        t.data = be.allocate(t.bytes());
        owned.push_back(t.data);
        if (dt == DType::F32) {
            std::vector<float> v(n);
            for (auto& x : v)
                x = d(rng);
            be.upload(t.data, v.data(), n * 4);
        } else {
            std::vector<std::uint16_t> v(n);
            for (auto& x : v)
                x = lv::floatToBf16(d(rng));
            be.upload(t.data, v.data(), n * 2);
        }
        return t;
    }
    static Tensor slice(const Tensor& base, std::int64_t col0,
                        std::initializer_list<std::int64_t> dims) {
        Tensor t = Tensor::contiguous(static_cast<float*>(base.data) + col0, base.dtype, dims,
                                      lv::DeviceKind::Cuda);
        t.stride[0] = base.stride[0];
        return t;
    }
};

struct Row {
    std::string name;
    double us, gbps, tflops;
};
std::vector<Row> rows;
const char* filter = nullptr;

void timeOp(lv::Backend& be, const std::string& name, double bytes, double flops,
            const std::function<void()>& op) {
    if (filter && name.find(filter) == std::string::npos) return;
    op();
    be.synchronize();
    // enough repetitions for ~50 ms, at least 3
    auto t0 = std::chrono::steady_clock::now();
    op();
    be.synchronize();
    const double once =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int reps = std::max(3, std::min(200, int(0.05 / std::max(once, 1e-6))));
    std::vector<double> times;
    for (int rep = 0; rep < 5; ++rep) {
        t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < reps; ++i)
            op();
        be.synchronize();
        times.push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps);
    }
    std::sort(times.begin(), times.end());
    const double s = times[2];
    rows.push_back({name, s * 1e6, bytes / s / 1e9, flops / s / 1e12});
    std::printf("%-58s %10.1f us %8.0f GB/s %7.1f TFLOP/s\n", name.c_str(), s * 1e6,
                bytes / s / 1e9, flops / s / 1e12);
    std::fflush(stdout);
}

} // namespace

int run(int argc, char** argv) {
    if (argc > 1) filter = argv[1];
#ifndef LONGVIEW_HAVE_CUDA
    std::puts("built without CUDA");
    return 0;
#else
    auto be = lv::makeCudaBackend(0);
    std::printf("%s\n", be->name().c_str());
    DeviceArena a{*be, {}, std::mt19937{7}};
    const std::int64_t Hd = 1536, H = 48, P = 64, N = 128, Dx = H * P, Cc = Dx + 2 * N,
                       proj = 2 * Dx + 2 * N + H, F = 4096, V = 100352;

    for (std::int64_t T : {std::int64_t(1), std::int64_t(16384)}) {
        const std::string tag = " T=" + std::to_string(T);
        Tensor x = a.random({T, Hd});
        struct Lin {
            const char* name;
            std::int64_t K, Nout;
        };
        for (const Lin& l :
             {Lin{"in_proj", Hd, proj}, Lin{"out_proj", Dx, Hd}, Lin{"mlp_in", Hd, 2 * F},
              Lin{"mlp_out", F, Hd}, Lin{"lm_head", Hd, V}}) {
            if (T > 4096 && std::strcmp(l.name, "lm_head") == 0) continue;
            Tensor in = a.random({T, l.K});
            Tensor w = a.random({l.Nout, l.K}, DType::BF16, 0.02f);
            Tensor out = a.random({T, l.Nout});
            timeOp(*be,
                   std::string("linear ") + l.name + tag + " K=" + std::to_string(l.K) +
                       " N=" + std::to_string(l.Nout),
                   double(T * l.K * 4 + l.K * l.Nout * 2 + T * l.Nout * 4), 2.0 * T * l.K * l.Nout,
                   [&] { be->linear(in, w, nullptr, 1.0f, out); });
        }
        Tensor nw = a.random({Hd}, DType::F32, 0.1f, 1.0f);
        Tensor xo = a.random({T, Hd});
        timeOp(*be, "rmsNorm" + tag + " D=1536", double(T * Hd * 8), 0,
               [&] { be->rmsNorm(x, nw, 1e-5f, xo); });
        Tensor pr = a.random({T, proj});
        Tensor z = DeviceArena::slice(pr, 0, {T, Dx});
        Tensor xBC = DeviceArena::slice(pr, Dx, {T, Cc});
        Tensor dt = DeviceArena::slice(pr, Dx + Cc, {T, H});
        Tensor cw = a.random({Cc, 4}, DType::F32, 0.5f);
        Tensor cb = a.random({Cc});
        Tensor cs = a.random({Cc, 3});
        Tensor co = a.random({T, Cc});
        timeOp(*be, "causalConv1d" + tag + " C=3328 K=4", double(T * Cc * 8), 0,
               [&] { be->causalConv1d(xBC, cw, &cb, cs, true, co); });
        Tensor xs = DeviceArena::slice(co, 0, {T, H, P});
        Tensor Bs = DeviceArena::slice(co, Dx, {T, 1, N});
        Tensor Cs = DeviceArena::slice(co, Dx + N, {T, 1, N});
        Tensor A = a.random({H}, DType::F32, 0.5f, -2.0f);
        Tensor D = a.random({H});
        Tensor dtb = a.random({H}, DType::F32, 0.5f, -3.0f);
        Tensor st = a.random({H, P, N}, DType::F32, 0.1f);
        Tensor y = a.random({T, H, P});
        lv::SsdParams sp;
        sp.bf16Products = true; // as the 1B checkpoint's bf16 matrices ask
        const double ssdFlops =
            double(T) * H * P * N * 2 * 2 + (T > 1 ? double(T) * 256 * (H * P + N) * 2 : 0);
        timeOp(*be, "ssdScan" + tag + " H=48 P=64 N=128",
               double(T * (Dx * 8 + 2 * N * 4 + H * 4) + H * P * N * 8), ssdFlops,
               [&] { be->ssdScan(xs, dt, A, Bs, Cs, D, dtb, sp, st, y); });
        Tensor gw = a.random({Dx}, DType::F32, 0.1f, 1.0f);
        timeOp(*be, "gatedRmsNorm" + tag + " D=3072", double(T * Dx * 12), 0, [&] {
            Tensor y2 = Tensor::contiguous(y.data, DType::F32, {T, Dx}, lv::DeviceKind::Cuda);
            be->gatedRmsNorm(y2, z, gw, Dx, 1e-5f, false, y2);
        });
        Tensor gu = a.random({T, 2 * F});
        Tensor g = DeviceArena::slice(gu, 0, {T, F});
        Tensor u = DeviceArena::slice(gu, F, {T, F});
        Tensor so = a.random({T, F});
        timeOp(*be, "swiglu" + tag + " F=4096", double(T * F * 12), 0,
               [&] { be->swiglu(g, u, so); });
        timeOp(*be, "addScaled" + tag + " D=1536", double(T * Hd * 12), 0,
               [&] { be->addScaled(x, xo, 0.22f, x); });
        Tensor normed = a.random({T, Hd});
        timeOp(*be, "addRmsNorm" + tag + " D=1536", double(T * Hd * 16), 0,
               [&] { be->addRmsNorm(x, xo, 0.22f, nw, 1e-5f, normed); });
        Tensor qkv = a.random({T, 12 * 128 + 2 * 4 * 128});
        Tensor q = DeviceArena::slice(qkv, 0, {T, 12, 128});
        timeOp(*be, "rope q" + tag + " 12x128", double(T * 1536 * 8), 0,
               [&] { be->rope(q, 1000, 10000.0f, 128); });
    }
    // Decode products as a step streams them: 40 distinct weights of a shape (more bytes
    // than L2 holds, so each product reads its weights from memory), one after another.
    // Against the single-weight rows above (warm in L2) this separates the kernel's own
    // streaming from the cost at its boundaries.
    {
        struct Lin {
            const char* name;
            std::int64_t K, Nout;
        };
        constexpr int kLayers = 40;
        for (const Lin& l : {Lin{"in_proj", Hd, proj}, Lin{"out_proj", Dx, Hd},
                             Lin{"mlp_in", Hd, 2 * F}, Lin{"mlp_out", F, Hd}}) {
            const std::string name = std::string("gemv stream x40 ") + l.name +
                                     " K=" + std::to_string(l.K) + " N=" + std::to_string(l.Nout);
            if (filter && name.find(filter) == std::string::npos) continue;
            Tensor x = a.random({1, l.K});
            Tensor out = a.random({1, l.Nout});
            std::vector<Tensor> ws{a.random({l.Nout, l.K}, DType::BF16, 0.02f)};
            for (int i = 1; i < kLayers; ++i) { // copies of the first: the host draws one
                Tensor w = Tensor::contiguous(be->allocate(ws[0].bytes()), DType::BF16,
                                              {l.Nout, l.K}, lv::DeviceKind::Cuda);
                a.owned.push_back(w.data);
                be->copy(w.data, ws[0].data, ws[0].bytes());
                ws.push_back(w);
            }
            auto products = [&] {
                for (const Tensor& w : ws)
                    be->linear(x, w, nullptr, 1.0f, out);
            };
            const double bytes = double(kLayers) * double(ws[0].bytes());
            timeOp(*be, name, bytes, 2.0 * kLayers * l.K * l.Nout, products);
            // The same products recorded as one step and replayed, as a decode step runs
            // them: no host launch between two, each launched as a dependent of the one before.
            std::string whyNot;
            if (auto step = be->recordStep(0, products, whyNot))
                timeOp(*be, "gemv stream recorded x40 " + name.substr(name.find(l.name)), bytes,
                       2.0 * kLayers * l.K * l.Nout, [&] { be->replayStep(*step, 0); });
            else
                std::printf("gemv stream: not recorded (%s)\n", whyNot.c_str());
        }
    }
    // attention: prefill chunks at the start and the end of a 128K context; decode
    struct Att {
        std::int64_t T, pos0;
        DType kv;
    };
    for (const Att& k :
         {Att{4096, 0, DType::F32}, Att{4096, 131072 - 4096, DType::F32},
          Att{4096, 131072 - 4096, DType::F16}, Att{2048, 131072 - 2048, DType::F32},
          Att{2048, 131072 - 2048, DType::F16}, Att{2048, 16384 - 2048, DType::F16},
          Att{8192, 131072 - 8192, DType::F16}, Att{8192, 0, DType::F16}, Att{1, 1023, DType::F16},
          Att{1, 131071, DType::F32}, Att{1, 131071, DType::F16}}) {
        const std::string name = "attention T=" + std::to_string(k.T) +
                                 " pos0=" + std::to_string(k.pos0) +
                                 " kv=" + std::string(lv::dtypeName(k.kv));
        if (filter && name.find(filter) == std::string::npos) continue; // (before its memory)
        const std::int64_t cap = k.pos0 + k.T;
        Tensor q = a.random({k.T, 12, 128});
        Tensor kc = a.random({cap, 4, 128}, k.kv);
        Tensor vc = a.random({cap, 4, 128}, k.kv);
        Tensor o = a.random({k.T, 12, 128});
        const double pairs = double(k.T) * double(k.pos0) + double(k.T) * double(k.T + 1) / 2;
        const double flops = 4.0 * pairs * 128 * 12;
        const double bytes =
            double(cap) * 4 * 128 * 2 * lv::dtypeSize(k.kv) + double(k.T) * 1536 * 8;
        timeOp(*be, name, bytes, flops, [&] { be->attention(q, kc, vc, k.pos0, 0.0883883f, o); });
    }
    {
        Tensor logits = a.random({1, V});
        Tensor idx = Tensor::contiguous(be->allocate(4), DType::I32, {1}, lv::DeviceKind::Cuda);
        a.owned.push_back(idx.data);
        timeOp(*be, "argmax V=100352", double(V * 4), 0, [&] { be->argmax(logits, idx); });
    }
    std::printf("\n%-58s %12s %13s %15s\n", "op", "time", "bandwidth", "rate");
    for (const Row& r : rows)
        std::printf("%-58s %9.1f us %8.0f GB/s %7.1f TFLOP/s\n", r.name.c_str(), r.us, r.gbps,
                    r.tflops);
    return 0;
#endif
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_cuda_ops: %s\n", e.what());
        return 1;
    }
}
