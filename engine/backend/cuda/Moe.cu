// Mixture of SwiGLU experts in two forms, both ending in a deterministic weighted sum over
// each token's k slots (no atomics).
//
// The grouped form (16-bit weights): the slots are sorted by the expert they chose, and each
// expert's rows go through its gate-up and down weights as tensor-core products over tiles
// of 128 rows, so that a tile reads an expert's weights once for up to 128 slots. The direct
// form (f32 weights, LONGVIEW_CUDA_MOE=direct) has one warp per output element of each slot
// and reads an expert's rows once per slot: a prefill chunk of 8192 tokens and 6 experts
// each read 49152 x 4.7 MB through L2 for Granite 4.0-H Tiny's shape.
//
// The grouped form's results do not depend on where a slot lands in its expert's rows: a
// row's sums run over K in the same order in any row of a tile, so the order in which the
// grouping places the slots (atomics) changes no bit of the output.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/ExpertTile.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/MmaBf16.cuh"
#include "backend/cuda/Switches.h"
#include "backend/cuda/TopkRouting.cuh"

#include <cuda_bf16.h>

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr int kWarps = 8;

__device__ float dotRow(Weight w, std::int64_t offset, const float* x, std::int64_t n, int lane) {
    float acc = 0.0f;
    for (std::int64_t i = lane; i < n; i += 32)
        acc += loadAsFloat(w.data, w.dtype, offset + i) * x[i];
    return warpSum(acc);
}

// act[slot, f] = silu(gate_e[f] . x_t) * (up_e[f] . x_t), slot = t * k + j.
__global__ void moeActKernel(MoeArgs a) {
    waitForPrevious();
    const std::int64_t item = std::int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    const std::int64_t slots = a.x.rows * a.k;
    if (item >= slots * a.F) return;
    const std::int64_t slot = item / a.F, f = item - slot * a.F;
    const std::int64_t t = slot / a.k;
    const std::int32_t e = a.indices[slot];
    float* dst = a.scratchAct + slot * a.F + f;
    if (e < 0 || e >= a.E) {
        if (lane == 0) *dst = __int_as_float(0x7fc00000);
        return;
    }
    const std::int64_t H = a.x.cols;
    const float* xr = a.x.data + t * a.x.ld;
    const std::int64_t base = std::int64_t(e) * 2 * a.F * H;
    const float g = dotRow(a.gateUp, base + f * H, xr, H, lane);
    const float u = dotRow(a.gateUp, base + (a.F + f) * H, xr, H, lane);
    if (lane == 0) *dst = siluf(g) * u;
}

// y[slot, i] = down_e[i] . act[slot].
__global__ void moeDownKernel(MoeArgs a) {
    waitForPrevious();
    const std::int64_t item = std::int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    const std::int64_t H = a.x.cols;
    const std::int64_t slots = a.x.rows * a.k;
    if (item >= slots * H) return;
    const std::int64_t slot = item / H, i = item - slot * H;
    std::int32_t e = a.indices[slot];
    if (e < 0 || e >= a.E) e = 0; // the activation row is NaN already
    const float y =
        dotRow(a.down, (std::int64_t(e) * H + i) * a.F, a.scratchAct + slot * a.F, a.F, lane);
    if (lane == 0) a.scratchOut[slot * H + i] = y;
}

// out[t] = sum_j w[t, j] y[t k + j] (+ the shared expert's output), j in order: the direct
// form's slot outputs y in f32 (scratchOut), a column a thread; the grouped form's in bf16
// (partial), four columns a thread (H % 8 == 0 there).
template <class P> constexpr int kCombineColumns = sizeof(P) == 2 ? 4 : 1;

template <class P>
__device__ __forceinline__ void loadColumns(const P* p, float (&v)[kCombineColumns<P>]) {
    if constexpr (sizeof(P) == 2) {
        const uint2 raw = *reinterpret_cast<const uint2*>(p);
        const float2 lo = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&raw.x));
        const float2 hi = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&raw.y));
        v[0] = lo.x, v[1] = lo.y, v[2] = hi.x, v[3] = hi.y;
    } else {
        v[0] = p[0];
    }
}

template <class P> __global__ void moeCombineKernel(MoeArgs a, const P* y) {
    constexpr int C = kCombineColumns<P>;
    waitForPrevious();
    const std::int64_t H = a.x.cols;
    const std::int64_t i = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * C;
    if (i >= H) return;
    const int k = int(a.k);
    for (std::int64_t t = blockIdx.y; t < a.x.rows; t += gridDim.y) {
        // Eight slots' loads in flight at once (each slot's row is there, valid or not), then
        // their sum in j order. Every load is made, past k from the last slot again: a load
        // under its own condition left the registers' old halves merged into its result, and
        // so each load waited for the one before.
        float acc[C] = {};
        for (int j0 = 0; j0 < k; j0 += 8) {
            std::int32_t e[8];
            float w[8], v[8][C];
#pragma unroll
            for (int b = 0; b < 8; ++b) {
                const std::int64_t slot = t * k + std::min(j0 + b, k - 1);
                e[b] = a.indices[slot];
                w[b] = a.weights[slot];
                loadColumns(y + slot * H + i, v[b]);
            }
#pragma unroll
            for (int b = 0; b < 8; ++b) {
                if (j0 + b >= k) continue;
                const bool valid = e[b] >= 0 && e[b] < a.E;
#pragma unroll
                for (int c = 0; c < C; ++c)
                    acc[c] += valid ? w[b] * v[b][c] : __int_as_float(0x7fc00000);
            }
        }
#pragma unroll
        for (int c = 0; c < C; ++c) {
            if (a.sharedOut) acc[c] += a.sharedOut[t * a.x.cols + i + c];
            a.out.data[t * a.out.ld + i + c] = acc[c];
        }
    }
}

template <class P> void launchCombine(const MoeArgs& a, const P* y, cudaStream_t s) {
    constexpr int threads = sizeof(P) == 2 ? 128 : 256; // H = 1536: three blocks a token
    const dim3 grid(unsigned(ceilDiv(a.x.cols, threads * kCombineColumns<P>)),
                    unsigned(a.x.rows < 65535 ? a.x.rows : 65535));
    launchKernel(moeCombineKernel<P>, grid, threads, 0, s, "moeCombine", a, y);
}

// ---- The grouped form ----

constexpr int kTileWarpsM = 4, kTileWarpsN = 2; // warps of 32 x 32 outputs
constexpr int kTileRows = 32 * kTileWarpsM;     // slots a tile
static_assert(kTileRows == kExpertTileRows, "the tiles the grouping lists");
constexpr int kTileCols = 32 * kTileWarpsN; // output columns a tile
constexpr int kTileK = 64;                  // K a stage
constexpr int kTileStages = 3;              // cp.async stages
constexpr int kTileLd = kTileK + 8;         // shared row stride: 144 bytes, ldmatrix
                                            // without bank conflicts
constexpr int kTileThreads = 32 * kTileWarpsM * kTileWarpsN;
constexpr int kTilePieces = kTileK / 8; // 16-byte pieces a row a stage

// x f32 [T, H] -> bf16 [T, H] (the gate-up products' rows).
__global__ void moeInputKernel(Rows x, __nv_bfloat16* xb) {
    waitForPrevious();
    const std::int64_t n = x.rows * x.cols;
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += std::int64_t(gridDim.x) * blockDim.x) {
        const std::int64_t t = i / x.cols;
        xb[i] = __float2bfloat16_rn(x.data[t * x.ld + (i - t * x.cols)]);
    }
}

// The experts' rows one after the other, from their slot counts (one warp, 32 experts at a
// time): cursor[e] += expert e's first row; where `list`, also the offsets, the tiles of
// kTileRows rows and their count.
__device__ void listExperts(const MoeArgs& a, const int* counts, int* cursor, bool list) {
    const int E = int(a.E), lane = int(threadIdx.x) & 31;
    int offset = 0, tiles = 0;
    for (int e0 = 0; e0 < E; e0 += 32) {
        const int e = e0 + lane;
        const int c = e < E ? counts[e] : 0, n = (c + kTileRows - 1) / kTileRows;
        int rows = c, tileSum = n; // inclusive sums across the lanes
        for (int o = 1; o < 32; o <<= 1) {
            const int r = __shfl_up_sync(0xffffffffu, rows, o);
            const int t = __shfl_up_sync(0xffffffffu, tileSum, o);
            if (lane >= o) rows += r, tileSum += t;
        }
        const int first = offset + rows - c, firstTile = tiles + tileSum - n;
        if (e < E) {
            cursor[e] += first;
            if (list) {
                a.offsets[e] = first;
                for (int r = 0; r < n; ++r)
                    a.tiles[firstTile + r] = make_int2(e, first + r * kTileRows);
            }
        }
        offset += __shfl_sync(0xffffffffu, rows, 31);
        tiles += __shfl_sync(0xffffffffu, tileSum, 31);
    }
    if (list && lane == 0) {
        a.offsets[E] = offset;
        *a.tileCount = tiles;
    }
}

// One block: counts the slots of each expert, lays the experts' rows out one after the
// other (offsets), lists their tiles of kTileRows rows, and places each slot in its
// expert's rows. Slots naming no expert are left out (the sum gives their token NaN).
// Each thread keeps eight slots' reads in flight, and one warp scans the experts' counts.
// One SM's shared atomics take about a lane a clock: 33 us for the 24576 slots of a
// 4096-token chunk of Tiny, two passes (moeGroupCountKernel below spreads them over blocks;
// this form stays for up to 512 slots, where it is one launch instead of two).
constexpr int kGroupBatch = 8;
constexpr int kGroupThreads = 256, kGroupSlots = 512; // the multi-block grouping's

__global__ void moeGroupKernel(MoeArgs a) {
    extern __shared__ int counts[]; // [E] counts, then [E] cursors
    int* cursor = counts + a.E;
    waitForPrevious();
    const int S = int(a.x.rows * a.k), E = int(a.E);
    const int tid = int(threadIdx.x), step = int(blockDim.x) * kGroupBatch;
    for (int e = tid; e < E; e += int(blockDim.x))
        counts[e] = cursor[e] = 0;
    __syncthreads();
    // Both passes visit each thread's slots alike, eight reads in flight.
    const auto eachSlot = [&](auto&& visit) {
        for (int s0 = tid; s0 < S; s0 += step) {
            int e[kGroupBatch];
#pragma unroll
            for (int b = 0; b < kGroupBatch; ++b) {
                const int s = s0 + b * int(blockDim.x);
                e[b] = s < S ? a.indices[s] : -1;
            }
#pragma unroll
            for (int b = 0; b < kGroupBatch; ++b)
                if (e[b] >= 0 && e[b] < E) visit(e[b], s0 + b * int(blockDim.x));
        }
    };
    eachSlot([&](int e, int) { atomicAdd(&counts[e], 1); });
    __syncthreads();
    if (tid < 32) listExperts(a, counts, cursor, true);
    __syncthreads();
    eachSlot([&](int e, int slot) { a.order[atomicAdd(&cursor[e], 1)] = slot; });
}

// The grouping over several blocks (the default past 512 slots since v113: 12 us against 33
// for Tiny's 4096-token chunk; LONGVIEW_CUDA_MOE_GROUP=block asks for the one-block form),
// each a run of `per` slots, in two kernels: the count kernel writes each block's counts
// [blocks, E]; the place kernel has every block sum the counts before its own and over all
// blocks, lay the experts out (block 0 lists the offsets and tiles) and place its slots.
__global__ void moeGroupCountKernel(MoeArgs a, int per) {
    extern __shared__ int counts[]; // [E]
    const int S = int(a.x.rows * a.k), E = int(a.E), tid = int(threadIdx.x);
    for (int e = tid; e < E; e += int(blockDim.x))
        counts[e] = 0;
    __syncthreads();
    waitForPrevious();
    const int s0 = int(blockIdx.x) * per, s1 = min(S, s0 + per);
    for (int s = s0 + tid; s < s1; s += int(blockDim.x)) {
        const int e = a.indices[s];
        if (e >= 0 && e < E) atomicAdd(&counts[e], 1);
    }
    __syncthreads();
    for (int e = tid; e < E; e += int(blockDim.x))
        a.groupCounts[std::int64_t(blockIdx.x) * E + e] = counts[e];
}

__global__ void moeGroupPlaceKernel(MoeArgs a, int per, int blocks) {
    extern __shared__ int totals[]; // [E] slots of each expert, then [E] cursors
    int* cursor = totals + a.E;
    waitForPrevious();
    const int S = int(a.x.rows * a.k), E = int(a.E), tid = int(threadIdx.x);
    const int b = int(blockIdx.x);
    for (int e = tid; e < E; e += int(blockDim.x)) {
        int before = 0, total = 0;
#pragma unroll 8
        for (int bb = 0; bb < blocks; ++bb) {
            const int c = a.groupCounts[std::int64_t(bb) * E + e];
            total += c;
            before += bb < b ? c : 0;
        }
        totals[e] = total;
        cursor[e] = before;
    }
    __syncthreads();
    if (tid < 32) listExperts(a, totals, cursor, b == 0);
    __syncthreads();
    const int s0 = b * per, s1 = min(S, s0 + per);
    for (int s = s0 + tid; s < s1; s += int(blockDim.x)) {
        const int e = a.indices[s];
        if (e >= 0 && e < E) a.order[atomicAdd(&cursor[e], 1)] = s;
    }
}

// One tile of an expert's product: rows [row0, row0 + 128) of its sorted slots (fewer at the
// end of its rows) times 64 output columns, K in stages of 64 through shared memory, each
// warp 32 x 32 outputs (and as many of up).
// GATED (gate-up): A is the slot's token's row of xb, B the gate rows n and the up rows
// F + n of the expert, and act[p] = silu(gate) * up in bf16. Otherwise (down): A is act[p],
// B the expert's down rows, and the sums go to scratchOut[slot] in f32.
template <bool GATED> struct TileShared {
    __nv_bfloat16 a[kTileStages][kTileRows][kTileLd];
    __nv_bfloat16 b[kTileStages][GATED ? 2 : 1][kTileCols][kTileLd];
};
template <bool GATED> constexpr int kTileSmem = int(sizeof(TileShared<GATED>));

template <bool GATED> __global__ void __launch_bounds__(kTileThreads) moeTileKernel(MoeArgs a) {
    extern __shared__ __align__(16) unsigned char tileSmem[];
    TileShared<GATED>& sh = *reinterpret_cast<TileShared<GATED>*>(tileSmem);
    waitForPrevious();
    const int tile = int(blockIdx.y);
    if (tile >= *a.tileCount) return;
    const ExpertTile<GATED> t(a, tile);
    const int H = t.H, F = t.F, K = t.K, N = t.N, row0 = t.row0, rowEnd = t.rowEnd;
    const __nv_bfloat16* w = t.w;
    const int n0 = int(blockIdx.x) * kTileCols;

    // The 16-byte pieces a thread copies a stage: piece tid % 8 of rows tid / 8 + 32 i of A
    // (kTileRows / 32 of them) and of B (and up; kTileCols / 32).
    constexpr int AR = kTileRows / 32, BR = kTileCols / 32;
    static_assert(kTileThreads == 32 * kTilePieces, "a row's pieces across 8 threads");
    const int tid = int(threadIdx.x), cr = tid / kTilePieces, ck = (tid % kTilePieces) * 8;
    const __nv_bfloat16* aRow[AR];
    const __nv_bfloat16* bRow[BR][2];
#pragma unroll
    for (int i = 0; i < AR; ++i)
        aRow[i] = t.aRow(a, row0 + cr + 32 * i);
#pragma unroll
    for (int i = 0; i < BR; ++i) {
        const int n = n0 + cr + 32 * i;
        bRow[i][0] = n < N ? w + std::int64_t(n) * K : nullptr;
        bRow[i][1] = GATED && n < N ? w + std::int64_t(F + n) * K : nullptr;
    }
    const int steps = (K + kTileK - 1) / kTileK;
    auto load = [&](int stage, int step) {
        const int k = step * kTileK + ck;
        const bool inK = k < K;
#pragma unroll
        for (int i = 0; i < AR; ++i)
            cpAsync16(&sh.a[stage][cr + 32 * i][ck], aRow[i] && inK ? aRow[i] + k : a.xb,
                      aRow[i] && inK);
#pragma unroll
        for (int i = 0; i < BR; ++i)
#pragma unroll
            for (int h = 0; h < (GATED ? 2 : 1); ++h)
                cpAsync16(&sh.b[stage][h][cr + 32 * i][ck], bRow[i][h] && inK ? bRow[i][h] + k : w,
                          bRow[i][h] && inK);
    };

    const int warp = tid >> 5, lane = tid & 31;
    const int wm = (warp % kTileWarpsM) * 32, wn = (warp / kTileWarpsM) * 32;
    float acc[GATED ? 2 : 1][2][4][4] = {};
#pragma unroll
    for (int s = 0; s < kTileStages - 1; ++s) {
        if (s < steps) load(s, s);
        cpAsyncCommit();
    }
    for (int step = 0; step < steps; ++step) {
        cpAsyncWait<kTileStages - 2>();
        __syncthreads(); // this stage is in; every warp is done with the one refilled next
        const int next = step + kTileStages - 1;
        if (next < steps) load(next % kTileStages, next);
        cpAsyncCommit();
        const int st = step % kTileStages;
#pragma unroll
        for (int kk = 0; kk < kTileK; kk += 16) {
            std::uint32_t af[2][4];
#pragma unroll
            for (int mi = 0; mi < 2; ++mi)
                ldmatrixX4(af[mi], &sh.a[st][wm + mi * 16 + (lane & 15)][kk + (lane >> 4) * 8]);
#pragma unroll
            for (int h = 0; h < (GATED ? 2 : 1); ++h)
#pragma unroll
                for (int nj = 0; nj < 2; ++nj) {
                    std::uint32_t bf[4];
                    ldmatrixX4(bf, &sh.b[st][h][wn + nj * 16 + (lane & 7) + ((lane >> 4) << 3)]
                                        [kk + ((lane >> 3) & 1) * 8]);
#pragma unroll
                    for (int mi = 0; mi < 2; ++mi) {
                        mmaBf16(acc[h][mi][2 * nj], af[mi], bf[0], bf[1]);
                        mmaBf16(acc[h][mi][2 * nj + 1], af[mi], bf[2], bf[3]);
                    }
                }
        }
    }
    cpAsyncWait<0>();

    // c = {C[g][2t], C[g][2t + 1], C[g + 8][2t], C[g + 8][2t + 1]} of each 16 x 8 piece.
    const int g = lane >> 2, t4 = lane & 3;
#pragma unroll
    for (int mi = 0; mi < 2; ++mi)
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int p = row0 + wm + mi * 16 + g + half * 8;
            if (p >= rowEnd) continue;
#pragma unroll
            for (int ni = 0; ni < 4; ++ni) {
                const int n = n0 + wn + ni * 8 + 2 * t4;
                const float v0 = acc[0][mi][ni][2 * half], v1 = acc[0][mi][ni][2 * half + 1];
                if constexpr (GATED) {
                    const float u0 = acc[GATED ? 1 : 0][mi][ni][2 * half];
                    const float u1 = acc[GATED ? 1 : 0][mi][ni][2 * half + 1];
                    __nv_bfloat16* dst = a.act + std::int64_t(p) * F + n;
                    if (n < F) dst[0] = __float2bfloat16_rn(siluf(v0) * u0);
                    if (n + 1 < F) dst[1] = __float2bfloat16_rn(siluf(v1) * u1);
                } else { // H % 8 == 0: n and n + 1 both in or out
                    if (n < H)
                        *reinterpret_cast<__nv_bfloat162*>(a.partial +
                                                           std::int64_t(a.order[p]) * H + n) =
                            __floats2bfloat162_rn(v0, v1);
                }
            }
        }
}

// ---- The rows form (a few tokens: decode) ----

// acc + the dot of 8 bf16 weights (one 16-byte piece) and 8 floats, in one fixed order (the
// rows form's gate-up and down products sum alike).
__device__ __forceinline__ float dot8(float acc, const uint4& w, const float4& x0,
                                      const float4& x1) {
    const float xv[8] = {x0.x, x0.y, x0.z, x0.w, x1.x, x1.y, x1.z, x1.w};
    const auto* h = reinterpret_cast<const __nv_bfloat162*>(&w);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const float2 v = __bfloat1622float2(h[i]);
        acc = fmaf(v.x, xv[2 * i], fmaf(v.y, xv[2 * i + 1], acc));
    }
    return acc;
}

// Each warp: R weight rows of one slot's expert times an f32 vector, 16-byte pieces, U pieces
// a row in flight at once (R x U x 512 bytes a warp).
template <int R, int U>
__device__ __forceinline__ void warpRowDots(const __nv_bfloat16* const (&w)[R], const float* x,
                                            int K, int lane, float (&acc)[R]) {
    for (int base = lane * 8; base < K; base += 32 * 8 * U) {
        uint4 raw[R][U];
#pragma unroll
        for (int u = 0; u < U; ++u)
#pragma unroll
            for (int r = 0; r < R; ++r) {
                const int k = base + u * 256;
                raw[r][u] = w[r] && k < K ? *reinterpret_cast<const uint4*>(w[r] + k)
                                          : make_uint4(0, 0, 0, 0);
            }
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int k = base + u * 256;
            if (k >= K) break;
            const float4 x0 = *reinterpret_cast<const float4*>(x + k);
            const float4 x1 = *reinterpret_cast<const float4*>(x + k + 4);
#pragma unroll
            for (int r = 0; r < R; ++r)
                acc[r] = dot8(acc[r], raw[r][u], x0, x1);
        }
    }
#pragma unroll
    for (int r = 0; r < R; ++r)
        acc[r] = warpSum(acc[r]);
}

// Asks L2 for a row of n bf16 weights, each lane of the warp a 128-byte line at a time: the
// shared expert's rows, constants, requested before a rows kernel waits for the previous one.
__device__ __forceinline__ void prefetchRowL2(const __nv_bfloat16* row, int n, int lane) {
    for (int k = lane * 64; k < n; k += 32 * 64)
        asm volatile("prefetch.global.L2 [%0];" ::"l"(row + k));
}

constexpr int kRowsWarps = 4; // gate-up: warps a block
constexpr int kRowsPairs = 4; // gate-up: (gate, up) row pairs a warp

// Block row blockIdx.y: a slot (t k + j) below T k, act[slot, f] = silu(gate_e[f] . x_t) *
// (up_e[f] . x_t), four f a warp; from T k on, token y - T k's shared expert (sharedAct).
// Where a.logits is set each slot's block picks its token's experts itself (one warp; the
// blocks of a token's first slot at x 0 write them out for the down kernel): the routing
// kernel's launch and its hop gone from a decode step.
__global__ void __launch_bounds__(kRowsWarps * 32) moeRowsGateUpKernel(MoeArgs a) {
    __shared__ std::int32_t pickE[kMoeRowsMaxPicks];
    __shared__ float pickW[kMoeRowsMaxPicks];
    const int slots = int(a.x.rows * a.k), y = int(blockIdx.y), k = int(a.k);
    const int tid = int(threadIdx.x), lane = tid & 31;
    const bool shared = y >= slots;
    if (shared) { // constants: asked of L2 while the router runs (H100: Tiny decode +0.6%)
        const int F = int(a.Fs), H = int(a.x.cols);
        const int f0 = (int(blockIdx.x) * kRowsWarps + (tid >> 5)) * kRowsPairs;
        const auto* w = static_cast<const __nv_bfloat16*>(a.sharedGateUp.data);
        for (int i = 0; i < 2 * kRowsPairs; ++i) {
            const int f = f0 + (i % kRowsPairs);
            if (f >= F) continue;
            prefetchRowL2(w + std::int64_t(i < kRowsPairs ? f : F + f) * H, H, lane);
        }
    }
    waitForPrevious();
    const int t = shared ? y - slots : y / k;
    const int F = int(shared ? a.Fs : a.F), H = int(a.x.cols);
    const auto* w = static_cast<const __nv_bfloat16*>(shared ? a.sharedGateUp.data : a.gateUp.data);
    float* act = shared ? a.sharedAct + std::int64_t(t) * F : a.scratchAct + std::int64_t(y) * F;
    const int f0 = (int(blockIdx.x) * kRowsWarps + (tid >> 5)) * kRowsPairs;
    // (A block past the expert's F when the shared expert is wider: none of its warps works.)
    if (int(blockIdx.x) * kRowsWarps * kRowsPairs >= F) return;
    if (!shared) {
        std::int32_t e = 0;
        if (a.logits.data) { // (uniform across the block: the barrier)
            if (tid < 32)
                routeToken(a.logits.data + std::int64_t(t) * a.logits.ld, int(a.E), k,
                           a.softmaxFirst, a.renormalize, lane, pickE, pickW);
            __syncthreads();
            if (blockIdx.x == 0 && y % k == 0 && tid < k) {
                a.indices[std::int64_t(t) * k + tid] = pickE[tid];
                a.weights[std::int64_t(t) * k + tid] = pickW[tid];
            }
            e = pickE[y % k];
        } else {
            e = a.indices[y];
        }
        if (e < 0 || e >= a.E) return; // the sum gives the token NaN
        w += std::int64_t(e) * 2 * F * H;
    }
    if (f0 >= F) return;
    const __nv_bfloat16* rows[2 * kRowsPairs];
#pragma unroll
    for (int i = 0; i < kRowsPairs; ++i) {
        const int f = f0 + i;
        rows[i] = f < F ? w + std::int64_t(f) * H : nullptr;
        rows[kRowsPairs + i] = f < F ? w + std::int64_t(F + f) * H : nullptr;
    }
    float acc[2 * kRowsPairs] = {};
    warpRowDots<2 * kRowsPairs, 2>(rows, a.x.data + std::int64_t(t) * a.x.ld, H, lane, acc);
    if (lane < kRowsPairs && f0 + lane < F) {
        float g = acc[0], u = acc[kRowsPairs];
#pragma unroll
        for (int i = 1; i < kRowsPairs; ++i)
            if (lane == i) g = acc[i], u = acc[kRowsPairs + i];
        act[f0 + lane] = siluf(g) * u;
    }
}

// Token blockIdx.y, one output row a warp: out[t, i] = sum_j w[t, j] (down_e_j[i] . act[t k + j])
// in j order, then the shared expert's down[i] . sharedAct[t] where there is one; eight rows
// requested at once (the first eight while the block stages the token's k activations and
// the shared one's in shared memory). The sum in the launch that reads the rows: one kernel
// boundary fewer a decode step's MoE layer than a down kernel and a sum.
constexpr int kRowsBatch = 8; // rows in flight at once
constexpr int kRowsSumWarps = 8;
constexpr int kRowsMaxActBytes = 48 * 1024; // what a block may have without opting in

// Two blocks an SM (at most 128 registers) hold a decode step's 192 at once.
__global__ void __launch_bounds__(kRowsSumWarps * 32, 2) moeRowsDownSumKernel(MoeArgs a) {
    extern __shared__ __align__(16) float actS[]; // [k][F], then [Fs]
    const int t = int(blockIdx.y), warp = int(threadIdx.x) >> 5, lane = int(threadIdx.x) & 31;
    const int i = int(blockIdx.x) * kRowsSumWarps + warp;
    const int F = int(a.F), Fs = int(a.Fs), H = int(a.x.cols), k = int(a.k);
    if (Fs > 0 && i < H) // the shared row: a constant, asked of L2 while gate-up runs
        prefetchRowL2(static_cast<const __nv_bfloat16*>(a.sharedDown.data) + std::int64_t(i) * Fs,
                      Fs, lane);
    waitForPrevious();
    const int n = k + (Fs > 0 ? 1 : 0); // the token's experts, then the shared one
    const std::int32_t* idx = a.indices + std::int64_t(t) * k;
    const auto* down = static_cast<const __nv_bfloat16*>(a.down.data);
    bool invalid = false;
    float sum = 0.0f;
    for (int j0 = 0; j0 < n; j0 += kRowsBatch) {
        const __nv_bfloat16* rows[kRowsBatch];
        int len[kRowsBatch];
#pragma unroll
        for (int b = 0; b < kRowsBatch; ++b) {
            const int j = j0 + b;
            rows[b] = nullptr;
            len[b] = 0;
            if (j >= n || i >= H) continue;
            if (j == k) {
                rows[b] =
                    static_cast<const __nv_bfloat16*>(a.sharedDown.data) + std::int64_t(i) * Fs;
                len[b] = Fs;
                continue;
            }
            const std::int32_t e = idx[j];
            if (e < 0 || e >= a.E) {
                invalid = true; // the token's sum is NaN, as the separate sum makes it
            } else {
                rows[b] = down + (std::int64_t(e) * H + i) * F;
                len[b] = F;
            }
        }
        // The longest row of the batch, the same for every warp (the staging's barrier).
        const bool sharedHere = Fs > 0 && j0 <= k && k < j0 + kRowsBatch;
        const int most = max(j0 < k ? F : 0, sharedHere ? Fs : 0);
        float acc[kRowsBatch] = {};
        for (int pass = 0; pass * 512 < most; ++pass) { // 512 a pass, the same count a lane
            const int base = pass * 512 + lane * 8;
            uint4 raw[kRowsBatch][2];
#pragma unroll
            for (int u = 0; u < 2; ++u)
#pragma unroll
                for (int b = 0; b < kRowsBatch; ++b) {
                    const int kk = base + u * 256;
                    raw[b][u] = kk < len[b] ? *reinterpret_cast<const uint4*>(rows[b] + kk)
                                            : make_uint4(0, 0, 0, 0);
                }
            if (j0 == 0 && pass == 0) { // the activations, while the rows come in
                const auto* src =
                    reinterpret_cast<const float4*>(a.scratchAct + std::int64_t(t) * k * F);
                auto* dst = reinterpret_cast<float4*>(actS);
                for (int q = int(threadIdx.x); q < k * F / 4; q += int(blockDim.x))
                    dst[q] = src[q];
                const auto* srcS =
                    reinterpret_cast<const float4*>(a.sharedAct + std::int64_t(t) * Fs);
                for (int q = int(threadIdx.x); q < Fs / 4; q += int(blockDim.x))
                    dst[k * F / 4 + q] = srcS[q];
                __syncthreads();
            }
#pragma unroll
            for (int u = 0; u < 2; ++u) {
                const int kk = base + u * 256;
#pragma unroll
                for (int b = 0; b < kRowsBatch; ++b) {
                    if (kk >= len[b]) continue;
                    const float* x = actS + (j0 + b) * F + kk; // the shared row's at k F
                    acc[b] = dot8(acc[b], raw[b][u], *reinterpret_cast<const float4*>(x),
                                  *reinterpret_cast<const float4*>(x + 4));
                }
            }
        }
#pragma unroll
        for (int b = 0; b < kRowsBatch; ++b) {
            const float dot = warpSum(acc[b]);
            const int j = j0 + b;
            if (j < k)
                sum += a.weights[std::int64_t(t) * k + j] * dot;
            else if (j == k && Fs > 0)
                sum += dot;
        }
    }
    if (lane == 0 && i < H)
        a.out.data[std::int64_t(t) * a.out.ld + i] = invalid ? __int_as_float(0x7fc00000) : sum;
}

} // namespace

std::int64_t moeGroupedTiles(std::int64_t slots, std::int64_t experts) {
    return (slots + kTileRows - 1) / kTileRows + std::min(slots, experts);
}

int moeGroupBlocks(std::int64_t slots, std::int64_t experts) {
    if (switchIs("LONGVIEW_CUDA_MOE_GROUP", "block")) return 1; // the one-block form (v113)
    // A block a run of kGroupSlots slots, at most 128 blocks, and the counts every place
    // block reads (blocks x experts) kept to 64K.
    const std::int64_t byCounts =
        std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(experts, 1));
    return int(std::clamp<std::int64_t>(ceilDiv(slots, kGroupSlots), 1,
                                        std::min<std::int64_t>(128, byCounts)));
}

MoeForm moeFormOf(const MoeArgs& a) {
    // Both 16-bit forms read 16-byte pieces of bf16 rows (and x as float4: the rows form).
    const bool pieces = a.gateUp.dtype == kBF16 && a.down.dtype == kBF16 && a.x.cols % 8 == 0 &&
                        a.F % 8 == 0 && a.x.ld % 4 == 0 &&
                        (reinterpret_cast<std::uintptr_t>(a.x.data) & 15) == 0;
    if (!pieces || switchIs("LONGVIEW_CUDA_MOE", "direct")) return MoeForm::direct;
    // The rows form's sum stages a token's k activations (and the shared expert's) in shared
    // memory; it runs the shared expert's bf16 rows itself.
    const bool sharedRows = a.Fs == 0 || (a.sharedGateUp.dtype == kBF16 &&
                                          a.sharedDown.dtype == kBF16 && a.Fs % 8 == 0);
    if (a.x.rows <= kGemvMaxRows && (a.k * a.F + a.Fs) * 4 <= kRowsMaxActBytes && sharedRows &&
        !switchIs("LONGVIEW_CUDA_MOE", "grouped"))
        return MoeForm::rows;
    // The grouped tiles' mma.sync form (off compute capability 9.0, or LONGVIEW_CUDA_MOE=mma)
    // stages gate-up in 108 KB: a device whose blocks may not opt into that much (99 KB on
    // 8.6, 8.9 and 12.0) takes the direct form.
    const bool mmaTiles = switchIs("LONGVIEW_CUDA_MOE", "mma") || !moeWgmmaAvailable();
    const int gateUpSmem = kTileSmem<true>;
    if (mmaTiles && gateUpSmem > maxSharedPerBlock()) return MoeForm::direct;
    return MoeForm::grouped;
}

void launchMoeSwiglu(const MoeArgs& a, MoeForm form, cudaStream_t s) {
    const std::int64_t slots = a.x.rows * a.k;
    if (slots == 0) return;
    if (form == MoeForm::grouped) {
        if (a.x.data) { // else x is bf16 already, in xb
            const std::int64_t n = a.x.rows * a.x.cols;
            launchKernel(moeInputKernel, unsigned(std::min<std::int64_t>(ceilDiv(n, 256), 4096)),
                         256, 0, s, "moeInput", a.x, a.xb);
        }
        const int blocks = a.groupBlocks;
        if (blocks > 1) {
            const int per = int(ceilDiv(slots, blocks));
            launchKernel(moeGroupCountKernel, unsigned(blocks), kGroupThreads,
                         sizeof(int) * std::size_t(a.E), s, "moeGroupCount", a, per);
            launchKernel(moeGroupPlaceKernel, unsigned(blocks), kGroupThreads,
                         2 * sizeof(int) * std::size_t(a.E), s, "moeGroupPlace", a, per, blocks);
        } else {
            launchKernel(moeGroupKernel, 1, 1024, 2 * sizeof(int) * std::size_t(a.E), s, "moeGroup",
                         a);
        }
        const unsigned tiles = unsigned(moeGroupedTiles(slots, a.E));
        if (!switchIs("LONGVIEW_CUDA_MOE", "mma") && moeWgmmaAvailable()) {
            // The warp-specialized tiles (v112); LONGVIEW_CUDA_MOE=wgmma: those before them.
            if (switchIs("LONGVIEW_CUDA_MOE", "wgmma"))
                launchMoeTilesWgmma(a, tiles, s);
            else
                launchMoeTilesWarpSpecialized(a, tiles, s);
        } else {
            allowDynamicSharedMemory(reinterpret_cast<const void*>(moeTileKernel<true>),
                                     kTileSmem<true>, "moeGateUp shared memory");
            allowDynamicSharedMemory(reinterpret_cast<const void*>(moeTileKernel<false>),
                                     kTileSmem<false>, "moeDown shared memory");
            launchKernel(moeTileKernel<true>, dim3(unsigned(ceilDiv(a.F, kTileCols)), tiles),
                         kTileThreads, kTileSmem<true>, s, "moeGateUp", a);
            launchKernel(moeTileKernel<false>, dim3(unsigned(ceilDiv(a.x.cols, kTileCols)), tiles),
                         kTileThreads, kTileSmem<false>, s, "moeDown", a);
        }
    } else if (form == MoeForm::rows) {
        const std::int64_t widest = std::max(a.F, a.Fs), rows = slots + (a.Fs > 0 ? a.x.rows : 0);
        launchKernel(moeRowsGateUpKernel,
                     dim3(unsigned(ceilDiv(widest, kRowsWarps * kRowsPairs)), unsigned(rows)),
                     kRowsWarps * 32, 0, s, "moeGateUp", a);
        launchKernel(moeRowsDownSumKernel,
                     dim3(unsigned(ceilDiv(a.x.cols, kRowsSumWarps)), unsigned(a.x.rows)),
                     kRowsSumWarps * 32, std::size_t(a.k * a.F + a.Fs) * 4, s, "moeDown", a);
    } else {
        launchKernel(moeActKernel, ceilDiv(slots * a.F, kWarps), kWarps * 32, 0, s, "moeAct", a);
        launchKernel(moeDownKernel, ceilDiv(slots * a.x.cols, kWarps), kWarps * 32, 0, s, "moeDown",
                     a);
    }
    if (form == MoeForm::grouped)
        launchCombine<__nv_bfloat16>(a, a.partial, s);
    else if (form == MoeForm::direct) // (the rows form's down kernel sums)
        launchCombine<float>(a, a.scratchOut, s);
}

} // namespace lv::cuda
