// Matrix-vector products for decode (a few rows of x): out[t, n] = alpha * (x[t] . w[n] + b[n]).
// Memory-bound on the weights. The work is cut into items, a group of 8 weight rows times
// one of S slices of K, and a grid of about as many blocks as the GPU holds at once streams
// through them: each warp walks its items chunk by chunk (16-byte loads, the next chunk's
// in flight while this one is computed), x is staged once per block in shared memory as
// f32, and each item's sums land in shared memory, added up in a fixed order at the end
// (the result does not depend on timing). No scratch, one launch.
//
// S is chosen so that every warp the GPU holds has work; with one block per group of rows
// (the first version, LONGVIEW_CUDA_GEMV=block) a 1536 -> 6448 product ran in three waves of
// short blocks, each paying its launch and its x staging for 24 KB of weights.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/Switches.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

namespace lv::cuda {
namespace {

constexpr int kRows = 8; // weight rows per block
// x in shared memory; every target (sm_80 .. sm_120) allows this much per block.
constexpr std::int64_t kGemvMaxSmem = 96 * 1024;
constexpr int kWarps = 8; // warps per block, splitting K

__device__ __forceinline__ float2 toFloat2(const __nv_bfloat162& v) {
    return __bfloat1622float2(v);
}
__device__ __forceinline__ float2 toFloat2(const __half2& v) {
    return __half22float2(v);
}

template <class W> struct Unpack;          // 16 bytes of weights -> floats
template <class Pair> struct UnpackPairs { // 16-bit weights: four pairs
    static constexpr int n = 8;
    __device__ static void run(const uint4& u, float* f) {
        const auto* h = reinterpret_cast<const Pair*>(&u);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const float2 v = toFloat2(h[i]);
            f[2 * i] = v.x;
            f[2 * i + 1] = v.y;
        }
    }
};
template <> struct Unpack<__nv_bfloat16> : UnpackPairs<__nv_bfloat162> {};
template <> struct Unpack<__half> : UnpackPairs<__half2> {};
template <> struct Unpack<float> {
    static constexpr int n = 4;
    __device__ static void run(const uint4& u, float* f) {
        f[0] = __uint_as_float(u.x);
        f[1] = __uint_as_float(u.y);
        f[2] = __uint_as_float(u.z);
        f[3] = __uint_as_float(u.w);
    }
};

// Fills xs [T][K] with the product's input (GemvInput's kinds). Every thread of the block
// takes part (syncs).
// A thread issues all the loads of a batch before it uses any: one element at a time, each
// waited out a full memory latency (16 in a row for K = 4096), which the timeline showed as
// 19 us for a 3072 -> 1536 product that moves 9 MB.
template <class W, int T>
__device__ void stageInput(const Rows& x, const GemvInput& in, float* xs, float* normRed) {
    constexpr int U = 16;
    const int K = int(x.cols), n = T * K;
    const bool two = in.kind != kGemvPlain;
    const int slice = (n + int(gridDim.x) - 1) / int(gridDim.x);
    const int mine0 = int(blockIdx.x) * slice, mine1 = mine0 + slice;
    for (int base = threadIdx.x; base < n; base += U * int(blockDim.x)) {
        float v[U], o[U];
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int i = base + u * int(blockDim.x);
            v[u] = o[u] = 0.0f;
            if (i < n) {
                const int t = i / K, k = i - t * K;
                v[u] = x.data[std::int64_t(t) * x.ld + k];
                if (two) o[u] = in.other.data[std::int64_t(t) * in.other.ld + k];
            }
        }
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int i = base + u * int(blockDim.x);
            if (i >= n) continue;
            float r = v[u];
            if (in.kind == kGemvSwiglu) {
                r = siluOf<W>(r) * o[u];
            } else if (in.kind == kGemvGatedNorm && !in.normBeforeGate) {
                r *= siluOf<W>(o[u]);
            } else if (in.kind == kGemvAddRmsNorm) {
                r += in.scale * o[u];
                // The residual's new value: every block computes all of it, each writes
                // its own slice (x may still be read by other blocks, so not in place).
                if (i >= mine0 && i < mine1) {
                    const int t = i / K, k = i - t * K;
                    in.residualOut.data[std::int64_t(t) * in.residualOut.ld + k] = r;
                }
            }
            xs[i] = r;
        }
    }
    __syncthreads();
    if (in.kind != kGemvGatedNorm && in.kind != kGemvAddRmsNorm) return;
    // The norm over each group (the whole row for kGemvAddRmsNorm): h / rms(h) * w.
    const int group = int(in.groupSize), groups = K / group;
    for (int tg = 0; tg < T * groups; ++tg) { // uniform across the block: blockSum syncs
        const int t = tg / groups, c0 = (tg - t * groups) * group;
        float* h = xs + t * K + c0;
        float ss = 0.0f;
        for (int c = threadIdx.x; c < group; c += blockDim.x)
            ss += h[c] * h[c];
        const float inv = rsqrtf(blockSum(ss, normRed) / float(group) + in.eps);
        const float* z = in.other.data + std::int64_t(t) * in.other.ld + c0;
        for (int base = threadIdx.x; base < group; base += U * int(blockDim.x)) {
            float wv[U], zv[U];
#pragma unroll
            for (int u = 0; u < U; ++u) {
                const int c = base + u * int(blockDim.x);
                wv[u] = zv[u] = 0.0f;
                if (c < group) {
                    wv[u] = loadAsFloat(in.norm.data, in.norm.dtype, c0 + c);
                    if (in.normBeforeGate) zv[u] = z[c];
                }
            }
#pragma unroll
            for (int u = 0; u < U; ++u) {
                const int c = base + u * int(blockDim.x);
                if (c >= group) continue;
                const float v = h[c] * inv * wv[u];
                h[c] = in.normBeforeGate ? v * siluOf<W>(zv[u]) : v;
            }
        }
    }
    __syncthreads();
}

// acc[r][t] += the lane's EPL weights of row r (in raw) . x[t][k .. k + EPL).
template <class W, int T>
__device__ __forceinline__ void accumulate(const uint4 (&raw)[kRows], const float* xs, int K, int k,
                                           float (&acc)[kRows][T]) {
    constexpr int EPL = Unpack<W>::n;
    float xv[T][EPL];
#pragma unroll
    for (int t = 0; t < T; ++t)
#pragma unroll
        for (int e = 0; e < EPL; e += 4) {
            const float4 v = *reinterpret_cast<const float4*>(xs + t * K + k + e);
            xv[t][e] = v.x;
            xv[t][e + 1] = v.y;
            xv[t][e + 2] = v.z;
            xv[t][e + 3] = v.w;
        }
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
        float wf[EPL];
        Unpack<W>::run(raw[r], wf);
#pragma unroll
        for (int t = 0; t < T; ++t)
#pragma unroll
            for (int e = 0; e < EPL; ++e)
                acc[r][t] += wf[e] * xv[t][e];
    }
}

template <class W, int T>
__global__ void __launch_bounds__(kWarps * 32)
    gemvKernel(Rows x, GemvInput in, const W* w, std::int64_t ldw, const float* bias, float alpha,
               Rows out) {
    constexpr int EPL = Unpack<W>::n;           // weights per lane per load
    constexpr int CHUNK = 32 * EPL;             // weights per warp step
    extern __shared__ __align__(16) float xs[]; // [T][K]
    __shared__ float red[kWarps][kRows][T];
    __shared__ float normRed[32];
    const int K = int(x.cols), N = int(out.cols);
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int n0 = blockIdx.x * kRows;
    const int chunks = (K + CHUNK - 1) / CHUNK;
    // A lane's 16 bytes of each of the block's rows for chunk c (zeros past K or N; K % EPL
    // == 0, so a lane's EPL weights are all in or all out).
    uint4 next[kRows];
    auto fetch = [&](int c) {
        const int k = c * CHUNK + lane * EPL;
#pragma unroll
        for (int r = 0; r < kRows; ++r)
            next[r] = n0 + r < N && k < K
                          ? *reinterpret_cast<const uint4*>(w + std::int64_t(n0 + r) * ldw + k)
                          : make_uint4(0, 0, 0, 0);
    };
    // The kernel is a few microseconds long: the first weights are requested before x is
    // staged (launched as a dependent, before the previous kernel has even finished), and
    // each step requests the next before it computes, so HBM never waits on the block.
    if (warp < chunks) fetch(warp);
    waitForPrevious(); // the weights are constant; x and out belong to the step
    stageInput<W, T>(x, in, xs, normRed);
    float acc[kRows][T] = {};
    for (int c = warp; c < chunks; c += kWarps) {
        const int k = c * CHUNK + lane * EPL;
        uint4 raw[kRows];
#pragma unroll
        for (int r = 0; r < kRows; ++r)
            raw[r] = next[r];
        if (c + kWarps < chunks) fetch(c + kWarps);
        if (k < K) accumulate<W, T>(raw, xs, K, k, acc);
    }
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int t = 0; t < T; ++t) {
            const float v = warpSum(acc[r][t]);
            if (lane == 0) red[warp][r][t] = v;
        }
    __syncthreads();
    if (tid < kRows * T) {
        const int r = tid / T, t = tid % T;
        const int n = n0 + r;
        if (n < N) {
            float v = 0.0f;
#pragma unroll
            for (int q = 0; q < kWarps; ++q)
                v += red[q][r][t];
            if (bias) v += bias[n];
            out.data[std::int64_t(t) * out.ld + n] = alpha * v;
        }
    }
}

// Channel ch's causal conv over its window [state (K-1), vals (T)], as causalConv1d does
// (bias, then the taps in order, then SiLU), and the window's last K-1 back as its state.
// Every index below is a compile-time one (K <= 8 chosen by predicates): a window indexed by
// the runtime K went to the stack (ptxas: a 32-byte frame; SASS stall sampling on the H100
// showed its local store waiting in the in_proj GEMV's tail).
template <class W, int T>
__device__ __forceinline__ void convOfRow(const GemvConv& conv, int ch, const float (&vals)[T]) {
    const int K = conv.K;
    float* st = conv.state + std::int64_t(ch) * (K - 1);
    float prev[7], taps[8];
#pragma unroll
    for (int k = 0; k < 7; ++k)
        prev[k] = k < K - 1 ? st[k] : 0.0f;
#pragma unroll
    for (int k = 0; k < 8; ++k)
        taps[k] = k < K ? loadAsFloat(conv.w.data, conv.w.dtype, std::int64_t(ch) * K + k) : 0.0f;
    // Element j of the window [prev (K-1), vals (T)], for compile-time j.
    auto at = [&](int j) {
        float v = 0.0f;
#pragma unroll
        for (int k = 0; k < 7; ++k)
            if (j == k && k < K - 1) v = prev[k];
#pragma unroll
        for (int u = 0; u < T; ++u)
            if (j == K - 1 + u) v = vals[u];
        return v;
    };
#pragma unroll
    for (int t = 0; t < T; ++t) {
        float acc = conv.bias ? conv.bias[ch] : 0.0f;
#pragma unroll
        for (int k = 0; k < 8; ++k)
            if (k < K) acc += taps[k] * at(t + k);
        conv.out.data[std::int64_t(t) * conv.out.ld + ch] = conv.silu ? siluOf<W>(acc) : acc;
    }
#pragma unroll
    for (int k = 0; k < 7; ++k)
        if (k < K - 1) st[k] = at(T + k);
}

// The streaming form. Item i of a block is row group blockIdx.x + (i / S) * gridDim.x,
// slice i % S of K (chunks i % S, i % S + S, ...); warp w takes items w, w + 8, ...
// Shared memory: x [T][K], then (P > 0) each warp's ring of P chunk slots, then one partial
// sum per item, row and token.
//
// P = 0 holds the next chunk in registers: one chunk (4 KB a warp) in flight, so with two
// blocks an SM about 64 KB, and a product of 150 KB an SM (1536 -> 6448 on 132 SMs) waits
// out three memory latencies in a row. P > 0 (the default) copies chunks into
// a ring in shared memory with cp.async, P - 1 ahead, no registers held: each lane reads back
// only the 16 bytes a row it copied itself, so its own wait is all the ordering it needs.
template <int P> struct GemvRing {
    static constexpr int slotBytes = kRows * 32 * 16;
    static constexpr int bytes = kWarps * P * slotBytes;
};

// A block's share of one product in the streaming form: its items, the cursors of each
// warp's walk through them (the fetch cursor P - 1 chunks ahead of the compute cursor) and
// the warp's ring of chunk slots. prologue() requests the first weights, which need nothing
// of the step; run() needs x staged; finishRows() then writes the block's rows.
template <class W, int T, int P> struct ProductStream {
    static constexpr int EPL = Unpack<W>::n;
    static constexpr int CHUNK = 32 * EPL;
    const W* w;
    std::int64_t ldw;
    int K, N, S, chunks, mine, items, warp, lane;
    uint4* ring; // this warp's P slots
    int fItem, fc, fSlot;
    uint4 next[P == 0 ? kRows : 1];

    __device__ __forceinline__ ProductStream(const W* w_, std::int64_t ldw_, int K_, int N_, int S_,
                                             uint4* ringOfBlock) {
        w = w_;
        ldw = ldw_;
        K = K_;
        N = N_;
        S = S_;
        chunks = (K + CHUNK - 1) / CHUNK;
        const int groups = (N + kRows - 1) / kRows;
        mine = (groups - int(blockIdx.x) + int(gridDim.x) - 1) / int(gridDim.x);
        items = mine * S;
        warp = int(threadIdx.x) >> 5;
        lane = int(threadIdx.x) & 31;
        ring = ringOfBlock + warp * P * kRows * 32;
        fItem = warp;
        fc = warp % S;
        fSlot = 0;
    }
    __device__ __forceinline__ int firstRow(int item) const {
        return (int(blockIdx.x) + (item / S) * int(gridDim.x)) * kRows;
    }
    // The walk of a warp: chunk c of item, then c + S, ...; then item + kWarps.
    __device__ __forceinline__ bool advance(int& item, int& c) const {
        c += S;
        if (c >= chunks) {
            item += kWarps;
            c = item % S;
            return true;
        }
        return false;
    }
    __device__ __forceinline__ void fetch(int item, int c) {
        const int n0 = firstRow(item), k = c * CHUNK + lane * EPL;
#pragma unroll
        for (int r = 0; r < kRows; ++r)
            next[r] = n0 + r < N && k < K
                          ? *reinterpret_cast<const uint4*>(w + std::int64_t(n0 + r) * ldw + k)
                          : make_uint4(0, 0, 0, 0);
    }
    // Staged: each chunk is one commit group (an empty one past the end keeps the count
    // uniform).
    __device__ __forceinline__ void fetchStaged() {
        if (fItem < items) {
            const int n0 = firstRow(fItem), k = fc * CHUNK + lane * EPL;
            uint4* slot = ring + fSlot * kRows * 32 + lane;
#pragma unroll
            for (int r = 0; r < kRows; ++r) {
                const bool ok = n0 + r < N && k < K;
                cpAsync16(slot + r * 32, ok ? w + std::int64_t(n0 + r) * ldw + k : w, ok);
            }
            advance(fItem, fc);
        }
        cpAsyncCommit();
        fSlot = fSlot + 1 == P ? 0 : fSlot + 1;
    }
    // The first weights (every item has at least one chunk: S <= chunks).
    __device__ __forceinline__ void prologue() {
        if constexpr (P == 0) {
            if (warp < items) fetch(warp, warp % S);
        } else {
#pragma unroll
            for (int i = 0; i < P - 1; ++i)
                fetchStaged();
        }
    }
    // Each item's sums into red [items][kRows][T]; no copy outlives it.
    __device__ __forceinline__ void run(const float* xs, float* red) {
        int item = warp, c = warp % S, slot = 0;
        float acc[kRows][T] = {};
        while (item < items) {
            uint4 raw[kRows];
            if constexpr (P == 0) {
#pragma unroll
                for (int r = 0; r < kRows; ++r)
                    raw[r] = next[r];
            } else {
                cpAsyncWait<P - 2>(); // this chunk's group is complete (the newer P - 2 may not be)
#pragma unroll
                for (int r = 0; r < kRows; ++r)
                    raw[r] = ring[(slot * kRows + r) * 32 + lane];
                slot = slot + 1 == P ? 0 : slot + 1;
            }
            const int doneItem = item, k = c * CHUNK + lane * EPL;
            const bool itemEnds = advance(item, c);
            if constexpr (P == 0) {
                if (item < items) fetch(item, c);
            } else {
                fetchStaged(); // into the slot read a step ago (its values are in registers)
            }
            if (k < K) accumulate<W, T>(raw, xs, K, k, acc);
            if (itemEnds) {
#pragma unroll
                for (int r = 0; r < kRows; ++r)
#pragma unroll
                    for (int t = 0; t < T; ++t) {
                        const float v = warpSum(acc[r][t]);
                        if (lane == 0) red[(doneItem * kRows + r) * T + t] = v;
                        acc[r][t] = 0.0f;
                    }
            }
        }
        if constexpr (P > 0) cpAsyncWait<0>(); // (empty groups)
    }
};

// After run() and a block barrier: a thread finishes an output row for every token (so that
// it can run the row's conv).
template <class W, int T>
__device__ __forceinline__ void finishRows(int mine, int S, int N, const float* red,
                                           const float* bias, float alpha, Rows out,
                                           const GemvConv& conv) {
    for (int i = int(threadIdx.x); i < mine * kRows; i += int(blockDim.x)) {
        const int j = i / kRows, r = i % kRows;
        const int n = (int(blockIdx.x) + j * int(gridDim.x)) * kRows + r;
        if (n >= N) continue;
        float vals[T];
#pragma unroll
        for (int t = 0; t < T; ++t) {
            float v = 0.0f;
            for (int q = 0; q < S; ++q)
                v += red[((j * S + q) * kRows + r) * T + t];
            if (bias) v += bias[n];
            vals[t] = alpha * v;
            out.data[std::int64_t(t) * out.ld + n] = vals[t];
        }
        if (conv.out.data && n >= conv.c0 && n < conv.c0 + conv.channels)
            convOfRow<W, T>(conv, n - int(conv.c0), vals);
    }
}

template <class W, int T, int P>
__global__ void __launch_bounds__(kWarps * 32)
    gemvStreamKernel(Rows x, GemvInput in, const W* w, std::int64_t ldw, const float* bias,
                     float alpha, Rows out, int S, GemvConv conv) {
    extern __shared__ __align__(16) float xs[]; // [T][K], ring, red [items][kRows][T]
    __shared__ float normRed[32];
    const int K = int(x.cols), N = int(out.cols);
    ProductStream<W, T, P> stream(w, ldw, K, N, S, reinterpret_cast<uint4*>(xs + T * K));
    float* red = xs + T * K + GemvRing<P>::bytes / 4;
    // The first weights are requested before x is staged, and, launched as a dependent,
    // before the previous kernel ends.
    stream.prologue();
    waitForPrevious(); // the weights are constant; x and out belong to the step
    stageInput<W, T>(x, in, xs, normRed);
    stream.run(xs, red);
    __syncthreads();
    finishRows<W, T>(stream.mine, S, N, red, bias, alpha, out, conv);
}

int multiprocessors() {
    return deviceAttribute(cudaDevAttrMultiProcessorCount);
}

// Blocks of `kernel` one multiprocessor holds with `smem` bytes of shared memory, per
// (kernel, size): both the registers and the staged x bound it.
int blocksPerMultiprocessor(const void* kernel, std::size_t smem) {
    static std::mutex mutex;
    static std::map<std::pair<const void*, std::size_t>, int> cache;
    const std::lock_guard lock(mutex);
    auto it = cache.find({kernel, smem});
    if (it == cache.end()) {
        int n = 0;
        check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, kernel, kWarps * 32, smem),
              "gemv occupancy");
        it = cache.emplace(std::make_pair(kernel, smem), std::max(n, 1)).first;
    }
    return it->second;
}

// The dynamic shared memory `kernel` may opt into: the device's per-block limit less the
// kernel's static shared memory (asking for the whole limit is an invalid value).
int dynamicSharedLimit(const void* kernel) {
    static std::mutex mutex;
    static std::map<const void*, int> cache;
    const std::lock_guard lock(mutex);
    auto it = cache.find(kernel);
    if (it == cache.end()) {
        cudaFuncAttributes attr{};
        check(cudaFuncGetAttributes(&attr, kernel), "gemv attributes");
        it = cache.emplace(kernel, maxSharedPerBlock() - int(attr.sharedSizeBytes)).first;
    }
    return it->second;
}

// LONGVIEW_CUDA_GEMV: block (one block per row group, the first version), registers (the
// streaming form holding its next chunk in registers), else the streaming form with its
// weights through a cp.async ring (H100 decode at 1K 431 -> 464 tok/s against registers).
// Read at every launch (a few hundred a token outside recorded steps), so that the op tests
// run each.
enum class GemvForm { block, stream, staged };
GemvForm gemvForm() {
    return switchIs("LONGVIEW_CUDA_GEMV", "block")       ? GemvForm::block
           : switchIs("LONGVIEW_CUDA_GEMV", "registers") ? GemvForm::stream
                                                         : GemvForm::staged;
}

constexpr int kGemvStages = 3; // the staged form's ring: two chunks a warp in flight

// The streaming form with ring depth P (0: registers); false where its shared memory would
// not fit the device.
template <class W, int T, int P>
bool launchStream(Rows x, const GemvInput& in, const void* w, std::int64_t ldw, const float* bias,
                  float alpha, Rows out, cudaStream_t s, const GemvConv& conv) {
    const void* kernel = reinterpret_cast<const void*>(gemvStreamKernel<W, T, P>);
    const int limit = P == 0 ? int(kGemvMaxSmem) : dynamicSharedLimit(kernel);
    const std::size_t fixed = sizeof(float) * std::size_t(T * x.cols) + GemvRing<P>::bytes;
    if (fixed + 2048 > std::size_t(limit)) return false;
    allowDynamicSharedMemory(kernel, limit, "gemv shared memory");
    const std::int64_t chunks = (x.cols + 32 * Unpack<W>::n - 1) / (32 * Unpack<W>::n);
    const std::int64_t groups = (out.cols + kRows - 1) / kRows;
    // The plan for perSm blocks an SM: its blocks, slices and shared memory (x, the ring, and
    // the partial sums of the block's items).
    std::int64_t blocks = 0, S = 1;
    std::size_t smem = 0;
    const auto plan = [&](int perSm) {
        const std::int64_t resident = std::int64_t(perSm) * multiprocessors();
        blocks = std::min(groups, resident);
        // Enough items for every warp the GPU holds, in a power of two of slices.
        S = 1;
        while (S < chunks && groups * S < resident * kWarps)
            S *= 2;
        S = std::min(S, chunks);
        const std::int64_t items = (groups + blocks - 1) / blocks * S;
        smem = fixed + sizeof(float) * std::size_t(items * kRows * T);
    };
    // As many blocks an SM as x and the ring allow, unless their partial sums leave room for
    // fewer: a 4096 -> 1536 product's 112.5 KB a block is two an SM (estimated with 2 KB of
    // sums it was one: 132 blocks, 26-28% of HBM's peak alone under ncu). H100 decode at 1K:
    // 491.1 / 489.9 -> 493.8 / 495.5 tok/s (v53).
    int perSm = blocksPerMultiprocessor(kernel, fixed + sizeof(float) * kRows * T);
    for (plan(perSm); perSm > 1 && blocksPerMultiprocessor(kernel, smem) < perSm;)
        plan(--perSm);
    if (smem > std::size_t(limit)) return false;
    launchKernel(gemvStreamKernel<W, T, P>, unsigned(blocks), kWarps * 32, smem, s, "gemv", x, in,
                 static_cast<const W*>(w), ldw, bias, alpha, out, int(S), conv);
    return true;
}

template <class W, int T>
void launchT(Rows x, const GemvInput& in, const void* w, std::int64_t ldw, const float* bias,
             float alpha, Rows out, cudaStream_t s, const GemvConv& conv) {
    const GemvForm form = gemvForm();
    if (form == GemvForm::staged &&
        launchStream<W, T, kGemvStages>(x, in, w, ldw, bias, alpha, out, s, conv))
        return;
    if (form != GemvForm::block && launchStream<W, T, 0>(x, in, w, ldw, bias, alpha, out, s, conv))
        return;
    const std::size_t xBytes = sizeof(float) * std::size_t(T * x.cols);
    allowDynamicSharedMemory(reinterpret_cast<const void*>(gemvKernel<W, T>), int(kGemvMaxSmem),
                             "gemv shared memory");
    launchKernel(gemvKernel<W, T>, ceilDiv(out.cols, kRows), kWarps * 32, xBytes, s, "gemv", x, in,
                 static_cast<const W*>(w), ldw, bias, alpha, out);
    if (conv.out.data) // the first form has no epilogue: the conv as its own kernel
        launchCausalConv1d(Rows{out.data + conv.c0, out.rows, conv.channels, out.ld}, conv.w,
                           conv.K, conv.bias, conv.state, conv.silu,
                           OutRows{conv.out.data, conv.out.rows, conv.out.cols, conv.out.ld, kF32},
                           s);
}

template <class W>
void launchW(Rows x, const GemvInput& in, const void* w, std::int64_t ldw, const float* bias,
             float alpha, Rows out, cudaStream_t s, const GemvConv& conv) {
    switch (x.rows) {
    case 1:
        launchT<W, 1>(x, in, w, ldw, bias, alpha, out, s, conv);
        break;
    case 2:
        launchT<W, 2>(x, in, w, ldw, bias, alpha, out, s, conv);
        break;
    case 3:
        launchT<W, 3>(x, in, w, ldw, bias, alpha, out, s, conv);
        break;
    default:
        launchT<W, 4>(x, in, w, ldw, bias, alpha, out, s, conv);
        break;
    }
}

} // namespace

bool gemvApplies(Rows x, const void* w, std::int64_t ldw, int dtype) {
    const int es = dtype == kF32 ? 4 : 2;
    const int epl = 16 / es;
    return x.rows >= 1 && x.rows <= kGemvMaxRows && x.cols % epl == 0 &&
           x.rows * x.cols * 4 <= kGemvMaxSmem && (reinterpret_cast<std::uintptr_t>(w) & 15) == 0 &&
           (ldw * es) % 16 == 0;
}

void launchGemv(Rows x, const void* w, std::int64_t ldw, int dtype, const float* bias, float alpha,
                Rows out, cudaStream_t s, const GemvInput& in, const GemvConv& conv) {
    if (dtype == kBF16)
        launchW<__nv_bfloat16>(x, in, w, ldw, bias, alpha, out, s, conv);
    else if (dtype == kF16)
        launchW<__half>(x, in, w, ldw, bias, alpha, out, s, conv);
    else
        launchW<float>(x, in, w, ldw, bias, alpha, out, s, conv);
}

} // namespace lv::cuda
