// Mamba2 SSD, the chunked form for prefill (the state-space duality of Dao & Gu, 2024):
// the sequence is cut into chunks of L = 256 tokens, and per window of up to 64 chunks
//   1. prep:  dt' = clamp(softplus(dt + bias)) and the inclusive cumsum of dt' A per chunk;
//   2. state: each chunk's own end state S_c = sum_s x_s dt'_s exp(cum_L - cum_s) B_s^T;
//   3. pass:  the running state across chunks, in place: S_c <- state before chunk c;
//   4. CB:    C B^T per chunk and group (shared by the heads of a group);
//   5. scan:  y_l = exp(cum_l) C_l . S_prev + sum_{s <= l} (C_l . B_s) exp(cum_l - cum_s) dt'_s x_s
//             + D x_l.
// Steps 2, 4 and 5 are matrix products on the TF32 tensor cores (float32 in memory); for a
// bf16 checkpoint (SsdArgs::bf16Products), steps 2 and 5 on bf16 operands, as mamba_ssm runs
// them in the model's dtype; in its prefill x, B and C come in bf16 too (SsdArgs::xbcBf16,
// the conv's output), and CB and the states before each chunk are kept in bf16 for step 5.
// The result equals the recurrent form up to rounding for any chunk length, so the
// interface's chunkSize is not needed here.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/MmaBf16.cuh"
#include "backend/cuda/MmaTf32.cuh"
#include "backend/cuda/Switches.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace lv::cuda {
namespace {

constexpr int L = 256;               // chunk length
constexpr int kChunksPerWindow = 64; // bounds the scratch: 64 chunk states per window

struct Scratch {
    float* dtp;   // [nc, H, L]
    float* cum;   // [nc, H, L]
    float* decay; // [nc, H]: exp(cum at the chunk's end)
    float* S;     // [nc, H, P, N]
    float* CB;    // [nc, G, L, L]
    // [nc, H, P, N]: the state before each chunk in bf16, where the bf16 scan reads it so
    // (mamba_ssm rounds the previous states to the model's dtype for its scan too).
    __nv_bfloat16* Sprev;
};

// A warp's 16 x 64 accumulator tile (mma.sync layout: rows row0 + gid and + 8, columns
// col0 + j * 8 + 2 * tig and + 1) of chunk states S [P][N], clipped to the shape. Column pairs
// go as one 8-byte store where N is even (S and its rows then start 8-byte aligned): ncu
// (H100) found a sixth of the chunk-state kernel's warp samples in this epilogue's 64 scalar
// stores and their checks.
__device__ __forceinline__ void storeStateTile(float* S, const float (&acc)[8][4], int P, int N,
                                               int row0, int col0, int tig) {
    const bool pairs = (N & 1) == 0;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
        const int p = row0 + half * 8;
        if (p >= P) continue;
        float* row = S + std::int64_t(p) * N;
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            const int n = col0 + j * 8 + 2 * tig;
            if (pairs && n + 1 < N) {
                *reinterpret_cast<float2*>(row + n) =
                    make_float2(acc[j][2 * half], acc[j][2 * half + 1]);
            } else {
                if (n < N) row[n] = acc[j][2 * half];
                if (n + 1 < N) row[n + 1] = acc[j][2 * half + 1];
            }
        }
    }
}

// The scan's output rows t0 and t0 + 8 of head h: y = acc, plus D x (x stored as In) where
// kWithDx, columns p0 + j * 8 + 2 * tig and + 1, clipped to T and P. Every read of x is issued
// before the first store: y may alias x as far as the compiler knows, and each read placed
// after a store waits out a whole L2 round trip (ncu, H100: the whole-chunk scan's 32 such
// reads in a row were a third of its warp samples; it now adds D x from its staged x rows).
template <class In, bool kWithDx>
__device__ __forceinline__ void storeScanRows(const SsdArgs& a, const float (&acc)[8][4], int h,
                                              std::int64_t t0, int p0, int tig) {
    const int P = int(a.P);
    float out[2][8][2];
#pragma unroll
    for (int half = 0; half < 2; ++half)
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            out[half][j][0] = acc[j][2 * half];
            out[half][j][1] = acc[j][2 * half + 1];
        }
    if constexpr (kWithDx) {
        const float Dh = a.D[h];
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            // Rows past T are read (from the last row) but not stored.
            const std::int64_t t = std::min<std::int64_t>(t0 + half * 8, a.T - 1);
            const In* xr = static_cast<const In*>(a.x) + t * a.ldx + std::int64_t(h) * P;
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const int p = p0 + j * 8 + 2 * tig;
                if (p < P) out[half][j][0] += Dh * asFloat(xr[p]);
                if (p + 1 < P) out[half][j][1] += Dh * asFloat(xr[p + 1]);
            }
        }
    }
    // bf16 y of whole 64-column tiles at even offsets (every bf16 checkpoint's prefill): pairs
    // with no per-element checks.
    const bool pairs = a.yBf16 && p0 + 64 <= P && (a.ldy & 1) == 0 && (P & 1) == 0;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
        const std::int64_t t = t0 + half * 8;
        if (t >= a.T) continue;
        const std::int64_t yr = t * a.ldy + std::int64_t(h) * P;
        if (pairs) {
            auto* y = static_cast<__nv_bfloat16*>(a.y) + yr + p0 + 2 * tig;
#pragma unroll
            for (int j = 0; j < 8; ++j)
                *reinterpret_cast<__nv_bfloat162*>(y + j * 8) =
                    __floats2bfloat162_rn(out[half][j][0], out[half][j][1]);
            continue;
        }
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            const int p = p0 + j * 8 + 2 * tig;
            if (p + 1 < P)
                a.storeY2(yr + p, out[half][j][0], out[half][j][1]);
            else if (p < P)
                a.storeY(yr + p, out[half][j][0]);
        }
    }
}

__global__ void __launch_bounds__(L) ssdPrepKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    waitForPrevious();
    __shared__ float warpSums[L / 32];
    const int c = blockIdx.x, h = blockIdx.y, l = threadIdx.x;
    const int lane = l & 31, warp = l >> 5;
    const std::int64_t t = t0 + std::int64_t(c) * L + l;
    float d = 0.0f;
    if (t < a.T) {
        d = softplusf(a.dtAt(t, h) + a.dtBias[h]);
        d = fminf(fmaxf(d, a.dtMin), a.dtMax);
    }
    float v = d * a.A[h];
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        const float u = __shfl_up_sync(0xffffffffu, v, o);
        if (lane >= o) v += u;
    }
    if (lane == 31) warpSums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float s = lane < L / 32 ? warpSums[lane] : 0.0f;
#pragma unroll
        for (int o = 1; o < L / 32; o <<= 1) {
            const float u = __shfl_up_sync(0xffffffffu, s, o);
            if (lane >= o) s += u;
        }
        if (lane < L / 32) warpSums[lane] = s;
    }
    __syncthreads();
    if (warp > 0) v += warpSums[warp - 1];
    const std::int64_t idx = (std::int64_t(c) * a.H + h) * L + l;
    w.dtp[idx] = d;
    w.cum[idx] = v;
    if (l == L - 1) w.decay[c * int(a.H) + h] = expf(v);
}

// S[c, h, p, n] for a 64 (p) x 128 (n) tile; 8 warps of 16 x 64.
__global__ void __launch_bounds__(256) ssdChunkStateKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    waitForPrevious();
    __shared__ float Xs[32][72];
    __shared__ float Bs[32][136];
    __shared__ float wS[L];
    const int c = blockIdx.x, h = blockIdx.y;
    const int P = int(a.P), N = int(a.N);
    const int nTilesN = (N + 127) / 128;
    const int p0 = (blockIdx.z / nTilesN) * 64, n0 = (blockIdx.z % nTilesN) * 128;
    const int g = int(h / (a.H / a.G));
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, gid = lane >> 2, tig = lane & 3;
    const float* cumC = w.cum + (std::int64_t(c) * a.H + h) * L;
    const float* dtpC = w.dtp + (std::int64_t(c) * a.H + h) * L;
    const float cumLast = cumC[L - 1];
    for (int l = tid; l < L; l += 256)
        wS[l] = dtpC[l] * expf(cumLast - cumC[l]);
    const int wm = (warp & 3) * 16, wn = (warp >> 2) * 64;
    float acc[8][4] = {};
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    // Each thread stages fixed columns: x column p0 + (tid & 63) of rows (tid >> 6) + 4i,
    // B column n0 + (tid & 127) of rows (tid >> 7) + 2i.
    const int xc = tid & 63, xr = tid >> 6, bc = tid & 127, br = tid >> 7;
    const bool xOk = p0 + xc < P, bOk = n0 + bc < N;
    const std::int64_t rowsLeft = a.T - tc; // valid rows of this chunk (may exceed L)
    float rx[8], rb[16];
    auto fetch = [&](int l0) {
        const float* xp = a.xF32() + (tc + l0 + xr) * a.ldx + std::int64_t(h) * P + p0 + xc;
        const float* bp = a.bF32() + (tc + l0 + br) * a.ldb + std::int64_t(g) * N + n0 + bc;
#pragma unroll
        for (int i = 0; i < 8; ++i)
            rx[i] = (xOk && l0 + xr + 4 * i < rowsLeft) ? xp[std::int64_t(4 * i) * a.ldx] : 0.0f;
#pragma unroll
        for (int i = 0; i < 16; ++i)
            rb[i] = (bOk && l0 + br + 2 * i < rowsLeft) ? bp[std::int64_t(2 * i) * a.ldb] : 0.0f;
    };
    fetch(0);
    for (int l0 = 0; l0 < L; l0 += 32) {
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 8; ++i)
            Xs[xr + 4 * i][xc] = toTf32(rx[i] * wS[l0 + xr + 4 * i]);
#pragma unroll
        for (int i = 0; i < 16; ++i)
            Bs[br + 2 * i][bc] = toTf32(rb[i]);
        __syncthreads();
        if (l0 + 32 < L) fetch(l0 + 32);
        mmaTf32Slice(
            acc, [&](int m, int k) { return Xs[k][wm + m]; },
            [&](int k, int n) { return Bs[k][wn + n]; });
    }
    storeStateTile(w.S + (std::int64_t(c) * a.H + h) * P * N, acc, P, N, p0 + wm + gid, n0 + wn,
                   tig);
}

// In place over the chunks: S[c] becomes the state before chunk c (or, HalfPrev, Sprev[c]
// does, in bf16); the final state goes back to a.state. Four consecutive state elements per
// thread (P * N % 4 == 0, aligned), the next chunk's values loaded before this chunk's are
// stored, so loads overlap.
template <bool HalfPrev> __global__ void ssdStatePassKernel(SsdArgs a, int nc, Scratch w) {
    waitForPrevious();
    const std::int64_t total = a.H * a.P * a.N;
    const std::int64_t e = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * 4;
    if (e >= total) return;
    const int h = int(e / (a.P * a.N));
    float4 run = *reinterpret_cast<const float4*>(a.state + e);
    float4 next = *reinterpret_cast<const float4*>(w.S + e);
    for (int c = 0; c < nc; ++c) {
        const float4 own = next;
        if (c + 1 < nc)
            next = *reinterpret_cast<const float4*>(w.S + std::int64_t(c + 1) * total + e);
        if constexpr (HalfPrev) {
            const __nv_bfloat162 lo = __floats2bfloat162_rn(run.x, run.y);
            const __nv_bfloat162 hi = __floats2bfloat162_rn(run.z, run.w);
            *reinterpret_cast<uint2*>(w.Sprev + std::int64_t(c) * total + e) = make_uint2(
                *reinterpret_cast<const unsigned*>(&lo), *reinterpret_cast<const unsigned*>(&hi));
        } else {
            *reinterpret_cast<float4*>(w.S + std::int64_t(c) * total + e) = run;
        }
        const float d = w.decay[c * int(a.H) + h];
        run =
            make_float4(run.x * d + own.x, run.y * d + own.y, run.z * d + own.z, run.w * d + own.w);
    }
    *reinterpret_cast<float4*>(a.state + e) = run;
}

// The same, one element per thread, for shapes or pointers the vector form cannot take.
__global__ void ssdStatePassScalarKernel(SsdArgs a, int nc, Scratch w) {
    waitForPrevious();
    const std::int64_t total = a.H * a.P * a.N;
    const std::int64_t e = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= total) return;
    const int h = int(e / (a.P * a.N));
    float run = a.state[e];
    for (int c = 0; c < nc; ++c) {
        const std::int64_t idx = std::int64_t(c) * total + e;
        const float own = w.S[idx];
        w.S[idx] = run;
        run = run * w.decay[c * int(a.H) + h] + own;
    }
    a.state[e] = run;
}

// Tile z of a square's tiles on or below the diagonal, counted row by row: its row and column.
struct TriangleTile {
    int row, col;
};
__device__ __forceinline__ TriangleTile lowerTriangleTile(int z) {
    int row = 0;
    while ((row + 1) * (row + 2) / 2 <= z)
        ++row;
    return {row, z - row * (row + 1) / 2};
}

// CB[c, g, l, s] = C_l . B_s for one 64 x 64 tile on or below the diagonal; C and B stored as
// In (f32, or bf16 from the conv: exact in TF32); CB stored as Cb (f32, or bf16 for the bf16
// scan: half the bytes every head of the group reads).
template <class In, class Cb>
__global__ void __launch_bounds__(128) ssdChunkCbKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    waitForPrevious();
    __shared__ float Cs[64][36];
    __shared__ float Bs[64][36];
    const int c = blockIdx.x, g = blockIdx.y;
    const TriangleTile tile = lowerTriangleTile(int(blockIdx.z));
    const int lt = tile.row, st = tile.col;
    const int N = int(a.N);
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, gid = lane >> 2, tig = lane & 3;
    const int wm = warp * 16;
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    const In* Cg = static_cast<const In*>(a.C);
    const In* Bg = static_cast<const In*>(a.B);
    // Each step's loads are issued before the previous step's products.
    float rc[16], rb[16];
    auto fetch = [&](int n0) {
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            const int idx = tid + i * 128, r = idx >> 5, n = n0 + (idx & 31);
            const std::int64_t tl = tc + lt * 64 + r, ts = tc + st * 64 + r;
            rc[i] = tl < a.T && n < N ? asFloat(Cg[tl * a.ldc + std::int64_t(g) * N + n]) : 0.0f;
            rb[i] = ts < a.T && n < N ? asFloat(Bg[ts * a.ldb + std::int64_t(g) * N + n]) : 0.0f;
        }
    };
    fetch(0);
    float acc[8][4] = {};
    for (int n0 = 0; n0 < N; n0 += 32) {
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            const int idx = tid + i * 128, r = idx >> 5, k = idx & 31;
            Cs[r][k] = toTf32(rc[i]);
            Bs[r][k] = toTf32(rb[i]);
        }
        __syncthreads();
        if (n0 + 32 < N) fetch(n0 + 32);
        mmaTf32Slice(
            acc, [&](int m, int k) { return Cs[wm + m][k]; },
            [&](int k, int n) { return Bs[n][k]; });
    }
    Cb* CBc = reinterpret_cast<Cb*>(w.CB) + (std::int64_t(c) * a.G + g) * L * L;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
        const int s = st * 64 + j * 8 + 2 * tig;
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int l = lt * 64 + wm + gid + half * 8;
            Cb* dst = CBc + std::int64_t(l) * L + s;
            if constexpr (sizeof(Cb) == 2)
                *reinterpret_cast<__nv_bfloat162*>(dst) =
                    __floats2bfloat162_rn(acc[j][2 * half], acc[j][2 * half + 1]);
            else
                *reinterpret_cast<float2*>(dst) =
                    make_float2(acc[j][2 * half], acc[j][2 * half + 1]);
        }
    }
}

// y for 64 rows (l) x 64 head dims (p) of one chunk and head; 4 warps of 16 x 64.
__global__ void __launch_bounds__(128, 4)
    ssdChunkScanKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    waitForPrevious();
    __shared__ float As[64][36]; // C rows (part A) or the decay-weighted CB tile (part B)
    __shared__ float Ps[64][36]; // previous state rows (part A)
    __shared__ float Xs[32][72]; // x rows (part B)
    __shared__ float cumS[L], dtpS[L];
    const int c = blockIdx.x, h = blockIdx.y;
    const int lt = blockIdx.z % (L / 64), p0 = (blockIdx.z / (L / 64)) * 64, l0 = lt * 64;
    const int P = int(a.P), N = int(a.N);
    const int g = int(h / (a.H / a.G));
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, gid = lane >> 2, tig = lane & 3;
    const int wm = warp * 16;
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    const std::int64_t chunkHead = std::int64_t(c) * a.H + h;
    for (int l = tid; l < L; l += 128) {
        cumS[l] = w.cum[chunkHead * L + l];
        dtpS[l] = w.dtp[chunkHead * L + l];
    }
    float acc[8][4] = {};

    // Staging: column kc = tid & 31 of rows kr + 4i (C, S_prev, the CB tile); x column
    // xc = tid & 63 of rows xr + 2i.
    const int kc = tid & 31, kr = tid >> 5, xc = tid & 63, xr = tid >> 6;
    const std::int64_t rowsLeft = a.T - tc;

    // Part A: C_l . S_prev^T over n. Each step's global loads are issued before the previous
    // step's products, so they are in flight while the tensor cores work.
    const float* prev = w.S + chunkHead * P * N;
    float ra[16], rb[16];
    auto fetchA = [&](int n0) {
        const bool nOk = n0 + kc < N;
        const float* cp = a.cF32() + (tc + l0 + kr) * a.ldc + std::int64_t(g) * N + n0 + kc;
        const float* pp = prev + std::int64_t(p0 + kr) * N + n0 + kc;
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            const int r = kr + 4 * i;
            ra[i] = (nOk && l0 + r < rowsLeft) ? cp[std::int64_t(4 * i) * a.ldc] : 0.0f;
            rb[i] = (nOk && p0 + r < P) ? pp[std::int64_t(4 * i) * N] : 0.0f;
        }
    };
    fetchA(0);
    for (int n0 = 0; n0 < N; n0 += 32) {
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            As[kr + 4 * i][kc] = toTf32(ra[i]);
            Ps[kr + 4 * i][kc] = toTf32(rb[i]);
        }
        __syncthreads();
        if (n0 + 32 < N) fetchA(n0 + 32);
        mmaTf32Slice(
            acc, [&](int m, int k) { return As[wm + m][k]; },
            [&](int k, int n) { return Ps[n][k]; });
    }
    {
        const float e0 = expf(cumS[l0 + wm + gid]), e1 = expf(cumS[l0 + wm + gid + 8]);
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            acc[j][0] *= e0;
            acc[j][1] *= e0;
            acc[j][2] *= e1;
            acc[j][3] *= e1;
        }
    }

    // Part B: the causal, decay-weighted CB tile times x, over s <= l (same prefetching; the
    // upper triangle of CB is read but never used).
    const float* CBc = w.CB + (std::int64_t(c) * a.G + g) * L * L; // f32 for this form
    const bool pOk = p0 + xc < P;
    auto fetchB = [&](int s0) {
        const float* cb = CBc + std::int64_t(l0 + kr) * L + s0 + kc;
        const float* xp = a.xF32() + (tc + s0 + xr) * a.ldx + std::int64_t(h) * P + p0 + xc;
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            ra[i] = cb[4 * i * L];
            rb[i] = (pOk && s0 + xr + 2 * i < rowsLeft) ? xp[std::int64_t(2 * i) * a.ldx] : 0.0f;
        }
    };
    fetchB(0);
    for (int s0 = 0; s0 < l0 + 64; s0 += 32) {
        __syncthreads();
        {
            const int sIdx = s0 + kc;
            const float cs = cumS[sIdx], ds = dtpS[sIdx];
#pragma unroll
            for (int i = 0; i < 16; ++i) {
                const int l = l0 + kr + 4 * i;
                As[kr + 4 * i][kc] = toTf32(sIdx <= l ? ra[i] * expf(cumS[l] - cs) * ds : 0.0f);
                Xs[xr + 2 * i][xc] = toTf32(rb[i]);
            }
        }
        __syncthreads();
        if (s0 + 32 < l0 + 64) fetchB(s0 + 32);
        mmaTf32Slice(
            acc, [&](int m, int k) { return As[wm + m][k]; },
            [&](int k, int n) { return Xs[k][n]; });
    }

    storeScanRows<float, true>(a, acc, h, tc + l0 + wm + gid, p0, tig);
}

// The chunk scan one block a chunk, head and 64 head dims over all 256 rows (where four
// quarter-chunk blocks would each read the previous state, and every x row up to their own:
// x 2.5 times, the state 4 times). Warp w owns the row tiles w and 15 - w, so that every warp
// has the same causal work in part B (9 tile steps of the 72); part B reads only the CB rows
// at or below its s-block. The tiles go through two cp.async stages (one step's loads in
// flight while one is computed, two blocks an SM: 16 warps; three stages at one block an SM
// measured 45% slower), transformed as the fragments are read. On TF32 mma: TF32 rounding,
// and in part B the decay weights, the same values in the same order as ssdChunkScanKernel.
// On bf16 (Bf16, as mamba_ssm's kernels run the scan in the model's dtype; mma.sync
// m16n8k16, f32 accumulation): half the products and half the fragment loads (pairs of
// floats, packed as read), and decay weights as ex2.approx of log2-scaled sums (expf's ten
// instructions, 8 per 8 products a thread, were a fifth of the kernel's PTX; the SFU's
// 2 ulp vanish under bf16's rounding). Needs N and P multiples of 4 and 16-byte aligned
// rows (host check). With x, B and C in bf16 (In, the conv's prefill output as mamba_ssm's
// kernels read it), the C and x tiles are staged as bf16 and their fragments come from
// ldmatrix (x transposed as loaded): half the bytes from L2 of the two tiles every head reads.
// CB and the previous states in bf16 too (Scr, the scratch the scan reads) halve the rest.
constexpr int kScanStages = 2;

// The B fragments (mma.sync m16n8k16) of Blocks blocks of 8 columns from a bf16 tile, by
// Blocks / 2 ldmatrix.x4 (transposed or not): `at` is this lane's address for blocks 0 and 1,
// `pairStep` the elements between one pair of blocks and the next.
template <bool Trans, int Blocks = 8>
__device__ __forceinline__ void ldmatrixBFragments(std::uint32_t (&bf)[Blocks][2],
                                                   const __nv_bfloat16* at, int pairStep) {
    static_assert(Blocks % 2 == 0, "pairs of blocks");
#pragma unroll
    for (int j = 0; j < Blocks; j += 2) {
        std::uint32_t r4[4];
        if constexpr (Trans)
            ldmatrixX4Trans(r4, at + (j / 2) * pairStep);
        else
            ldmatrixX4(r4, at + (j / 2) * pairStep);
        bf[j][0] = r4[0];
        bf[j][1] = r4[1];
        bf[j + 1][0] = r4[2];
        bf[j + 1][1] = r4[3];
    }
}

// CB in bf16 from bf16 C and B (cuda-notes v93; LONGVIEW_CUDA_SSD_CB=64, read at each call,
// for the 64 x 64 form above): 32 x 32 tiles on or below the diagonal, 36 a chunk, two warps
// of 16 rows each; the group's C and B rows copied in slices of 64 n by cp.async (two stages),
// fragments through ldmatrix, products on bf16 (exact, as TF32 products of bf16 values are;
// the sums' order differs). The 64 x 64 form runs 160 blocks of four warps for a 4096-token
// chunk of a one-group model, 7.6% of the warps an SM could hold: ncu (H100, session 36)
// 20.6-20.9 us a layer there, 6.7-7.0 us here. Rows past the sequence and n past N are
// zero-filled, as there.
constexpr int kCbTile = 32, kCbTilesSmall = (L / kCbTile) * (L / kCbTile + 1) / 2;

__global__ void __launch_bounds__(64) ssdChunkCbTileKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    // rows of 72 bf16: 16-byte aligned, and the 8 rows of an ldmatrix read on distinct banks
    constexpr int kSlice = 64, kRow = 72;
    __shared__ __align__(16) __nv_bfloat16 tiles[2][2][kCbTile][kRow]; // [stage][C, B][row][n]
    waitForPrevious();
    const int c = blockIdx.x, g = blockIdx.y;
    const TriangleTile tile = lowerTriangleTile(int(blockIdx.z));
    const int lt = tile.row, st = tile.col;
    const int N = int(a.N);
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, gid = lane >> 2, tig = lane & 3;
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    const auto* Cg = static_cast<const __nv_bfloat16*>(a.C);
    const auto* Bg = static_cast<const __nv_bfloat16*>(a.B);
    auto issue = [&](int i, int stage) {
        const int n0 = i * kSlice;
#pragma unroll
        for (int q = 0; q < 2 * kCbTile * (kSlice / 8) / 64; ++q) {
            const int idx = tid + q * 64, m = idx / (kCbTile * kSlice / 8);
            const int r = (idx / (kSlice / 8)) % kCbTile, k = (idx % (kSlice / 8)) * 8;
            const std::int64_t t = tc + (m ? st : lt) * kCbTile + r;
            const bool ok = t < a.T && n0 + k < N;
            const __nv_bfloat16* src = m ? Bg + t * a.ldb : Cg + t * a.ldc;
            cpAsync16(&tiles[stage][m][r][k], ok ? src + std::int64_t(g) * N + n0 + k : Cg, ok);
        }
        cpAsyncCommit();
    };
    const int steps = (N + kSlice - 1) / kSlice;
    issue(0, 0);
    float acc[4][4] = {};
    for (int i = 0; i < steps; ++i) {
        cpAsyncWait<0>();
        __syncthreads(); // also: every warp is done with the stage the next copies overwrite
        if (i + 1 < steps) issue(i + 1, (i + 1) % 2);
        const __nv_bfloat16* Cs = &tiles[i % 2][0][0][0];
        const __nv_bfloat16* Bs = &tiles[i % 2][1][0][0];
#pragma unroll
        for (int k = 0; k < kSlice; k += 16) {
            std::uint32_t af[4]; // C rows l (m) by n (k); lane: row lane % 8 of matrix lane / 8
            ldmatrixX4(af, Cs + (warp * 16 + (lane & 8) + (lane & 7)) * kRow + k + (lane >> 4) * 8);
            // B rows s (n) by n (k): matrices (block j, k 0-7), (j, k 8-15), (j + 1, k 0-7),
            // (j + 1, k 8-15)
            std::uint32_t bf[4][2];
            ldmatrixBFragments<false, 4>(
                bf, Bs + ((lane >> 4) * 8 + (lane & 7)) * kRow + k + ((lane >> 3) & 1) * 8,
                16 * kRow);
#pragma unroll
            for (int j = 0; j < 4; ++j)
                mmaBf16(acc[j], af, bf[j][0], bf[j][1]);
        }
    }
    auto* CBc = reinterpret_cast<__nv_bfloat16*>(w.CB) + (std::int64_t(c) * a.G + g) * L * L;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        const int s = st * kCbTile + j * 8 + 2 * tig;
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int l = lt * kCbTile + warp * 16 + gid + half * 8;
            *reinterpret_cast<__nv_bfloat162*>(CBc + std::int64_t(l) * L + s) =
                __floats2bfloat162_rn(acc[j][2 * half], acc[j][2 * half + 1]);
        }
    }
}

// Compact: the all-bf16 form (x, B, C and the scratch in bf16) in regions of its own tiles'
// size, half the reservation, 52 KB: on devices whose blocks may not opt into the 104 KB of
// the f32 reservation (99 KB on compute capability 8.6, 8.9 and 12.0), or with
// LONGVIEW_CUDA_SSD_SCAN=compact (read at each call), to test it on others.
template <bool Bf16, bool Compact = false> struct ScanTiles {
    // Row strides keep the fragment reads free of bank conflicts: C, S_prev and CB rows of 36
    // floats (TF32) or 40 (bf16's 8-byte pair loads); x rows of 72, or 68 (pairs of rows).
    static constexpr int kRow = Bf16 ? 40 : 36, kXRow = Bf16 ? 68 : 72;
    // bf16 inputs: C rows of 40 and x rows of 72 bf16 in the same regions (16-byte aligned
    // rows whose 8-row ldmatrix reads fall on distinct banks).
    static constexpr int kCRowHalf = 40, kXRowHalf = 72;
    // floats: C rows [256] (part A), CB rows (B); then S_prev rows [64] (A), x [32] (B)
    static constexpr int kLeft = Compact ? L * kCRowHalf / 2 : L * kRow;
    static constexpr int kRight =
        Compact ? (64 * kCRowHalf > 32 * kXRowHalf ? 64 * kCRowHalf : 32 * kXRowHalf) / 2
                : 64 * kRow;
    static constexpr int kStage = kLeft + kRight;
    static constexpr std::size_t kSmem = sizeof(float) * (kScanStages * kStage + 2 * L);
    static_assert(L * kCRowHalf <= 2 * kLeft && 32 * kXRowHalf <= 2 * kRight &&
                      64 * kCRowHalf <= 2 * kRight,
                  "tiles fit");
};

template <bool Bf16, class In, class Scr, bool Compact = false>
__global__ void __launch_bounds__(256, 2)
    ssdChunkScanWholeKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    using Tiles = ScanTiles<Bf16, Compact>;
    constexpr int R = Tiles::kRow, XR = Tiles::kXRow;
    constexpr int kLeft = Tiles::kLeft, kStage = Tiles::kStage;
    constexpr int CRH = Tiles::kCRowHalf, XRH = Tiles::kXRowHalf;
    constexpr bool kHalfIn = sizeof(In) == 2;
    constexpr bool kHalfScr = sizeof(Scr) == 2;
    static_assert(!Compact || kHalfScr, "the compact regions hold bf16 tiles only");
    static_assert(!kHalfIn || Bf16, "bf16 inputs take the bf16 products");
    static_assert(!kHalfScr || kHalfIn, "bf16 scratch comes with bf16 inputs");
    waitForPrevious();
    extern __shared__ __align__(16) float sm[];
    float* cumS = sm + kScanStages * kStage;
    float* dtpS = cumS + L;
    const int c = blockIdx.x, h = blockIdx.y, p0 = blockIdx.z * 64;
    const int P = int(a.P), N = int(a.N);
    const int g = int(h / (a.H / a.G));
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, gid = lane >> 2, tig = lane & 3;
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    const std::int64_t chunkHead = std::int64_t(c) * a.H + h;
    const std::int64_t rowsLeft = a.T - tc;
    const float* prev = w.S + chunkHead * P * N;
    const Scr* CBc = reinterpret_cast<const Scr*>(w.CB) + (std::int64_t(c) * a.G + g) * L * L;
    const __nv_bfloat16* prevH = w.Sprev + chunkHead * P * N; // kHalfScr
    // Part B's s-blocks end at the chunk's last row: x is zero past it.
    const int nA = (N + 31) / 32;
    const int nB = int((std::min<std::int64_t>(rowsLeft, L) + 31) / 32), steps = nA + nB;
    const In* Cg = static_cast<const In*>(a.C);
    const In* Xg = static_cast<const In*>(a.x);

    auto issue = [&](int i, int st) {
        float* left = sm + st * kStage;
        float* right = left + kLeft;
        if (i < nA) { // C rows x 32 n; S_prev rows x 32 n
            const int n0 = i * 32;
            if constexpr (kHalfIn) {
#pragma unroll
                for (int q = 0; q < 4; ++q) {
                    const int idx = tid + q * 256, r = idx >> 2, k = (idx & 3) * 8;
                    const bool ok = n0 + k < N && r < rowsLeft;
                    cpAsync16(reinterpret_cast<In*>(left) + r * CRH + k,
                              ok ? Cg + (tc + r) * a.ldc + std::int64_t(g) * N + n0 + k : Cg, ok);
                }
            } else {
#pragma unroll
                for (int q = 0; q < 8; ++q) {
                    const int idx = tid + q * 256, r = idx >> 3, k = (idx & 7) * 4;
                    const bool ok = n0 + k < N && r < rowsLeft;
                    cpAsync16(left + r * R + k,
                              ok ? Cg + (tc + r) * a.ldc + std::int64_t(g) * N + n0 + k : Cg, ok);
                }
            }
            if constexpr (kHalfScr) { // rows of 40 bf16
                const int r = tid >> 2, k = (tid & 3) * 8;
                const bool ok = n0 + k < N && p0 + r < P;
                cpAsync16(reinterpret_cast<Scr*>(right) + r * CRH + k,
                          ok ? prevH + std::int64_t(p0 + r) * N + n0 + k : prevH, ok);
            } else {
#pragma unroll
                for (int q = 0; q < 2; ++q) {
                    const int idx = tid + q * 256, r = idx >> 3, k = (idx & 7) * 4;
                    const bool ok = n0 + k < N && p0 + r < P;
                    cpAsync16(right + r * R + k,
                              ok ? prev + std::int64_t(p0 + r) * N + n0 + k : prev, ok);
                }
            }
        } else { // CB rows s0.. x 32 s; x 32 s x 64 p
            const int s0 = (i - nA) * 32;
            if constexpr (kHalfScr) { // rows of 40 bf16, as C's in part A
#pragma unroll
                for (int q = 0; q < 4; ++q) {
                    const int idx = tid + q * 256, r = idx >> 2, k = (idx & 3) * 8;
                    if (r >= s0)
                        cpAsync16(reinterpret_cast<Scr*>(left) + r * CRH + k,
                                  CBc + std::int64_t(r) * L + s0 + k, true);
                }
            } else {
#pragma unroll
                for (int q = 0; q < 8; ++q) {
                    const int idx = tid + q * 256, r = idx >> 3, k = (idx & 7) * 4;
                    if (r >= s0)
                        cpAsync16(left + r * R + k, CBc + std::int64_t(r) * L + s0 + k, true);
                }
            }
            if constexpr (kHalfIn) {
                const int r = tid >> 3, k = (tid & 7) * 8;
                const bool ok = s0 + r < rowsLeft && p0 + k < P;
                cpAsync16(reinterpret_cast<In*>(right) + r * XRH + k,
                          ok ? Xg + (tc + s0 + r) * a.ldx + std::int64_t(h) * P + p0 + k : Xg, ok);
            } else {
#pragma unroll
                for (int q = 0; q < 2; ++q) {
                    const int idx = tid + q * 256, r = idx >> 4, k = (idx & 15) * 4;
                    const bool ok = s0 + r < rowsLeft && p0 + k < P;
                    cpAsync16(right + r * XR + k,
                              ok ? Xg + (tc + s0 + r) * a.ldx + std::int64_t(h) * P + p0 + k : Xg,
                              ok);
                }
            }
        }
        cpAsyncCommit();
    };
    // The chunk's cumulative decays and dt, a row a thread, read before the first copies are
    // issued so that their round trip overlaps those (the copies' asm keeps loads below it).
    static_assert(L == 256, "a row of cum and dt a thread");
    const float cumRow = w.cum[chunkHead * L + tid], dtpRow = w.dtp[chunkHead * L + tid];
    const float Dh = a.D[h];
    for (int i = 0; i < kScanStages - 1; ++i)
        issue(i, i); // steps >= nA + nB >= 2 >= kScanStages - 1
    // bf16: cumulative decays in log2 units, so that each decay weight is one ex2.approx
    // (every weight below goes through decay(), which exponentiates in the matching base).
    constexpr float kCumScale = Bf16 ? 1.4426950408889634f : 1.0f;
    cumS[tid] = cumRow * kCumScale;
    dtpS[tid] = dtpRow;
    auto decay = [](float x) {
        if constexpr (Bf16)
            return exp2Approx(x);
        else
            return expf(x);
    };
    auto pair = [](const float* p) { // bf16: two floats, one 8-byte load, packed
        const float2 v = *reinterpret_cast<const float2*>(p);
        return packBf16(v.x, v.y);
    };

    const int tiles[2] = {warp, 15 - warp};
    float acc[2][8][4] = {};
    for (int i = 0; i < steps; ++i) {
        cpAsyncPipelineStep<kScanStages>(i, steps, issue);
        const float* left = sm + (i % kScanStages) * kStage;
        const float* right = left + kLeft;
        if (i < nA) { // C_l . S_prev^T over n
            if constexpr (Bf16) {
#pragma unroll
                for (int k = 0; k < 32; k += 16) {
                    std::uint32_t bf[8][2];
                    if constexpr (kHalfScr) {
                        // S_prev rows p (n) by columns n (k): matrices (block j, k 0-7),
                        // (j, k 8-15), (j + 1, k 0-7), (j + 1, k 8-15).
                        ldmatrixBFragments<false>(bf,
                                                  reinterpret_cast<const Scr*>(right) +
                                                      ((lane >> 4) * 8 + (lane & 7)) * CRH + k +
                                                      ((lane >> 3) & 1) * 8,
                                                  16 * CRH);
                    } else {
#pragma unroll
                        for (int j = 0; j < 8; ++j) {
                            const float* r = right + (j * 8 + gid) * R + k + 2 * tig;
                            bf[j][0] = pair(r);
                            bf[j][1] = pair(r + 8);
                        }
                    }
#pragma unroll
                    for (int t = 0; t < 2; ++t) {
                        std::uint32_t af[4];
                        if constexpr (kHalfIn) { // lane: row lane % 8 of matrix lane / 8
                            ldmatrixX4(af, reinterpret_cast<const In*>(left) +
                                               (tiles[t] * 16 + (lane & 8) + (lane & 7)) * CRH + k +
                                               (lane >> 4) * 8);
                        } else {
                            const float* ra = left + (tiles[t] * 16 + gid) * R + k + 2 * tig;
                            af[0] = pair(ra);
                            af[1] = pair(ra + 8 * R);
                            af[2] = pair(ra + 8);
                            af[3] = pair(ra + 8 * R + 8);
                        }
#pragma unroll
                        for (int j = 0; j < 8; ++j)
                            mmaBf16(acc[t][j], af, bf[j][0], bf[j][1]);
                    }
                }
            } else {
#pragma unroll
                for (int k = 0; k < 32; k += 8) {
                    float bf[8][2];
#pragma unroll
                    for (int j = 0; j < 8; ++j) {
                        bf[j][0] = toTf32(right[(j * 8 + gid) * R + k + tig]);
                        bf[j][1] = toTf32(right[(j * 8 + gid) * R + k + tig + 4]);
                    }
#pragma unroll
                    for (int t = 0; t < 2; ++t) {
                        const int ra = tiles[t] * 16 + gid;
                        const float af[4] = {toTf32(left[ra * R + k + tig]),
                                             toTf32(left[(ra + 8) * R + k + tig]),
                                             toTf32(left[ra * R + k + tig + 4]),
                                             toTf32(left[(ra + 8) * R + k + tig + 4])};
#pragma unroll
                        for (int j = 0; j < 8; ++j)
                            mmaTf32(acc[t][j], af, bf[j]);
                    }
                }
            }
            if (i == nA - 1) {
#pragma unroll
                for (int t = 0; t < 2; ++t) {
                    const int ra = tiles[t] * 16 + gid;
                    const float e0 = decay(cumS[ra]), e1 = decay(cumS[ra + 8]);
#pragma unroll
                    for (int j = 0; j < 8; ++j) {
                        acc[t][j][0] *= e0;
                        acc[t][j][1] *= e0;
                        acc[t][j][2] *= e1;
                        acc[t][j][3] *= e1;
                    }
                }
            }
        } else if constexpr (Bf16) { // the causal, decay-weighted CB rows times x
            const int sb = i - nA, s0 = sb * 32;
#pragma unroll
            for (int k = 0; k < 32; k += 16) {
                const int s = s0 + k + 2 * tig; // this thread's columns s, s + 1, s + 8, s + 9
                float cs[4], ds[4];
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int se = s + (e & 1) + (e >> 1) * 8;
                    cs[e] = cumS[se];
                    ds[e] = dtpS[se];
                }
                std::uint32_t bf[8][2];
                if constexpr (kHalfIn) {
                    // x rows s (k) by columns p (n), transposed as loaded: matrices (k 0-7,
                    // block j), (k 8-15, j), (k 0-7, j + 1), (k 8-15, j + 1).
                    ldmatrixBFragments<true>(bf,
                                             reinterpret_cast<const In*>(right) +
                                                 (k + (lane & 8) + (lane & 7)) * XRH +
                                                 (lane >> 4) * 8,
                                             16);
                } else {
#pragma unroll
                    for (int j = 0; j < 8; ++j) {
                        const float* r = right + (k + 2 * tig) * XR + j * 8 + gid;
                        bf[j][0] = packBf16(r[0], r[XR]);
                        bf[j][1] = packBf16(r[8 * XR], r[9 * XR]);
                    }
                }
#pragma unroll
                for (int t = 0; t < 2; ++t) {
                    if (tiles[t] < 2 * sb) continue; // rows all above this s-block
                    const int la = tiles[t] * 16 + gid;
                    float v[2][4]; // rows la, la + 8; columns s, s + 1, s + 8, s + 9
#pragma unroll
                    for (int half = 0; half < 2; ++half) {
                        const int l = la + half * 8;
                        const float cl = cumS[l];
                        float2 lo, hi;
                        if constexpr (kHalfScr) {
                            const auto* row = reinterpret_cast<const __nv_bfloat162*>(
                                reinterpret_cast<const Scr*>(left) + l * CRH + k + 2 * tig);
                            lo = __bfloat1622float2(row[0]);
                            hi = __bfloat1622float2(row[4]);
                        } else {
                            const float* row = left + l * R + k + 2 * tig;
                            lo = *reinterpret_cast<const float2*>(row);
                            hi = *reinterpret_cast<const float2*>(row + 8);
                        }
                        const float raw[4] = {lo.x, lo.y, hi.x, hi.y};
#pragma unroll
                        for (int e = 0; e < 4; ++e) {
                            const int se = s + (e & 1) + (e >> 1) * 8;
                            v[half][e] = se <= l ? raw[e] * decay(cl - cs[e]) * ds[e] : 0.0f;
                        }
                    }
                    const std::uint32_t af[4] = {
                        packBf16(v[0][0], v[0][1]), packBf16(v[1][0], v[1][1]),
                        packBf16(v[0][2], v[0][3]), packBf16(v[1][2], v[1][3])};
#pragma unroll
                    for (int j = 0; j < 8; ++j)
                        mmaBf16(acc[t][j], af, bf[j][0], bf[j][1]);
                }
            }
        } else {
            const int sb = i - nA, s0 = sb * 32;
#pragma unroll
            for (int k = 0; k < 32; k += 8) {
                const int sA = s0 + k + tig, sB = sA + 4;
                const float csA = cumS[sA], dsA = dtpS[sA], csB = cumS[sB], dsB = dtpS[sB];
                float bf[8][2];
#pragma unroll
                for (int j = 0; j < 8; ++j) {
                    bf[j][0] = toTf32(right[(k + tig) * XR + j * 8 + gid]);
                    bf[j][1] = toTf32(right[(k + tig + 4) * XR + j * 8 + gid]);
                }
#pragma unroll
                for (int t = 0; t < 2; ++t) {
                    if (tiles[t] < 2 * sb) continue; // rows all above this s-block
                    const int la = tiles[t] * 16 + gid, lb = la + 8;
                    const float ca = cumS[la], cb = cumS[lb];
                    const float af[4] = {
                        toTf32(sA <= la ? left[la * R + k + tig] * decay(ca - csA) * dsA : 0.0f),
                        toTf32(sA <= lb ? left[lb * R + k + tig] * decay(cb - csA) * dsA : 0.0f),
                        toTf32(sB <= la ? left[la * R + k + tig + 4] * decay(ca - csB) * dsB
                                        : 0.0f),
                        toTf32(sB <= lb ? left[lb * R + k + tig + 4] * decay(cb - csB) * dsB
                                        : 0.0f)};
#pragma unroll
                    for (int j = 0; j < 8; ++j)
                        mmaTf32(acc[t][j], af, bf[j]);
                }
            }
        }
        if (i >= nA) { // D x for the tiles whose diagonal (and last) block this is, as staged
            const int sb = i - nA;
#pragma unroll
            for (int t = 0; t < 2; ++t) {
                if (tiles[t] / 2 != sb) continue;
                const int r = (tiles[t] - 2 * sb) * 16 + gid; // x's rows of this thread's rows
#pragma unroll
                for (int half = 0; half < 2; ++half)
#pragma unroll
                    for (int j = 0; j < 8; ++j) {
                        float2 xv;
                        if constexpr (kHalfIn)
                            xv = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(
                                reinterpret_cast<const In*>(right) + (r + half * 8) * XRH + j * 8 +
                                2 * tig));
                        else
                            xv = *reinterpret_cast<const float2*>(right + (r + half * 8) * XR +
                                                                  j * 8 + 2 * tig);
                        acc[t][j][2 * half] += Dh * xv.x;
                        acc[t][j][2 * half + 1] += Dh * xv.y;
                    }
            }
        }
    }
    cpAsyncWait<0>();

#pragma unroll
    for (int t = 0; t < 2; ++t)
        storeScanRows<In, false>(a, acc[t], h, tc + tiles[t] * 16 + gid, p0, tig);
}

// Chunk states with the x and B tiles copied into cp.async stages (one barrier a step); x's
// decay weight applied as the fragments are read. TF32 operands (the same values in the same
// order as ssdChunkStateKernel; rows of 72 and 136 floats) or, for a bf16 checkpoint, bf16
// ones (mma.sync m16n8k16, pairs packed as read; rows of 68 and 132 floats keep the reads of
// row pairs free of bank conflicts): three stages, two steps in flight. x and B stored in bf16
// (In) are staged so, rows of 72 and 136 bf16, and both operands come from ldmatrix
// transposed (x's weights applied to the loaded pairs): half the bytes; and five stages
// (67 KB) with the registers held to 80 (102 otherwise), so that three blocks an SM run, 24
// warps, where ncu found the kernel latency-bound at 16 (cuda-notes v92, H100: 48.8 -> 42.0
// us a 4096-token chunk of the 1B).
template <bool Bf16, class In> struct StateTiles {
    static constexpr bool kHalfIn = sizeof(In) == 2;
    static constexpr int kStages = kHalfIn ? 5 : 3, kBlocksPerSm = kHalfIn ? 3 : 2;
    static constexpr int kXRow = Bf16 && !kHalfIn ? 68 : 72, kBRow = Bf16 && !kHalfIn ? 132 : 136;
    static constexpr int kStage = 32 * kXRow + 32 * kBRow; // elements of In: x, then B
    static constexpr std::size_t kSmem = sizeof(In) * kStages * kStage + sizeof(float) * L;
};

template <bool Bf16, class In>
__global__ void __launch_bounds__(256, StateTiles<Bf16, In>::kBlocksPerSm)
    ssdChunkStateAsyncKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    using Tiles = StateTiles<Bf16, In>;
    constexpr int XR = Tiles::kXRow, BR = Tiles::kBRow, kStage = Tiles::kStage;
    constexpr int kStateStages = Tiles::kStages;
    constexpr int kPiece = 16 / int(sizeof(In)); // elements one 16-byte copy moves
    static_assert(!Tiles::kHalfIn || Bf16, "bf16 inputs take the bf16 products");
    waitForPrevious();
    extern __shared__ __align__(16) float sm[];
    In* stages = reinterpret_cast<In*>(sm);
    float* wS = reinterpret_cast<float*>(stages + kStateStages * kStage);
    const In* Xg = static_cast<const In*>(a.x);
    const In* Bg = static_cast<const In*>(a.B);
    const int c = blockIdx.x, h = blockIdx.y;
    const int P = int(a.P), N = int(a.N);
    const int nTilesN = (N + 127) / 128;
    const int p0 = (blockIdx.z / nTilesN) * 64, n0 = (blockIdx.z % nTilesN) * 128;
    const int g = int(h / (a.H / a.G));
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, gid = lane >> 2, tig = lane & 3;
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    const std::int64_t rowsLeft = a.T - tc;
    constexpr int steps = L / 32;

    auto issue = [&](int i, int st) {
        In* xs = stages + st * kStage;
        In* bs = xs + 32 * XR;
        const int l0 = i * 32;
        constexpr int xPieces = 64 / kPiece, bPieces = 128 / kPiece; // a row's copies
#pragma unroll
        for (int q = 0; q < 32 * xPieces / 256; ++q) { // x: 32 rows x 64 p
            const int idx = tid + q * 256, r = idx / xPieces, k = (idx % xPieces) * kPiece;
            const bool ok = l0 + r < rowsLeft && p0 + k < P;
            cpAsync16(xs + r * XR + k,
                      ok ? Xg + (tc + l0 + r) * a.ldx + std::int64_t(h) * P + p0 + k : Xg, ok);
        }
#pragma unroll
        for (int q = 0; q < 32 * bPieces / 256; ++q) { // B: 32 rows x 128 n
            const int idx = tid + q * 256, r = idx / bPieces, k = (idx % bPieces) * kPiece;
            const bool ok = l0 + r < rowsLeft && n0 + k < N;
            cpAsync16(bs + r * BR + k,
                      ok ? Bg + (tc + l0 + r) * a.ldb + std::int64_t(g) * N + n0 + k : Bg, ok);
        }
        cpAsyncCommit();
    };
    static_assert(steps > kStateStages - 1, "the first stages' steps exist");
    // x's weights, a row a thread; their reads issued before the first copies, as the scan's.
    static_assert(L == 256, "a row of cum and dt a thread");
    const float* cumC = w.cum + (std::int64_t(c) * a.H + h) * L;
    const float* dtpC = w.dtp + (std::int64_t(c) * a.H + h) * L;
    const float cumLast = cumC[L - 1], cumRow = cumC[tid], dtpRow = dtpC[tid];
    for (int i = 0; i < kStateStages - 1; ++i)
        issue(i, i);
    wS[tid] = dtpRow * expf(cumLast - cumRow);

    const int wm = (warp & 3) * 16, wn = (warp >> 2) * 64;
    float acc[8][4] = {};
    for (int i = 0; i < steps; ++i) {
        cpAsyncPipelineStep<kStateStages>(i, steps, issue);
        const In* xs = stages + (i % kStateStages) * kStage;
        const In* bs = xs + 32 * XR;
        const int l0 = i * 32;
        if constexpr (Tiles::kHalfIn) {
            // Both tiles are [l][.] with l the products' k: A = x^T from matrices (p 0-7,
            // l 0-7), (p 8-15, l 0-7), (p 0-7, l 8-15), (p 8-15, l 8-15); B from (l 0-7,
            // block j), (l 8-15, j), (l 0-7, j + 1), (l 8-15, j + 1); lane: row lane % 8 of
            // matrix lane / 8.
            const int lr = lane & 7;
#pragma unroll
            for (int k = 0; k < 32; k += 16) {
                std::uint32_t af[4];
                ldmatrixX4Trans(af, xs + (k + (lane >> 4) * 8 + lr) * XR + wm + (lane & 8));
                const int r = l0 + k + 2 * tig; // this thread's rows r, r + 1, r + 8, r + 9
                af[0] = scaledBf16(af[0], wS[r], wS[r + 1]);
                af[1] = scaledBf16(af[1], wS[r], wS[r + 1]);
                af[2] = scaledBf16(af[2], wS[r + 8], wS[r + 9]);
                af[3] = scaledBf16(af[3], wS[r + 8], wS[r + 9]);
#pragma unroll
                for (int j = 0; j < 8; j += 2) {
                    std::uint32_t bf[4];
                    ldmatrixX4Trans(bf,
                                    bs + (k + (lane & 8) + lr) * BR + wn + (j + (lane >> 4)) * 8);
                    mmaBf16(acc[j], af, bf[0], bf[1]);
                    mmaBf16(acc[j + 1], af, bf[2], bf[3]);
                }
            }
        } else if constexpr (Bf16) {
#pragma unroll
            for (int k = 0; k < 32; k += 16) {
                const int r = k + 2 * tig; // this thread's rows r, r + 1, r + 8, r + 9
                const float w0 = wS[l0 + r], w1 = wS[l0 + r + 1], w8 = wS[l0 + r + 8],
                            w9 = wS[l0 + r + 9];
                const float* x0 = xs + r * XR + wm + gid;
                const std::uint32_t af[4] = {packBf16(x0[0] * w0, x0[XR] * w1),
                                             packBf16(x0[8] * w0, x0[XR + 8] * w1),
                                             packBf16(x0[8 * XR] * w8, x0[9 * XR] * w9),
                                             packBf16(x0[8 * XR + 8] * w8, x0[9 * XR + 8] * w9)};
#pragma unroll
                for (int j = 0; j < 8; ++j) {
                    const float* b = bs + r * BR + wn + j * 8 + gid;
                    mmaBf16(acc[j], af, packBf16(b[0], b[BR]), packBf16(b[8 * BR], b[9 * BR]));
                }
            }
        } else {
            mmaTf32Slice(
                acc, [&](int m, int k) { return toTf32(xs[k * XR + wm + m] * wS[l0 + k]); },
                [&](int k, int n) { return toTf32(bs[k * BR + wn + n]); });
        }
    }
    cpAsyncWait<0>();
    storeStateTile(w.S + (std::int64_t(c) * a.H + h) * P * N, acc, P, N, p0 + wm + gid, n0 + wn,
                   tig);
}

// Whether the cp.async forms (chunk states and chunk scan) serve these arguments: 16-byte
// aligned rows. The default (H100: 16K prefill 98.9K -> 103.6K tok/s); the register-staged
// forms serve the rest, and LONGVIEW_CUDA_SSD_SCAN=registers (read at each call) asks for them.
// `piece`: the elements of x, B and C in 16 bytes (4 f32, 8 bf16).
bool asyncScanApplies(const SsdArgs& a, int piece) {
    if (switchIs("LONGVIEW_CUDA_SSD_SCAN", "registers")) return false;
    auto aligned = [](const void* p) { return (reinterpret_cast<std::uintptr_t>(p) & 15) == 0; };
    return a.N % piece == 0 && a.P % piece == 0 && a.ldb % piece == 0 && a.ldc % piece == 0 &&
           a.ldx % piece == 0 && aligned(a.B) && aligned(a.C) && aligned(a.x);
}

// A bf16 checkpoint's chunk states and scan on bf16 operands (cuda-notes v83, H100: scan
// 626 -> 595 us, states 213 -> 188 us a layer at 16K; 1B prefill +2.3% at 1K, +1.8% at
// 128K); LONGVIEW_CUDA_SSD_SCAN=tf32 keeps TF32 for them, to compare.
bool bf16Operands(const SsdArgs& a) {
    return a.bf16Products && !switchIs("LONGVIEW_CUDA_SSD_SCAN", "tf32");
}

} // namespace

std::size_t ssdChunkedScratchBytes(const SsdArgs& a) {
    const std::int64_t nc = std::min<std::int64_t>(kChunksPerWindow, (a.T + L - 1) / L);
    // bf16 inputs: room for the bf16 previous states too (used unless a switch says no).
    const std::int64_t prevHalf = a.xbcBf16 ? (nc * a.H * a.P * a.N + 1) / 2 : 0;
    return sizeof(float) * std::size_t(nc * a.H * L * 2 + nc * a.H + nc * a.H * a.P * a.N +
                                       nc * a.G * L * L + prevHalf + 4);
}

namespace {

// The vector form of the state pass serves these arguments.
bool vectorStatePass(const SsdArgs& a) {
    return (a.P * a.N) % 4 == 0 && (reinterpret_cast<std::uintptr_t>(a.state) & 15) == 0;
}

// With bf16 x, B and C, the scratch the scan reads (CB and the previous states) in bf16 too,
// where the vector state pass serves and LONGVIEW_CUDA_SSD_SCRATCH_BF16 (read at each call) is
// not 0.
bool scratchBf16Applies(const SsdArgs& a) {
    return vectorStatePass(a) && !switchIs("LONGVIEW_CUDA_SSD_SCRATCH_BF16", "0");
}

// The state pass between the chunk states and the scan: the previous states in f32 in place,
// or in bf16 (halfPrev, vector form only).
void launchStatePass(const SsdArgs& a, int nc, const Scratch& w, bool halfPrev, cudaStream_t s) {
    if (halfPrev)
        launchKernel(ssdStatePassKernel<true>, ceilDiv(a.H * a.P * a.N / 4, 256), 256, 0, s,
                     "ssdStatePass", a, nc, w);
    else if (vectorStatePass(a))
        launchKernel(ssdStatePassKernel<false>, ceilDiv(a.H * a.P * a.N / 4, 256), 256, 0, s,
                     "ssdStatePass", a, nc, w);
    else
        launchKernel(ssdStatePassScalarKernel, ceilDiv(a.H * a.P * a.N, 256), 256, 0, s,
                     "ssdStatePassScalar", a, nc, w);
}

constexpr int kCbTiles = (L / 64) * (L / 64 + 1) / 2; // CB's 64 x 64 tiles on or below the diagonal

// One window through the cp.async kernels of one form: products on bf16 (Bf16) or TF32, x, B
// and C stored as In, CB and the previous states as Scr. Their chunk-state and scan kernels
// take more shared memory than the default 48 KB.
template <bool Bf16, class In, class Scr>
void launchAsyncWindow(const SsdArgs& a, std::int64_t t0, int nc, const Scratch& w,
                       cudaStream_t s) {
    allowDynamicSharedMemory(reinterpret_cast<const void*>(ssdChunkStateAsyncKernel<Bf16, In>),
                             int(StateTiles<Bf16, In>::kSmem), "ssd chunk state shared memory");
    // The all-bf16 form: compact tiles where the device's blocks cannot hold the others (or a
    // switch asks).
    auto scanKernel = ssdChunkScanWholeKernel<Bf16, In, Scr>;
    std::size_t scanSmem = ScanTiles<Bf16>::kSmem;
    if constexpr (sizeof(In) == 2 && sizeof(Scr) == 2) {
        if (int(scanSmem) > maxSharedPerBlock() || switchIs("LONGVIEW_CUDA_SSD_SCAN", "compact")) {
            scanKernel = ssdChunkScanWholeKernel<Bf16, In, Scr, true>;
            scanSmem = ScanTiles<Bf16, true>::kSmem;
        }
    }
    allowDynamicSharedMemory(reinterpret_cast<const void*>(scanKernel), int(scanSmem),
                             "ssd chunk scan shared memory");
    const unsigned pTiles = ceilDiv(a.P, 64), nTiles = ceilDiv(a.N, 128);
    bool statesDone = false;
    if constexpr (sizeof(In) == 2) { // Hopper's warpgroup form; =mma for the one below
        if (!switchIs("LONGVIEW_CUDA_SSD_STATES", "mma") && ssdStateWgmmaApplies(a)) {
            launchSsdStateWgmma(a, t0, nc, SsdStateScratch{w.cum, w.dtp, w.S}, s);
            statesDone = true;
        }
    }
    if (!statesDone)
        launchKernel(ssdChunkStateAsyncKernel<Bf16, In>, dim3(nc, unsigned(a.H), pTiles * nTiles),
                     256, StateTiles<Bf16, In>::kSmem, s, "ssdChunkStateAsync", a, t0, w);
    launchStatePass(a, nc, w, sizeof(Scr) == 2, s);
    bool cbTiles = false; // the 32 x 32 form takes bf16 C and B and writes bf16 CB
    if constexpr (sizeof(In) == 2 && sizeof(Scr) == 2)
        cbTiles = !switchIs("LONGVIEW_CUDA_SSD_CB", "64");
    if (cbTiles)
        launchKernel(ssdChunkCbTileKernel, dim3(nc, unsigned(a.G), kCbTilesSmall), 64, 0, s,
                     "ssdChunkCbTile", a, t0, w);
    else
        launchKernel(ssdChunkCbKernel<In, Scr>, dim3(nc, unsigned(a.G), kCbTiles), 128, 0, s,
                     "ssdChunkCb", a, t0, w);
    // Hopper's warpgroup form where it applies, unless the compact tiles were chosen (a GPU
    // with 99 KB a block, the limit that emulates one, or the switch);
    // LONGVIEW_CUDA_SSD_SCAN=mma asks for the mma.sync form the other GPUs run.
    if constexpr (sizeof(In) == 2 && sizeof(Scr) == 2) {
        if (scanSmem == ScanTiles<Bf16>::kSmem && !switchIs("LONGVIEW_CUDA_SSD_SCAN", "mma") &&
            ssdScanWgmmaApplies(a)) {
            launchSsdScanWgmma(a, t0, nc, SsdScanScratch{w.cum, w.dtp, w.CB, w.Sprev}, s);
            return;
        }
    }
    launchKernel(scanKernel, dim3(nc, unsigned(a.H), pTiles), 256, scanSmem, s, "ssdChunkScanWhole",
                 a, t0, w);
}

} // namespace

// The bf16 x, B and C with f32 scratch take the scan's full reservation (104 KB): a GPU whose
// blocks cannot hold it (99 KB) gets them widened to f32, for the TF32 form.
bool ssdChunkedReadsBf16(const SsdArgs& a) {
    return bf16Operands(a) && asyncScanApplies(a, 8) &&
           (scratchBf16Applies(a) || int(ScanTiles<true>::kSmem) <= maxSharedPerBlock());
}

void launchSsdChunked(const SsdArgs& a, void* scratch, cudaStream_t s) {
    if (a.T == 0 || a.H == 0 || a.P == 0) return;
    if (a.xbcBf16 && !ssdChunkedReadsBf16(a))
        throw std::logic_error(
            "ssdScan: bf16 x, B and C need the bf16 chunk kernels (the caller widens "
            "them for every other form)");
    const std::int64_t ncMax = std::min<std::int64_t>(kChunksPerWindow, (a.T + L - 1) / L);
    Scratch w{};
    w.dtp = static_cast<float*>(scratch);
    w.cum = w.dtp + ncMax * a.H * L;
    w.S = w.cum + ncMax * a.H * L;
    w.decay = w.S + ncMax * a.H * a.P * a.N; // after S, so that S stays 16-byte aligned
    w.CB = w.decay + ((ncMax * a.H + 3) & ~std::int64_t(3));
    w.Sprev = reinterpret_cast<__nv_bfloat16*>(w.CB + ncMax * a.G * L * L); // bf16 inputs only
    // S (the previous states the scan reads) starts 16-byte aligned: see the layout above.
    const bool async = a.xbcBf16 || asyncScanApplies(a, 4);
    const bool halfScratch = a.xbcBf16 && scratchBf16Applies(a);
    for (std::int64_t t0 = 0; t0 < a.T; t0 += std::int64_t(kChunksPerWindow) * L) {
        const int nc = int(std::min<std::int64_t>(kChunksPerWindow, (a.T - t0 + L - 1) / L));
        launchKernel(ssdPrepKernel, dim3(nc, unsigned(a.H)), L, 0, s, "ssdPrep", a, t0, w);
        if (halfScratch)
            launchAsyncWindow<true, __nv_bfloat16, __nv_bfloat16>(a, t0, nc, w, s);
        else if (a.xbcBf16)
            launchAsyncWindow<true, __nv_bfloat16, float>(a, t0, nc, w, s);
        // bf16 products on f32 copies take the f32 reservation: TF32 where blocks cannot hold it
        else if (async && bf16Operands(a) && int(ScanTiles<true>::kSmem) <= maxSharedPerBlock())
            launchAsyncWindow<true, float, float>(a, t0, nc, w, s);
        else if (async)
            launchAsyncWindow<false, float, float>(a, t0, nc, w, s);
        else { // the register-staged forms
            const unsigned pTiles = ceilDiv(a.P, 64), nTiles = ceilDiv(a.N, 128);
            launchKernel(ssdChunkStateKernel, dim3(nc, unsigned(a.H), pTiles * nTiles), 256, 0, s,
                         "ssdChunkState", a, t0, w);
            launchStatePass(a, nc, w, false, s);
            launchKernel(ssdChunkCbKernel<float, float>, dim3(nc, unsigned(a.G), kCbTiles), 128, 0,
                         s, "ssdChunkCb", a, t0, w);
            launchKernel(ssdChunkScanKernel, dim3(nc, unsigned(a.H), (L / 64) * pTiles), 128, 0, s,
                         "ssdChunkScan", a, t0, w);
        }
    }
}

} // namespace lv::cuda
