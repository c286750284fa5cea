// Causal GQA attention over a KV cache (f32, bf16 or f16), three kernels:
//  - prefill, head dim 64 or 128: flash attention on the f16 tensor cores (mma.sync
//    m16n8k16), 128 queries x 64 keys per step, online softmax in float32 (base 2);
//  - decode (a few query rows per kv head): split-K over the keys, one block per (key split,
//    kv head) serving every query head of the group (f16 caches on the tensor cores, others
//    in float32), then a combine pass;
//  - anything else: one warp per (query, head), float32.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/MmaBf16.cuh"
#include "backend/cuda/Switches.h"

#include <algorithm>
#include <cstdlib>
#include <type_traits>

namespace lv::cuda {
namespace {

constexpr int kWarps = 4;

template <int DPL> // head dims per lane: d <= 32 * DPL
__global__ void attentionWarpKernel(AttentionArgs a) {
    waitForPrevious();
    extern __shared__ float smem[]; // per warp: q [d]
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const std::int64_t item = std::int64_t(blockIdx.x) * kWarps + warp;
    if (item >= a.T * a.Hq) return;
    const std::int64_t t = item / a.Hq;
    const int h = int(item - t * a.Hq);
    const int d = int(a.d);
    const int hk = int(h / (a.Hq / a.Hkv));
    float* qs = smem + warp * (32 * DPL);
    const float* qrow = a.q + t * a.ldq + std::int64_t(h) * d;
    for (int i = lane; i < d; i += 32)
        qs[i] = qrow[i] * a.scale;
    __syncwarp();

    float acc[DPL];
#pragma unroll
    for (int i = 0; i < DPL; ++i)
        acc[i] = 0.0f;
    float m = -INFINITY, l = 0.0f;
    const std::int64_t keys = a.pos0 + t + 1;
    const std::int64_t kvRow = a.Hkv * d;
    for (std::int64_t j0 = 0; j0 < keys; j0 += 32) {
        const std::int64_t j = j0 + lane;
        float s = -INFINITY;
        if (j < keys) {
            const std::int64_t base = j * kvRow + std::int64_t(hk) * d;
            float dot = 0.0f;
            for (int i = 0; i < d; ++i)
                dot += qs[i] * loadAsFloat(a.k, a.kvDtype, base + i);
            s = dot;
        }
        const float mNew = fmaxf(m, warpMax(s));
        const float p = j < keys ? expf(s - mNew) : 0.0f;
        const float corr = expf(m - mNew); // m = -inf on the first group: corr = 0
        l = l * corr + warpSum(p);
#pragma unroll
        for (int i = 0; i < DPL; ++i)
            acc[i] *= corr;
        const int n = int(std::min<std::int64_t>(32, keys - j0));
        for (int jj = 0; jj < n; ++jj) {
            const float pj = __shfl_sync(0xffffffffu, p, jj);
            const std::int64_t base = (j0 + jj) * kvRow + std::int64_t(hk) * d;
#pragma unroll
            for (int i = 0; i < DPL; ++i) {
                const int di = lane + 32 * i;
                if (di < d) acc[i] += pj * loadAsFloat(a.v, a.kvDtype, base + di);
            }
        }
        m = mNew;
    }
    float* o = a.out + t * a.ldo + std::int64_t(h) * d;
    const float inv = 1.0f / l;
#pragma unroll
    for (int i = 0; i < DPL; ++i) {
        const int di = lane + 32 * i;
        if (di < d) o[di] = acc[i] * inv;
    }
}

template <int DPL> void launchWarp(const AttentionArgs& a, cudaStream_t s) {
    const std::int64_t items = a.T * a.Hq;
    const std::size_t smem = sizeof(float) * kWarps * 32 * DPL;
    launchKernel(attentionWarpKernel<DPL>, ceilDiv(items, kWarps), kWarps * 32, smem, s,
                 "attentionWarp", a);
}

} // namespace

namespace {

// ---- flash attention (prefill) --------------------------------------------------------------

// Row r, 16-byte chunk c of a [rows][D] 16-bit tile, XOR-swizzled so that ldmatrix reads of
// 8 rows at one logical chunk hit 8 different bank groups.
template <int D> __device__ __forceinline__ int swz(int r, int c) {
    return r * D + ((c ^ (r & 7)) << 3);
}

// A K or V tile in flight: each thread's chunks of 8 elements, as loaded (f32 or 16-bit).
// F16: the cache is f16 already (the GPU's own KV caches), 16 bytes per chunk that go to
// shared memory as they are; half the staging registers of the general form.
template <int D, int THREADS, int KEYS, bool F16> struct KvStage {
    static constexpr int kChunks = KEYS * (D / 8) / THREADS; // per thread, per tensor
    static constexpr int kWords = F16 ? 1 : 2;
    float4 k[kChunks][kWords], v[kChunks][kWords];
};

__device__ __forceinline__ void loadRaw(const void* base, int dtype, std::int64_t off, bool ok,
                                        float4 out[2]) {
    if (!ok) {
        out[0] = out[1] = make_float4(0, 0, 0, 0);
    } else if (dtype == kF32) {
        const float4* p = reinterpret_cast<const float4*>(static_cast<const float*>(base) + off);
        out[0] = p[0];
        out[1] = p[1];
    } else { // 16-bit: 16 bytes in out[0]
        out[0] = *reinterpret_cast<const float4*>(static_cast<const std::uint16_t*>(base) + off);
    }
}

// 8 elements as 8 f16 (16 bytes).
__device__ __forceinline__ uint4 toF16Chunk(const float4 raw[2], int dtype) {
    if (dtype == kF16) return *reinterpret_cast<const uint4*>(&raw[0]);
    float f[8];
    if (dtype == kF32) {
        f[0] = raw[0].x, f[1] = raw[0].y, f[2] = raw[0].z, f[3] = raw[0].w;
        f[4] = raw[1].x, f[5] = raw[1].y, f[6] = raw[1].z, f[7] = raw[1].w;
    } else {
        const auto* h = reinterpret_cast<const __nv_bfloat162*>(&raw[0]);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const float2 v = __bfloat1622float2(h[i]);
            f[2 * i] = v.x;
            f[2 * i + 1] = v.y;
        }
    }
    return make_uint4(packF16(f[0], f[1]), packF16(f[2], f[3]), packF16(f[4], f[5]),
                      packF16(f[6], f[7]));
}

// Block = 16 * MT * WARPS queries of one head, each warp MT tiles of 16 rows; K/V tiles of
// KEYS keys go through registers (the next tile's loads are in flight while this one is
// computed) into swizzled f16 shared memory; Q.K^T and P.V on the f16 tensor cores, softmax
// in f32 (base 2). MT = 1 keeps the warp's Q fragments in registers; MT = 2 reads them from
// shared memory at each step instead, and each K or V fragment loaded from shared memory
// then feeds two products: at one tile per warp the kernel is bound by shared-memory
// bandwidth (ncu: L1/shared 69%, SM 36%), at two it needs about two thirds of it per FLOP.
// The two-tile form takes f16 caches into two shared-memory stages with cp.async, which
// frees the staging registers its accumulators need.
template <int D, int WARPS, int KEYS, bool F16, int MT>
__global__ void __launch_bounds__(WARPS * 32) flashAttentionKernel(AttentionArgs a) {
    waitForPrevious();
    constexpr int CH = D / 8; // 16-byte chunks per row
    constexpr int kWarpRows = 16 * MT;
    constexpr int kFaRows = kWarpRows * WARPS, kFaThreads = 32 * WARPS, kFaKeys = KEYS;
    constexpr bool kQInRegisters = MT == 1;
    constexpr bool kAsync = F16 && MT == 2;
    constexpr int kStages = kAsync ? 2 : 1;
    using Stage = KvStage<D, kFaThreads, KEYS, F16>;
    extern __shared__ __align__(16) unsigned char smemRaw[];
    auto* Qs = reinterpret_cast<std::uint16_t*>(smemRaw);
    std::uint16_t* Ks = Qs + kFaRows * D;           // [kStages][keys][D]
    std::uint16_t* Vs = Ks + kStages * kFaKeys * D; // [kStages][keys][D]

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, gid = lane >> 2, tig = lane & 3;
    const int h = blockIdx.y;
    const int hk = int(h / (a.Hq / a.Hkv));
    const std::int64_t q0 = std::int64_t(blockIdx.x) * kFaRows;
    const float qMul = a.scale * 1.4426950408889634f; // scores in base 2

    for (int i = tid; i < kFaRows * CH; i += kFaThreads) {
        const int r = i / CH, c = i % CH;
        const std::int64_t t = q0 + r;
        float f[8] = {};
        if (t < a.T) {
            const float* q = a.q + t * a.ldq + std::int64_t(h) * D + c * 8;
#pragma unroll
            for (int e = 0; e < 8; ++e)
                f[e] = q[e] * qMul;
        }
        *reinterpret_cast<uint4*>(Qs + swz<D>(r, c)) = make_uint4(
            packF16(f[0], f[1]), packF16(f[2], f[3]), packF16(f[4], f[5]), packF16(f[6], f[7]));
    }
    __syncthreads();
    // The A fragment of this warp's query tile mt for head-dim step ks.
    auto loadQ = [&](std::uint32_t q[4], int mt, int ks) {
        const int r = warp * kWarpRows + mt * 16 + (lane & 7) + 8 * ((lane >> 3) & 1);
        ldmatrixX4(q, Qs + swz<D>(r, ks * 2 + (lane >> 4)));
    };
    std::uint32_t qf[kQInRegisters ? D / 16 : 1][4];
    if constexpr (kQInRegisters) {
#pragma unroll
        for (int ks = 0; ks < D / 16; ++ks)
            loadQ(qf[ks], 0, ks);
    }

    float o[MT][D / 8][4] = {};
    float m[MT][2], l[MT][2];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
        m[mt][0] = m[mt][1] = -INFINITY, l[mt][0] = l[mt][1] = 0.0f;
    const std::int64_t qLast = std::min<std::int64_t>(q0 + kFaRows, a.T) - 1;
    const std::int64_t kEnd = a.pos0 + qLast + 1; // keys [0, kEnd) are needed by some row
    const std::int64_t rowKv = a.Hkv * D;
    const std::int64_t warpRow0 = q0 + warp * kWarpRows;
    // This thread's rows: warpRow0 + 16 mt + gid and 8 further, for each tile mt.
    const std::int64_t rowA = warpRow0 + gid;
    const std::int64_t warpLastKey = a.pos0 + warpRow0 + kWarpRows - 1;

    // Staged through registers (kAsync: unused) or copied by cp.async into stage `stage`.
    Stage st;
    auto issue = [&](std::int64_t k0, int stage) {
#pragma unroll
        for (int i = 0; i < Stage::kChunks; ++i) {
            const int idx = tid + i * kFaThreads, r = idx / CH, c = idx % CH;
            const std::int64_t key = k0 + r;
            const bool ok = key < kEnd;
            const std::int64_t off = ok ? key * rowKv + std::int64_t(hk) * D + c * 8 : 0;
            std::uint16_t* kd = Ks + stage * kFaKeys * D + swz<D>(r, c);
            std::uint16_t* vd = Vs + stage * kFaKeys * D + swz<D>(r, c);
            cpAsync16(kd, static_cast<const std::uint16_t*>(a.k) + off, ok);
            cpAsync16(vd, static_cast<const std::uint16_t*>(a.v) + off, ok);
        }
        cpAsyncCommit();
    };
    auto fetch = [&](std::int64_t k0) {
#pragma unroll
        for (int i = 0; i < Stage::kChunks; ++i) {
            const int idx = tid + i * kFaThreads, r = idx / CH, c = idx % CH;
            const std::int64_t key = k0 + r;
            const std::int64_t off = key * rowKv + std::int64_t(hk) * D + c * 8;
            if constexpr (F16) {
                const float4 zero = make_float4(0, 0, 0, 0);
                st.k[i][0] = key < kEnd ? *reinterpret_cast<const float4*>(
                                              static_cast<const std::uint16_t*>(a.k) + off)
                                        : zero;
                st.v[i][0] = key < kEnd ? *reinterpret_cast<const float4*>(
                                              static_cast<const std::uint16_t*>(a.v) + off)
                                        : zero;
            } else {
                loadRaw(a.k, a.kvDtype, off, key < kEnd, st.k[i]);
                loadRaw(a.v, a.kvDtype, off, key < kEnd, st.v[i]);
            }
        }
    };
    if constexpr (kAsync)
        issue(0, 0);
    else
        fetch(0);
    for (std::int64_t k0 = 0, it = 0; k0 < kEnd; k0 += kFaKeys, ++it) {
        const std::uint16_t* Kt = Ks;
        const std::uint16_t* Vt = Vs;
        if constexpr (kAsync) {
            // The other stage was last read in the previous step, which every warp left
            // through the barrier at its end; this tile's copies were issued a step ago.
            const int stage = int(it & 1);
            if (k0 + kFaKeys < kEnd) {
                issue(k0 + kFaKeys, stage ^ 1);
                cpAsyncWait<1>();
            } else {
                cpAsyncWait<0>();
            }
            __syncthreads();
            Kt = Ks + stage * kFaKeys * D;
            Vt = Vs + stage * kFaKeys * D;
        } else {
            __syncthreads(); // every warp is done with the previous tile
#pragma unroll
            for (int i = 0; i < Stage::kChunks; ++i) {
                const int idx = tid + i * kFaThreads, r = idx / CH, c = idx % CH;
                if constexpr (F16) {
                    *reinterpret_cast<float4*>(Ks + swz<D>(r, c)) = st.k[i][0];
                    *reinterpret_cast<float4*>(Vs + swz<D>(r, c)) = st.v[i][0];
                } else {
                    *reinterpret_cast<uint4*>(Ks + swz<D>(r, c)) = toF16Chunk(st.k[i], a.kvDtype);
                    *reinterpret_cast<uint4*>(Vs + swz<D>(r, c)) = toF16Chunk(st.v[i], a.kvDtype);
                }
            }
            __syncthreads();
            if (k0 + kFaKeys < kEnd) fetch(k0 + kFaKeys); // lands while this tile is computed
        }
        if (k0 > warpLastKey) { // every row of this warp is masked
            if constexpr (kAsync) __syncthreads();
            continue;
        }

        float sc[MT][kFaKeys / 8][4] = {};
#pragma unroll
        for (int ks = 0; ks < D / 16; ++ks) {
            std::uint32_t qa[MT][4];
            if constexpr (kQInRegisters) {
#pragma unroll
                for (int e = 0; e < 4; ++e)
                    qa[0][e] = qf[ks][e];
            } else {
#pragma unroll
                for (int mt = 0; mt < MT; ++mt)
                    loadQ(qa[mt], mt, ks);
            }
#pragma unroll
            for (int j = 0; j < kFaKeys / 8; j += 2) {
                std::uint32_t b[4];
                const int r = j * 8 + (lane & 7) + 8 * (lane >> 4);
                ldmatrixX4(b, Kt + swz<D>(r, ks * 2 + ((lane >> 3) & 1)));
#pragma unroll
                for (int mt = 0; mt < MT; ++mt) {
                    mmaF16(sc[mt][j], qa[mt], b[0], b[1]);
                    mmaF16(sc[mt][j + 1], qa[mt], b[2], b[3]);
                }
            }
        }
        if (k0 + kFaKeys - 1 > a.pos0 + warpRow0) { // the diagonal crosses this tile
#pragma unroll
            for (int mt = 0; mt < MT; ++mt)
#pragma unroll
                for (int j = 0; j < kFaKeys / 8; ++j)
#pragma unroll
                    for (int e = 0; e < 4; ++e) {
                        const std::int64_t key = k0 + j * 8 + 2 * tig + (e & 1);
                        if (key > a.pos0 + rowA + 16 * mt + 8 * (e >> 1)) sc[mt][j][e] = -INFINITY;
                    }
        }
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
            for (int rr = 0; rr < 2; ++rr) {
                float mx = -INFINITY;
#pragma unroll
                for (int j = 0; j < kFaKeys / 8; ++j)
                    mx = fmaxf(mx, fmaxf(sc[mt][j][2 * rr], sc[mt][j][2 * rr + 1]));
                mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
                mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
                const float mNew = fmaxf(m[mt][rr], mx);
                const float mUse = mNew == -INFINITY ? 0.0f : mNew;
                const float corr = exp2f(m[mt][rr] - mUse);
                float sum = 0.0f;
#pragma unroll
                for (int j = 0; j < kFaKeys / 8; ++j) {
                    sc[mt][j][2 * rr] = exp2f(sc[mt][j][2 * rr] - mUse);
                    sc[mt][j][2 * rr + 1] = exp2f(sc[mt][j][2 * rr + 1] - mUse);
                    sum += sc[mt][j][2 * rr] + sc[mt][j][2 * rr + 1];
                }
                l[mt][rr] = l[mt][rr] * corr + sum;
                m[mt][rr] = mNew;
#pragma unroll
                for (int n = 0; n < D / 8; ++n) {
                    o[mt][n][2 * rr] *= corr;
                    o[mt][n][2 * rr + 1] *= corr;
                }
            }
#pragma unroll
        for (int kk = 0; kk < kFaKeys / 16; ++kk) {
            std::uint32_t pa[MT][4];
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
                pa[mt][0] = packF16(sc[mt][2 * kk][0], sc[mt][2 * kk][1]);
                pa[mt][1] = packF16(sc[mt][2 * kk][2], sc[mt][2 * kk][3]);
                pa[mt][2] = packF16(sc[mt][2 * kk + 1][0], sc[mt][2 * kk + 1][1]);
                pa[mt][3] = packF16(sc[mt][2 * kk + 1][2], sc[mt][2 * kk + 1][3]);
            }
#pragma unroll
            for (int dp = 0; dp < D / 16; ++dp) {
                std::uint32_t b[4];
                const int r = kk * 16 + (lane & 7) + 8 * ((lane >> 3) & 1);
                ldmatrixX4Trans(b, Vt + swz<D>(r, dp * 2 + (lane >> 4)));
#pragma unroll
                for (int mt = 0; mt < MT; ++mt) {
                    mmaF16(o[mt][2 * dp], pa[mt], b[0], b[1]);
                    mmaF16(o[mt][2 * dp + 1], pa[mt], b[2], b[3]);
                }
            }
        }
        if constexpr (kAsync) __syncthreads(); // this stage is refilled two steps on
    }

#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int rr = 0; rr < 2; ++rr) {
            float sum = l[mt][rr];
            sum += __shfl_xor_sync(0xffffffffu, sum, 1);
            sum += __shfl_xor_sync(0xffffffffu, sum, 2);
            const std::int64_t t = rowA + 16 * mt + 8 * rr;
            if (t >= a.T) continue;
            const float inv = 1.0f / sum;
            float* out = a.out + t * a.ldo + std::int64_t(h) * D;
#pragma unroll
            for (int n = 0; n < D / 8; ++n) {
                out[n * 8 + 2 * tig] = o[mt][n][2 * rr] * inv;
                out[n * 8 + 2 * tig + 1] = o[mt][n][2 * rr + 1] * inv;
            }
        }
}

// The flash kernel reads K/V rows as 16-byte vectors.
bool flashApplies(const AttentionArgs& a) {
    const std::uintptr_t ptrs =
        reinterpret_cast<std::uintptr_t>(a.k) | reinterpret_cast<std::uintptr_t>(a.v);
    return (a.d == 64 || a.d == 128) && (ptrs & 15) == 0;
}

template <int D, int WARPS, int KEYS, bool F16, int MT = 1>
void launchFlashWarps(const AttentionArgs& a, cudaStream_t s) {
    constexpr int kFaRows = 16 * MT * WARPS, kFaKeys = KEYS;
    constexpr int kStages = F16 && MT == 2 ? 2 : 1;
    const int smem = (kFaRows + 2 * kStages * kFaKeys) * D * 2;
    allowDynamicSharedMemory(
        reinterpret_cast<const void*>(flashAttentionKernel<D, WARPS, KEYS, F16, MT>), smem,
        "flash attention shared memory");
    const dim3 grid(ceilDiv(a.T, kFaRows), unsigned(a.Hq));
    launchKernel(flashAttentionKernel<D, WARPS, KEYS, F16, MT>, grid, WARPS * 32, smem, s,
                 "flashAttention", a);
}

// 8 warps (128 queries) halve the K/V traffic per product but fit one block per SM; 4 warps
// (64 queries, 32 keys per step so that the staging registers stay the same) fit two, which keeps
// the SMs busy when there are few query tiles (a prefill chunk of 2048 tokens is 16 tiles of 128
// per head). LONGVIEW_CUDA_FA_WARPS=4|8 overrides.
template <int D> void launchFlash(const AttentionArgs& a, cudaStream_t s) {
    static const int forced = [] {
        const char* e = std::getenv("LONGVIEW_CUDA_FA_WARPS");
        return e ? std::atoi(e) : 0;
    }();
    static const int sms = [] {
        int dev = 0, n = 0;
        cudaGetDevice(&dev);
        cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev);
        return n;
    }();
    const std::int64_t tiles8 = (a.T + 127) / 128 * a.Hq;
    const bool eight = forced ? forced == 8 : tiles8 >= 3 * std::int64_t(sms);
    const bool f16 = a.kvDtype == kF16;
    // Hopper's warpgroup products (sm90a/) where they apply, the warp-specialized kernel
    // unless LONGVIEW_CUDA_FA=wgmma: H100, T=4096 at pos0 126976, 269 (mma.sync) -> 454
    // (wgmma) -> 634 TFLOP/s.
    // LONGVIEW_CUDA_FA=mma chooses the mma.sync forms, =mma1 their one-tile form (read at
    // every call, so that the op tests run each).
    const bool mma1 = switchIs("LONGVIEW_CUDA_FA", "mma1");
    if (!mma1 && !switchIs("LONGVIEW_CUDA_FA", "mma") && flashWgmmaApplies(a)) {
        launchFlashWgmma(a, s);
        return;
    }
    // f16 caches (the GPU's own): two query tiles per warp, 1.3x the one-tile form on an
    // H200 (T=4096 at pos0 126976: 208 -> 265 TFLOP/s).
    if (f16 && !mma1) {
        launchFlashWarps<D, 4, 32, true, 2>(a, s);
        return;
    }
    if (eight)
        f16 ? launchFlashWarps<D, 8, 64, true>(a, s) : launchFlashWarps<D, 8, 64, false>(a, s);
    else
        f16 ? launchFlashWarps<D, 4, 32, true>(a, s) : launchFlashWarps<D, 4, 32, false>(a, s);
}

// ---- split-K decode ------------------------------------------------------------------------

constexpr int kDecodeKeys = 64;   // keys per tile
constexpr int kDecodeMaxRows = 8; // query rows (tokens x heads of a group) per block
constexpr int minSplitKeys = 4 * kDecodeKeys;

// A recorded step's split length: its grid is sized for keyBound keys; the keys there are
// now are spread over it (splits past the end have nothing to do and leave an empty partial).
__device__ __forceinline__ std::int64_t recordedSplitKeys(std::int64_t kTotal) {
    const std::int64_t perSplit = (kTotal + gridDim.x - 1) / gridDim.x;
    return std::max<std::int64_t>(minSplitKeys,
                                  (perSplit + kDecodeKeys - 1) / kDecodeKeys * kDecodeKeys);
}

// Block (key split, kv head): rows r = t * G + g for query t and head hk * G + g.
// Writes unnormalised partial outputs and (max, sum) per row, in base 2.
template <int D, bool HALF>
__global__ void __launch_bounds__(128)
    decodeSplitKernel(AttentionArgs a, std::int64_t splitKeys, float* partO, float* partML) {
    waitForPrevious();
    extern __shared__ __align__(16) float sm[];
    const int G = int(a.Hq / a.Hkv);
    const int R = int(a.T) * G;
    float* Qs = sm;                         // [R][D]
    float* Ks = Qs + kDecodeMaxRows * D;    // [keys][D + 4]
    float* Vs = Ks + kDecodeKeys * (D + 4); // [keys][D]
    float* Ps = Vs + kDecodeKeys * D;       // [R][keys]
    float* rowM = Ps + kDecodeMaxRows * kDecodeKeys;
    float* rowL = rowM + kDecodeMaxRows;
    float* rowC = rowL + kDecodeMaxRows;
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int split = blockIdx.x, hk = blockIdx.y;
    const std::int64_t pos0 = a.pos0 + (a.pos0Dev ? *a.pos0Dev : 0);
    const std::int64_t kTotal = pos0 + a.T;
    if (splitKeys == 0) splitKeys = recordedSplitKeys(kTotal);
    const std::int64_t kBegin = std::int64_t(split) * splitKeys;
    const std::int64_t kStop = std::min<std::int64_t>(kBegin + splitKeys, kTotal);
    const float qMul = a.scale * 1.4426950408889634f;
    for (int i = tid; i < R * D; i += 128) {
        const int r = i / D, d = i % D;
        const int t = r / G, g = r % G;
        Qs[i] = a.q[std::int64_t(t) * a.ldq + std::int64_t(hk * G + g) * D + d] * qMul;
    }
    if (tid < kDecodeMaxRows) {
        rowM[tid] = -INFINITY;
        rowL[tid] = 0.0f;
    }
    float acc[kDecodeMaxRows] = {};
    const std::int64_t rowKv = a.Hkv * D;
    // 16-bit caches: each thread holds its 4-element pieces of the next K/V tile (8 bytes
    // each) in registers, loaded while this tile is computed, so the kernel streams the
    // cache without waiting on its own arithmetic. f32 caches (only on request) load each
    // tile when it is needed: holding one ahead would take 128 registers.
    constexpr int kPieces = kDecodeKeys * (D / 4) / 128;
    uint2 rk[HALF ? kPieces : 1], rv[HALF ? kPieces : 1];
    auto fetch = [&](std::int64_t k0) {
#pragma unroll
        for (int j = 0; j < kPieces; ++j) {
            const int i = tid + j * 128, r = i / (D / 4), c = (i % (D / 4)) * 4;
            const std::int64_t key = k0 + r;
            const std::int64_t off = key * rowKv + std::int64_t(hk) * D + c;
            const auto* k16 = static_cast<const std::uint16_t*>(a.k);
            const auto* v16 = static_cast<const std::uint16_t*>(a.v);
            rk[j] = key < kStop ? *reinterpret_cast<const uint2*>(k16 + off) : make_uint2(0, 0);
            rv[j] = key < kStop ? *reinterpret_cast<const uint2*>(v16 + off) : make_uint2(0, 0);
        }
    };
    if constexpr (HALF)
        if (kBegin < kStop) fetch(kBegin);
    for (std::int64_t k0 = kBegin; k0 < kStop; k0 += kDecodeKeys) {
        __syncthreads();
        if constexpr (HALF) {
#pragma unroll
            for (int j = 0; j < kPieces; ++j) {
                const int i = tid + j * 128, r = i / (D / 4), c = (i % (D / 4)) * 4;
                *reinterpret_cast<float4*>(Ks + r * (D + 4) + c) = unpack4(rk[j], a.kvDtype);
                *reinterpret_cast<float4*>(Vs + r * D + c) = unpack4(rv[j], a.kvDtype);
            }
        } else {
            for (int i = tid; i < kDecodeKeys * (D / 4); i += 128) {
                const int r = i / (D / 4), c = (i % (D / 4)) * 4;
                const std::int64_t key = k0 + r;
                float4 kv = make_float4(0, 0, 0, 0), vv = kv;
                if (key < kStop) {
                    const std::int64_t off = key * rowKv + std::int64_t(hk) * D + c;
                    kv = *reinterpret_cast<const float4*>(static_cast<const float*>(a.k) + off);
                    vv = *reinterpret_cast<const float4*>(static_cast<const float*>(a.v) + off);
                }
                *reinterpret_cast<float4*>(Ks + r * (D + 4) + c) = kv;
                *reinterpret_cast<float4*>(Vs + r * D + c) = vv;
            }
        }
        __syncthreads();
        if constexpr (HALF)
            if (k0 + kDecodeKeys < kStop) fetch(k0 + kDecodeKeys);
        { // scores: thread = (key, every other row)
            const int key = tid % kDecodeKeys;
            const std::int64_t keyAbs = k0 + key;
            for (int r = tid / kDecodeKeys; r < R; r += 128 / kDecodeKeys) {
                const float* q = Qs + r * D;
                const float* k = Ks + key * (D + 4);
                float dot = 0.0f;
#pragma unroll 8
                for (int d = 0; d < D; d += 4) {
                    const float4 kv = *reinterpret_cast<const float4*>(k + d);
                    dot += q[d] * kv.x + q[d + 1] * kv.y + q[d + 2] * kv.z + q[d + 3] * kv.w;
                }
                const int t = r / G;
                Ps[r * kDecodeKeys + key] =
                    (keyAbs < kStop && keyAbs <= pos0 + t) ? dot : -INFINITY;
            }
        }
        __syncthreads();
        for (int r = warp; r < R; r += 4) { // online softmax, one warp per row
            float s0 = Ps[r * kDecodeKeys + lane], s1 = Ps[r * kDecodeKeys + lane + 32];
            const float mNew = fmaxf(rowM[r], warpMax(fmaxf(s0, s1)));
            const float mUse = mNew == -INFINITY ? 0.0f : mNew;
            s0 = exp2f(s0 - mUse);
            s1 = exp2f(s1 - mUse);
            Ps[r * kDecodeKeys + lane] = s0;
            Ps[r * kDecodeKeys + lane + 32] = s1;
            const float sum = warpSum(s0 + s1);
            if (lane == 0) {
                const float corr = exp2f(rowM[r] - mUse);
                rowC[r] = corr;
                rowL[r] = rowL[r] * corr + sum;
                rowM[r] = mNew;
            }
        }
        __syncthreads();
        if (tid < D) {
#pragma unroll
            for (int r = 0; r < kDecodeMaxRows; ++r) {
                if (r < R) { // predicated, not a break: acc stays in registers
                    float v = acc[r] * rowC[r];
                    const float* p = Ps + r * kDecodeKeys;
#pragma unroll 8
                    for (int k = 0; k < kDecodeKeys; ++k)
                        v += p[k] * Vs[k * D + tid];
                    acc[r] = v;
                }
            }
        }
    }
    __syncthreads();
    const std::int64_t base = (std::int64_t(split) * a.Hkv + hk) * kDecodeMaxRows;
    if (tid < D) {
#pragma unroll
        for (int r = 0; r < kDecodeMaxRows; ++r)
            if (r < R) partO[(base + r) * D + tid] = acc[r];
    }
    if (tid < R) {
        partML[(base + tid) * 2] = rowM[tid];
        partML[(base + tid) * 2 + 1] = rowL[tid];
    }
}

// f16 caches (the GPU's own): the same split and partials on the f16 tensor cores. Each warp
// takes every kMmaWarps-th tile of 16 keys of the block's split through its own cp.async
// ring (no block barrier until the end), Q.K^T and P.V as m16n8k16 products with the R <= 8
// query rows in rows 0-7 of the m16 tile (rows 8-15 are padding), softmax in f32
// (base 2); the warps' (m, l, o) are then combined through shared memory. The form above
// does the products on the CUDA cores with four block barriers a tile of 64 keys, and at
// two blocks of four warps an SM it waits on its own instructions. H100, a layer of
// Granite 4.0-H 1B (bench_cuda_ops): 131071 keys 203 us (1.32 TB/s) -> 107 us (2.51 TB/s),
// 1023 keys 23.0 -> 9.7 us; decode at 128K 357 -> 417 tok/s.
constexpr int kMmaKeys = 16;  // keys per tile
constexpr int kMmaWarps = 4;  // warps per block
constexpr int kMmaStages = 3; // tiles per warp's ring: two in flight while one is computed

template <int D> constexpr int decodeMmaSmem() {
    constexpr int bytes = 2 * (16 * D + kMmaWarps * kMmaStages * 2 * kMmaKeys * D);
    // The end reuses it for the warps' partials (o, m and l of 8 rows each).
    static_assert(bytes >= int(sizeof(float)) * kMmaWarps * 8 * (D + 2));
    return bytes;
}

template <int D>
__global__ void __launch_bounds__(kMmaWarps * 32)
    decodeSplitMmaKernel(AttentionArgs a, std::int64_t splitKeys, float* partO, float* partML) {
    constexpr int CH = D / 8; // 16-byte chunks a row
    extern __shared__ __align__(16) unsigned char smemRaw[];
    auto* Qs = reinterpret_cast<std::uint16_t*>(smemRaw); // [16][D], swizzled
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, gid = lane >> 2, tig = lane & 3;
    std::uint16_t* ring = Qs + 16 * D + warp * kMmaStages * 2 * kMmaKeys * D; // [stage][K|V]
    const int split = blockIdx.x, hk = blockIdx.y;
    const int G = int(a.Hq / a.Hkv), R = int(a.T) * G;
    waitForPrevious();
    const std::int64_t pos0 = a.pos0 + (a.pos0Dev ? *a.pos0Dev : 0);
    const std::int64_t kTotal = pos0 + a.T;
    if (splitKeys == 0) splitKeys = recordedSplitKeys(kTotal);
    const std::int64_t kBegin = std::int64_t(split) * splitKeys;
    const std::int64_t kStop = std::min<std::int64_t>(kBegin + splitKeys, kTotal);
    const int tiles = kStop > kBegin ? int((kStop - kBegin + kMmaKeys - 1) / kMmaKeys) : 0;
    const int myTiles = tiles > warp ? (tiles - warp + kMmaWarps - 1) / kMmaWarps : 0;
    const std::int64_t rowKv = a.Hkv * D;
    const auto* k16 = static_cast<const std::uint16_t*>(a.k);
    const auto* v16 = static_cast<const std::uint16_t*>(a.v);
    // Tile it of this warp into its stage (one commit group, empty past the end).
    auto issue = [&](int it) {
        if (it < myTiles) {
            const std::int64_t k0 = kBegin + std::int64_t(warp + it * kMmaWarps) * kMmaKeys;
            std::uint16_t* Kd = ring + (it % kMmaStages) * 2 * kMmaKeys * D;
            std::uint16_t* Vd = Kd + kMmaKeys * D;
#pragma unroll
            for (int i = 0; i < kMmaKeys * CH / 32; ++i) {
                const int idx = lane + i * 32, r = idx / CH, c = idx % CH;
                const std::int64_t key = k0 + r;
                const bool ok = key < kStop;
                const std::int64_t off = ok ? key * rowKv + std::int64_t(hk) * D + c * 8 : 0;
                cpAsync16(Kd + swz<D>(r, c), k16 + off, ok);
                cpAsync16(Vd + swz<D>(r, c), v16 + off, ok);
            }
        }
        cpAsyncCommit();
    };
#pragma unroll
    for (int it = 0; it < kMmaStages - 1; ++it)
        issue(it);

    const float qMul = a.scale * 1.4426950408889634f;
    for (int i = tid; i < 16 * CH; i += kMmaWarps * 32) {
        const int r = i / CH, c = i % CH;
        float f[8] = {};
        if (r < R) {
            const float* q =
                a.q + std::int64_t(r / G) * a.ldq + std::int64_t(hk * G + r % G) * D + c * 8;
#pragma unroll
            for (int e = 0; e < 8; ++e)
                f[e] = q[e] * qMul;
        }
        *reinterpret_cast<uint4*>(Qs + swz<D>(r, c)) = make_uint4(
            packF16(f[0], f[1]), packF16(f[2], f[3]), packF16(f[4], f[5]), packF16(f[6], f[7]));
    }
    __syncthreads();
    std::uint32_t qf[D / 16][4];
#pragma unroll
    for (int ks = 0; ks < D / 16; ++ks)
        ldmatrixX4(qf[ks], Qs + swz<D>((lane & 7) + 8 * ((lane >> 3) & 1), ks * 2 + (lane >> 4)));

    // This lane's row is gid (rows gid + 8 are padding): o[n][0..1] at d = 8 n + 2 tig + 0..1.
    float o[D / 8][4] = {};
    float m = -INFINITY, l = 0.0f;
    const bool rowLive = gid < R;
    const std::int64_t rowLastKey = pos0 + gid / G; // causal, for T > 1
    for (int it = 0; it < myTiles; ++it) {
        __syncwarp(); // every lane is done with the stage refilled next
        issue(it + kMmaStages - 1);
        cpAsyncWait<kMmaStages - 1>(); // this lane's copies of tile it have landed
        __syncwarp();                  // and every other lane's
        const std::uint16_t* Kt = ring + (it % kMmaStages) * 2 * kMmaKeys * D;
        const std::uint16_t* Vt = Kt + kMmaKeys * D;
        const std::int64_t k0 = kBegin + std::int64_t(warp + it * kMmaWarps) * kMmaKeys;

        float sc[2][4] = {};
#pragma unroll
        for (int ks = 0; ks < D / 16; ++ks) {
            std::uint32_t b[4];
            ldmatrixX4(b, Kt + swz<D>((lane & 7) + 8 * (lane >> 4), ks * 2 + ((lane >> 3) & 1)));
            mmaF16(sc[0], qf[ks], b[0], b[1]);
            mmaF16(sc[1], qf[ks], b[2], b[3]);
        }
        float mx = -INFINITY;
#pragma unroll
        for (int j = 0; j < 2; ++j)
#pragma unroll
            for (int e = 0; e < 2; ++e) {
                const std::int64_t key = k0 + j * 8 + 2 * tig + e;
                if (!rowLive || key >= kStop || key > rowLastKey) sc[j][e] = -INFINITY;
                mx = fmaxf(mx, sc[j][e]);
            }
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        const float mNew = fmaxf(m, mx);
        const float mUse = mNew == -INFINITY ? 0.0f : mNew;
        const float corr = exp2f(m - mUse);
        float sum = 0.0f;
#pragma unroll
        for (int j = 0; j < 2; ++j)
#pragma unroll
            for (int e = 0; e < 2; ++e) {
                sc[j][e] = exp2f(sc[j][e] - mUse);
                sum += sc[j][e];
            }
        l = l * corr + sum;
        m = mNew;
#pragma unroll
        for (int n = 0; n < D / 8; ++n) {
            o[n][0] *= corr;
            o[n][1] *= corr;
        }
        const std::uint32_t pa[4] = {packF16(sc[0][0], sc[0][1]), 0u, packF16(sc[1][0], sc[1][1]),
                                     0u};
#pragma unroll
        for (int dp = 0; dp < D / 16; ++dp) {
            std::uint32_t b[4];
            ldmatrixX4Trans(b,
                            Vt + swz<D>((lane & 7) + 8 * ((lane >> 3) & 1), dp * 2 + (lane >> 4)));
            mmaF16(o[2 * dp], pa, b[0], b[1]);
            mmaF16(o[2 * dp + 1], pa, b[2], b[3]);
        }
    }
    cpAsyncWait<0>(); // (empty groups)
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);

    // The warps' partials through shared memory (the rings are done with): each row's
    // result is sum_w o_w 2^(m_w - M), with l likewise.
    __syncthreads();
    auto* wo = reinterpret_cast<float*>(smemRaw); // [warps][8][D]
    float* wm = wo + kMmaWarps * 8 * D;           // [warps][8]
    float* wl = wm + kMmaWarps * 8;               // [warps][8]
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
        wo[(warp * 8 + gid) * D + n * 8 + 2 * tig] = o[n][0];
        wo[(warp * 8 + gid) * D + n * 8 + 2 * tig + 1] = o[n][1];
    }
    if (tig == 0) {
        wm[warp * 8 + gid] = m;
        wl[warp * 8 + gid] = l;
    }
    __syncthreads();
    const std::int64_t base = (std::int64_t(split) * a.Hkv + hk) * kDecodeMaxRows;
    for (int i = tid; i < R * D; i += kMmaWarps * 32) {
        const int r = i / D, d = i % D;
        float M = -INFINITY;
#pragma unroll
        for (int w = 0; w < kMmaWarps; ++w)
            M = fmaxf(M, wm[w * 8 + r]);
        float v = 0.0f, sumL = 0.0f;
        if (M != -INFINITY) {
#pragma unroll
            for (int w = 0; w < kMmaWarps; ++w) {
                const float mw = wm[w * 8 + r];
                const float e = mw == -INFINITY ? 0.0f : exp2f(mw - M);
                v += wo[(w * 8 + r) * D + d] * e;
                sumL += wl[w * 8 + r] * e;
            }
        }
        partO[(base + r) * D + d] = v;
        if (d == 0) {
            partML[(base + r) * 2] = M;
            partML[(base + r) * 2 + 1] = sumL;
        }
    }
}

// Block (kv head, row): out = sum_s o_s 2^(m_s - M) / sum_s l_s 2^(m_s - M). The splits'
// (m, l) are read one per thread and reduced across the block, and each split's weight is
// computed once: the first version read them in a serial loop per output element (22 us
// for 66 splits in the timeline, where the partial outputs are 0.4 MB).
__global__ void __launch_bounds__(128)
    decodeCombineKernel(AttentionArgs a, int splits, const float* partO, const float* partML) {
    waitForPrevious();
    extern __shared__ float weight[]; // [splits]
    __shared__ float scratch[32];
    const int hk = blockIdx.x, r = blockIdx.y;
    const int G = int(a.Hq / a.Hkv), t = r / G, g = r % G;
    const int D = int(a.d);
    auto row = [&](int s) { return (std::int64_t(s) * a.Hkv + hk) * kDecodeMaxRows + r; };
    float m = -INFINITY;
    for (int s = threadIdx.x; s < splits; s += blockDim.x) {
        weight[s] = partML[row(s) * 2];
        m = fmaxf(m, weight[s]);
    }
    // The block's max, as blockSum does sums.
    m = warpMax(m);
    if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = m;
    __syncthreads();
    m = -INFINITY;
    for (int w = 0; w < int(blockDim.x >> 5); ++w)
        m = fmaxf(m, scratch[w]);
    float l = 0.0f;
    for (int s = threadIdx.x; s < splits; s += blockDim.x) {
        const float ms = weight[s];
        const float e = ms == -INFINITY ? 0.0f : exp2f(ms - m);
        weight[s] = e;
        l += e * partML[row(s) * 2 + 1];
    }
    const float inv = 1.0f / blockSum(l, scratch); // syncs: every weight is written
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float v = 0.0f;
        // Every split's partial is read and an empty one's (weight 0, its partial possibly
        // never written) dropped by the select: a read under the test sat in its own branch,
        // and a row's reads then waited one round trip after another.
#pragma unroll 8
        for (int s = 0; s < splits; ++s) {
            const float o = partO[row(s) * D + d], ws = weight[s];
            v += ws != 0.0f ? o * ws : 0.0f;
        }
        a.out[std::int64_t(t) * a.ldo + std::int64_t(hk * G + g) * D + d] = v * inv;
    }
}

bool decodeKernelFits(const AttentionArgs& a) {
    const bool aligned =
        ((reinterpret_cast<std::uintptr_t>(a.k) | reinterpret_cast<std::uintptr_t>(a.v)) & 15) == 0;
    return a.T * (a.Hq / a.Hkv) <= kDecodeMaxRows && (a.d == 64 || a.d == 128) && aligned;
}

bool useDecode(const AttentionArgs& a) {
    // A recorded step must read its position on the device: only this kernel does.
    return decodeKernelFits(a) && (a.pos0Dev || a.pos0 + a.T > 256);
}

// Keys per split: enough splits to fill the GPU at the longest context the call can see.
std::int64_t decodeSplitKeys(const AttentionArgs& a) {
    const std::int64_t wantSplits =
        std::max<std::int64_t>(1, 264 / std::max<std::int64_t>(a.Hkv, 1));
    const std::int64_t per = (a.keyBound + wantSplits - 1) / wantSplits;
    return std::max<std::int64_t>((per + kDecodeKeys - 1) / kDecodeKeys * kDecodeKeys,
                                  minSplitKeys);
}

int decodeSplits(const AttentionArgs& a) {
    return int((a.keyBound + decodeSplitKeys(a) - 1) / decodeSplitKeys(a));
}

template <int D> void launchDecode(const AttentionArgs& a, void* scratch, cudaStream_t s) {
    const int splits = decodeSplits(a);
    float* partO = static_cast<float*>(scratch);
    float* partML = partO + std::int64_t(splits) * a.Hkv * kDecodeMaxRows * D;
    const int smem =
        int(sizeof(float)) * (kDecodeMaxRows * D + kDecodeKeys * (D + 4) + kDecodeKeys * D +
                              kDecodeMaxRows * kDecodeKeys + 3 * kDecodeMaxRows);
    // Recorded: the kernel derives the split length from the keys it finds at run time.
    const std::int64_t splitKeys = a.pos0Dev ? 0 : decodeSplitKeys(a);
    const dim3 grid(splits, unsigned(a.Hkv));
    // LONGVIEW_CUDA_DECODE=simt keeps f16 caches on the CUDA-core form (read at every call,
    // so that the op tests run both); so does a device whose blocks may not opt into the
    // tensor-core form's ring (d = 128: 100 KB, over the 99 KB of compute capability 8.6, 8.9
    // and 12.0).
    constexpr int mmaSmem = decodeMmaSmem<D>();
    if (a.kvDtype == kF16 && !switchIs("LONGVIEW_CUDA_DECODE", "simt") &&
        mmaSmem <= maxSharedPerBlock()) {
        allowDynamicSharedMemory(reinterpret_cast<const void*>(decodeSplitMmaKernel<D>), mmaSmem,
                                 "decode attention shared memory");
        launchKernel(decodeSplitMmaKernel<D>, grid, kMmaWarps * 32, mmaSmem, s, "decodeSplitMma", a,
                     splitKeys, partO, partML);
    } else if (a.kvDtype == kF32) {
        allowDynamicSharedMemory(reinterpret_cast<const void*>(decodeSplitKernel<D, false>),
                                 int(smem), "decode attention shared memory");
        launchKernel(decodeSplitKernel<D, false>, grid, 128, smem, s, "decodeSplit", a, splitKeys,
                     partO, partML);
    } else {
        allowDynamicSharedMemory(reinterpret_cast<const void*>(decodeSplitKernel<D, true>),
                                 int(smem), "decode attention shared memory");
        launchKernel(decodeSplitKernel<D, true>, grid, 128, smem, s, "decodeSplit", a, splitKeys,
                     partO, partML);
    }
    launchKernel(decodeCombineKernel, dim3(unsigned(a.Hkv), unsigned(a.T * (a.Hq / a.Hkv))), 128,
                 sizeof(float) * std::size_t(splits), s, "decodeCombine", a, splits, partO, partML);
}

} // namespace

bool attentionUsesDecodeKernel(const AttentionArgs& a) {
    return useDecode(a);
}

std::size_t attentionScratchBytes(const AttentionArgs& a) {
    if (!useDecode(a)) return 0;
    return sizeof(float) * std::size_t(decodeSplits(a) * a.Hkv * kDecodeMaxRows * (a.d + 2));
}

void launchAttention(const AttentionArgs& a, void* scratch, cudaStream_t s) {
    if (a.T == 0) return;
    if (useDecode(a)) {
        if (a.d == 64)
            launchDecode<64>(a, scratch, s);
        else
            launchDecode<128>(a, scratch, s);
        return;
    }
    if (flashApplies(a)) {
        if (a.d == 128)
            launchFlash<128>(a, s);
        else
            launchFlash<64>(a, s);
        return;
    }
    if (a.d <= 32)
        launchWarp<1>(a, s);
    else if (a.d <= 64)
        launchWarp<2>(a, s);
    else if (a.d <= 128)
        launchWarp<4>(a, s);
    else
        launchWarp<8>(a, s);
}

} // namespace lv::cuda
