// Causal GQA flash attention for prefill on Hopper's warpgroup products (wgmma, sm_90a), f16
// KV caches, head dim 64 or 128. Built for sm_90a alone; the backend chooses it only on a
// device of compute capability 9.0, where the warp-specialized form that grew out of it
// (FlashAttentionWarpSpecialized.cu) is the default: LONGVIEW_CUDA_FA=wgmma for this one,
// mma for the mma.sync forms.
//
// The mma.sync kernel (Attention.cu) tops out near 265 TFLOP/s on an H200: its operands go
// through registers by ldmatrix, and at 255 registers an SM holds one block of 4 warps. Here
// a block of two warpgroups takes 128 rows of one kv head; each warpgroup's 64 rows multiply
// straight out of shared memory (Q and K both K-major, V read transposed), 128 keys a step,
// so the tensor cores read the operands themselves and the registers hold only the two
// accumulators (scores and output, 64 floats each) and the scores as f16 A fragments for the
// P.V product. K and V tiles come in by cp.async, two stages, the next step's copies in
// flight while this one is computed. Softmax in f32, base 2, as the mma.sync kernel.
//
// The rows are (query, head) pairs of the G query heads that share the kv head, query-major
// (row r: query r / G, head r % G; 42 queries x 3 heads = 126 of the 128 rows for Granite's
// 12 / 4), so each K/V tile brought in serves every head of its group: a third of the L2
// traffic per product at G = 3, which at 128 keys x 128 rows a step would otherwise ask
// about 4 TB/s of L2 at 500 TFLOP/s.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/MmaBf16.cuh"
#include "backend/cuda/Switches.h"
#include "backend/cuda/sm90a/AttentionTile.cuh"
#include "backend/cuda/sm90a/Wgmma.cuh"

#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>

namespace lv::cuda {
namespace {
using namespace sm90a;

constexpr int kRows = kTileRows;
constexpr int kKeys = kTileKeys;
constexpr int kThreads = 256;

// K/V stages: two, refilled after the barrier that ends each step.
constexpr int kStages = 2;
// Q, then the stages of K, then those of V; plus room to align the start to 1024 bytes.
template <int D> constexpr int sharedBytes() {
    return tileBytes<D>(kRows) + 2 * kStages * tileBytes<D>(kKeys) + 1024;
}

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
// s = Q K^T for warpgroup wg's 64 rows, waited out (the whole-tile form and the probe).
template <int D>
__device__ __forceinline__ void scoresOfTile(float (&s)[kKeys / 2], std::uint32_t qTile, int wg,
                                             std::uint32_t kTile) {
    fenceRegisters(s);
    wgmmaFence();
    issueScores<D>(s, qTile, wg, kTile);
    wgmmaCommit();
    wgmmaWait<0>();
    fenceRegisters(s);
}

// o += P V over the whole tile, waited out.
template <int D>
__device__ __forceinline__ void
accumulatePV(float (&o)[D / 2], const std::uint32_t (&p)[kKeys / 16][4], std::uint32_t vTile) {
    fenceRegisters(o);
    wgmmaFence();
    issuePV<D>(o, p, vTile);
    wgmmaCommit();
    wgmmaWait<0>();
    fenceRegisters(o);
}
#endif

template <int D> __global__ void __launch_bounds__(kThreads, 1) flashWgmmaKernel(AttentionArgs a) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    using namespace sm90a;
    constexpr int CH = D / 8; // 16-byte chunks per row
    constexpr int kO = D / 2; // output accumulators per thread (64 rows x D over 128 threads)
    constexpr int kS = kKeys / 2;
    waitForPrevious();
    extern __shared__ unsigned char smemRaw[];
    const std::uint32_t raw = sharedAddress(smemRaw);
    unsigned char* base = smemRaw + (((raw + 1023) & ~1023u) - raw);
    unsigned char* Qs = base;
    unsigned char* Ks = Qs + tileBytes<D>(kRows); // [kStages]
    unsigned char* Vs = Ks + kStages * tileBytes<D>(kKeys);
    const std::uint32_t qAddr = sharedAddress(Qs), kAddr = sharedAddress(Ks),
                        vAddr = sharedAddress(Vs);

    const int tid = threadIdx.x, wg = tid >> 7, warp = (tid >> 5) & 3, lane = tid & 31;
    const int gid = lane >> 2, tig = lane & 3;
    const BlockRows b(a);
    const int hk = b.hk;
    const float qMul = a.scale * 1.4426950408889634f; // scores in base 2
    const std::int64_t rowKv = a.Hkv * D;
    const std::int64_t qLast = b.qLast, kEnd = b.kEnd;
    auto queryOf = [&](int r) { return b.queryOf(r); };

    // K and V rows [k0, k0 + 128) of this kv head into stage `stage` (zeros past kEnd).
    auto issue = [&](std::int64_t k0, int stage) {
#pragma unroll
        for (int i = 0; i < kKeys * CH / kThreads; ++i) {
            const int idx = tid + i * kThreads, r = idx / CH, c = idx % CH;
            const std::int64_t key = k0 + r;
            const bool ok = key < kEnd;
            const std::int64_t off = ok ? key * rowKv + std::int64_t(hk) * D + c * 8 : 0;
            const std::uint32_t to = stage * tileBytes<D>(kKeys) + swizzledOffset(kKeys, r, c);
            cpAsync16(Ks + to, static_cast<const std::uint16_t*>(a.k) + off, ok);
            cpAsync16(Vs + to, static_cast<const std::uint16_t*>(a.v) + off, ok);
        }
        cpAsyncCommit();
    };
    issue(0, 0);

    storeQRows<D, kRows, kThreads>(Qs, a, b, qMul, 0, tid);

    // This thread's rows: rowA and rowA + 8 of the block (the accumulator layout of wgmma, per
    // warp as mma.sync's m16n8: element 4j + e is row gid + 8 (e / 2), column 8j + 2 tig +
    // e % 2), and their queries. A warpgroup's queries run from wgFirst to wgLast.
    const int rowA = wg * 64 + warp * 16 + gid;
    const std::int64_t tA[2] = {queryOf(rowA), queryOf(rowA + 8)};
    const std::int64_t wgFirst = queryOf(wg * 64);
    const std::int64_t wgLast = std::min<std::int64_t>(queryOf(wg * 64 + 63), qLast);
    const std::int64_t wgLastKey = a.pos0 + wgLast;
    const bool wgActive = wgFirst < a.T;
    float o[kO], s[kS];
#pragma unroll
    for (int i = 0; i < kO; ++i)
        o[i] = 0.0f;
#pragma unroll
    for (int i = 0; i < kS; ++i)
        s[i] = 0.0f;
    OnlineSoftmax sm;
    sm.lastKey[0] = a.pos0 + tA[0];
    sm.lastKey[1] = a.pos0 + tA[1];
    sm.unmaskedBelow = a.pos0 + wgFirst;
    sm.tig = tig;

    for (std::int64_t k0 = 0, it = 0; k0 < kEnd; k0 += kKeys, ++it) {
        const int stage = int(it % kStages);
        // The stage refilled here was last read a step ago, before the barrier that ended it.
        if (k0 + kKeys < kEnd) {
            issue(k0 + kKeys, int((it + 1) % kStages));
            cpAsyncWait<1>();
        } else {
            cpAsyncWait<0>();
        }
        fenceSharedForAsyncProxy(); // this thread's copies (and Q's stores) for the products
        __syncthreads();
        if (wgActive && k0 <= wgLastKey) { // uniform across the warpgroup
            const std::uint32_t kTile = kAddr + stage * tileBytes<D>(kKeys);
            const std::uint32_t vTile = vAddr + stage * tileBytes<D>(kKeys);
            scoresOfTile<D>(s, qAddr, wg, kTile);
            float corr[2];
            sm.apply(s, k0, corr);
            rescaleRows(o, corr);
            std::uint32_t p[kKeys / 16][4];
            scoresAsA(s, p);
            accumulatePV<D>(o, p, vTile);
        }
        __syncthreads(); // this stage is refilled at the next step
    }

    if (wgActive) writeRows<D>(o, sm, a, b, rowA);
#else
    __trap(); // built for sm_90a only; the host never launches it elsewhere
#endif
}

// For the tests: one warpgroup takes one tile through the kernel's own steps, s = Q K^T
// (64 x 128) and o = f16(s) V (64 x D), and writes both, so that a wrong descriptor or
// fragment layout shows as a wrong product rather than as a wrong attention. q: [64][D],
// k and v: [128][D], f16 bits, row-major.
template <int D>
__global__ void __launch_bounds__(128)
    wgmmaProbeKernel(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v,
                     float* sOut, float* oOut) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    using namespace sm90a;
    constexpr int CH = D / 8;
    extern __shared__ unsigned char smemRaw[];
    const std::uint32_t raw = sharedAddress(smemRaw);
    unsigned char* Qs = smemRaw + (((raw + 1023) & ~1023u) - raw);
    unsigned char* Ks = Qs + tileBytes<D>(kRows);
    unsigned char* Vs = Ks + tileBytes<D>(kKeys);
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, gid = lane >> 2, tig = lane & 3;
    for (int i = tid; i < 64 * CH; i += 128) {
        const int r = i / CH, c = i % CH;
        *reinterpret_cast<uint4*>(Qs + swizzledOffset(kRows, r, c)) =
            *reinterpret_cast<const uint4*>(q + r * D + c * 8);
    }
    for (int i = tid; i < kKeys * CH; i += 128) {
        const int r = i / CH, c = i % CH;
        *reinterpret_cast<uint4*>(Ks + swizzledOffset(kKeys, r, c)) =
            *reinterpret_cast<const uint4*>(k + r * D + c * 8);
        *reinterpret_cast<uint4*>(Vs + swizzledOffset(kKeys, r, c)) =
            *reinterpret_cast<const uint4*>(v + r * D + c * 8);
    }
    fenceSharedForAsyncProxy();
    __syncthreads();
    float s[kKeys / 2] = {};
    scoresOfTile<D>(s, sharedAddress(Qs), 0, sharedAddress(Ks));
    std::uint32_t p[kKeys / 16][4];
    scoresAsA(s, p);
    float o[D / 2] = {};
    accumulatePV<D>(o, p, sharedAddress(Vs));
    const int row = warp * 16 + gid;
#pragma unroll
    for (int e = 0; e < 4; ++e) {
        const int r = row + 8 * (e >> 1), c = 2 * tig + (e & 1);
#pragma unroll
        for (int j = 0; j < kKeys / 8; ++j)
            sOut[r * kKeys + 8 * j + c] = s[4 * j + e];
#pragma unroll
        for (int n = 0; n < D / 8; ++n)
            oOut[r * D + 8 * n + c] = o[4 * n + e];
    }
#else
    __trap(); // built for sm_90a only
#endif
}

template <int D> void launchD(const AttentionArgs& a, cudaStream_t s) {
    const void* kernel = reinterpret_cast<const void*>(flashWgmmaKernel<D>);
    allowDynamicSharedMemory(kernel, sharedBytes<D>(), "flash attention (wgmma) shared memory");
    const dim3 grid(ceilDiv(a.T, kRows / (a.Hq / a.Hkv)), unsigned(a.Hkv));
    launchKernel(flashWgmmaKernel<D>, grid, kThreads, sharedBytes<D>(), s, "flashAttentionWgmma",
                 a);
}

} // namespace

bool flashWgmmaAvailable() {
    static const bool available =
        hopperKernelRuns(reinterpret_cast<const void*>(flashWgmmaKernel<128>));
    return available;
}

bool flashWgmmaApplies(const AttentionArgs& a) {
    const std::uintptr_t ptrs =
        reinterpret_cast<std::uintptr_t>(a.k) | reinterpret_cast<std::uintptr_t>(a.v) |
        reinterpret_cast<std::uintptr_t>(a.q) | reinterpret_cast<std::uintptr_t>(a.out);
    // (rows are (query, head) pairs: a group of up to 64 heads leaves a block 2 queries)
    return a.kvDtype == kF16 && (a.d == 64 || a.d == 128) && (ptrs & 15) == 0 && a.Hkv > 0 &&
           a.Hq % a.Hkv == 0 && a.Hq / a.Hkv <= 64 && a.ldq % 4 == 0 && a.ldo % 2 == 0 &&
           flashWgmmaAvailable();
}

void probeWgmmaLayouts(int d, const std::uint16_t* q, const std::uint16_t* k,
                       const std::uint16_t* v, float* s, float* o) {
    if (d != 64 && d != 128) throw std::invalid_argument("probeWgmmaLayouts: d must be 64 or 128");
    const std::size_t qBytes = std::size_t(64 * d) * 2, kvBytes = std::size_t(kKeys * d) * 2;
    const std::size_t sBytes = std::size_t(64 * kKeys) * 4, oBytes = std::size_t(64 * d) * 4;
    unsigned char* dev = nullptr;
    check(cudaMalloc(&dev, qBytes + 2 * kvBytes + sBytes + oBytes), "wgmma probe");
    auto* dq = reinterpret_cast<std::uint16_t*>(dev);
    auto* dk = reinterpret_cast<std::uint16_t*>(dev + qBytes);
    auto* dv = reinterpret_cast<std::uint16_t*>(dev + qBytes + kvBytes);
    auto* ds = reinterpret_cast<float*>(dev + qBytes + 2 * kvBytes);
    auto* dO = reinterpret_cast<float*>(dev + qBytes + 2 * kvBytes + sBytes);
    cudaError_t st = cudaMemcpy(dq, q, qBytes, cudaMemcpyHostToDevice);
    if (st == cudaSuccess) st = cudaMemcpy(dk, k, kvBytes, cudaMemcpyHostToDevice);
    if (st == cudaSuccess) st = cudaMemcpy(dv, v, kvBytes, cudaMemcpyHostToDevice);
    if (st == cudaSuccess) {
        const int smem = (d == 128 ? sharedBytes<128>() : sharedBytes<64>());
        const void* kernel = d == 128 ? reinterpret_cast<const void*>(wgmmaProbeKernel<128>)
                                      : reinterpret_cast<const void*>(wgmmaProbeKernel<64>);
        st = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
        if (st == cudaSuccess) {
            if (d == 128)
                wgmmaProbeKernel<128><<<1, 128, smem>>>(dq, dk, dv, ds, dO);
            else
                wgmmaProbeKernel<64><<<1, 128, smem>>>(dq, dk, dv, ds, dO);
            st = cudaGetLastError();
        }
    }
    if (st == cudaSuccess) st = cudaDeviceSynchronize();
    if (st == cudaSuccess) st = cudaMemcpy(s, ds, sBytes, cudaMemcpyDeviceToHost);
    if (st == cudaSuccess) st = cudaMemcpy(o, dO, oBytes, cudaMemcpyDeviceToHost);
    cudaFree(dev);
    check(st, "wgmma probe");
}

void launchFlashWgmma(const AttentionArgs& a, cudaStream_t s) {
    // The warp-specialized form (H100: attention 454 -> 634 TFLOP/s, 128K prefill 92.4K
    // tok/s); LONGVIEW_CUDA_FA=wgmma for this file's (read at each call, so that the op tests
    // run both).
    if (!switchIs("LONGVIEW_CUDA_FA", "wgmma") && launchFlashWarpSpecialized(a, s)) return;
    if (a.d == 128)
        launchD<128>(a, s);
    else
        launchD<64>(a, s);
}

} // namespace lv::cuda
