// Mamba2 SSD, the chunked form for prefill (the state-space duality of Dao & Gu, 2024):
// the sequence is cut into chunks of L = 256 tokens, and per window of up to 64 chunks
//   1. prep:  dt' = clamp(softplus(dt + bias)) and the inclusive cumsum of dt' A per chunk;
//   2. state: each chunk's own end state S_c = sum_s x_s dt'_s exp(cum_L - cum_s) B_s^T;
//   3. pass:  the running state across chunks, in place: S_c <- state before chunk c;
//   4. CB:    C B^T per chunk and group (shared by the heads of a group);
//   5. scan:  y_l = exp(cum_l) C_l . S_prev + sum_{s <= l} (C_l . B_s) exp(cum_l - cum_s) dt'_s x_s
//             + D x_l.
// Steps 2, 4 and 5 are matrix products on the TF32 tensor cores (float32 in memory).
// The result equals the recurrent form up to rounding for any chunk length, so the
// interface's chunkSize is not needed here.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/MmaTf32.cuh"

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr int L = 256;               // chunk length
constexpr int kChunksPerWindow = 64; // bounds the scratch: 64 chunk states per window

struct Scratch {
    float* dtp; // [nc, H, L]
    float* cum; // [nc, H, L]
    float* S;   // [nc, H, P, N]
    float* CB;  // [nc, G, L, L]
};

__global__ void __launch_bounds__(L) ssdPrepKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    __shared__ float warpSums[L / 32];
    const int c = blockIdx.x, h = blockIdx.y, l = threadIdx.x;
    const int lane = l & 31, warp = l >> 5;
    const std::int64_t t = t0 + std::int64_t(c) * L + l;
    float d = 0.0f;
    if (t < a.T) {
        d = softplusf(a.dt[t * a.lddt + h] + a.dtBias[h]);
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
}

// S[c, h, p, n] for a 64 (p) x 128 (n) tile; 8 warps of 16 x 64.
__global__ void __launch_bounds__(256) ssdChunkStateKernel(SsdArgs a, std::int64_t t0, Scratch w) {
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
    for (int l0 = 0; l0 < L; l0 += 32) {
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const int idx = tid + i * 256, r = idx >> 6, col = idx & 63;
            const std::int64_t t = tc + l0 + r;
            const int p = p0 + col;
            const float v =
                (t < a.T && p < P) ? a.x[t * a.ldx + std::int64_t(h) * P + p] * wS[l0 + r] : 0.0f;
            Xs[r][col] = toTf32(v);
        }
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            const int idx = tid + i * 256, r = idx >> 7, col = idx & 127;
            const std::int64_t t = tc + l0 + r;
            const int n = n0 + col;
            const float v = (t < a.T && n < N) ? a.B[t * a.ldb + std::int64_t(g) * N + n] : 0.0f;
            Bs[r][col] = toTf32(v);
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < 32; k += 8) {
            const float af[4] = {Xs[k + tig][wm + gid], Xs[k + tig][wm + gid + 8],
                                 Xs[k + tig + 4][wm + gid], Xs[k + tig + 4][wm + gid + 8]};
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const float bf[2] = {Bs[k + tig][wn + j * 8 + gid],
                                     Bs[k + tig + 4][wn + j * 8 + gid]};
                mmaTf32(acc[j], af, bf);
            }
        }
    }
    float* Sc = w.S + (std::int64_t(c) * a.H + h) * P * N;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
        const int n = n0 + wn + j * 8 + 2 * tig;
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int p = p0 + wm + gid + half * 8;
            if (p >= P) continue;
            if (n < N) Sc[std::int64_t(p) * N + n] = acc[j][2 * half];
            if (n + 1 < N) Sc[std::int64_t(p) * N + n + 1] = acc[j][2 * half + 1];
        }
    }
}

// In place over the chunks: S[c] becomes the state before chunk c; the final state goes
// back to a.state.
__global__ void ssdStatePassKernel(SsdArgs a, int nc, Scratch w) {
    const std::int64_t total = a.H * a.P * a.N;
    const std::int64_t e = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= total) return;
    const std::int64_t h = e / (a.P * a.N);
    float run = a.state[e];
    for (int c = 0; c < nc; ++c) {
        const std::int64_t idx = std::int64_t(c) * total + e;
        const float own = w.S[idx];
        w.S[idx] = run;
        run = run * expf(w.cum[(std::int64_t(c) * a.H + h) * L + L - 1]) + own;
    }
    a.state[e] = run;
}

// CB[c, g, l, s] = C_l . B_s for one 64 x 64 tile on or below the diagonal.
__global__ void __launch_bounds__(128) ssdChunkCbKernel(SsdArgs a, std::int64_t t0, Scratch w) {
    __shared__ float Cs[64][36];
    __shared__ float Bs[64][36];
    const int c = blockIdx.x, g = blockIdx.y;
    int lt = 0;
    while ((lt + 1) * (lt + 2) / 2 <= int(blockIdx.z))
        ++lt;
    const int st = int(blockIdx.z) - lt * (lt + 1) / 2;
    const int N = int(a.N);
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, gid = lane >> 2, tig = lane & 3;
    const int wm = warp * 16;
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    float acc[8][4] = {};
    for (int n0 = 0; n0 < N; n0 += 32) {
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            const int idx = tid + i * 128, r = idx >> 5, k = idx & 31;
            const int n = n0 + k;
            const std::int64_t tl = tc + lt * 64 + r, ts = tc + st * 64 + r;
            Cs[r][k] =
                toTf32((tl < a.T && n < N) ? a.C[tl * a.ldc + std::int64_t(g) * N + n] : 0.0f);
            Bs[r][k] =
                toTf32((ts < a.T && n < N) ? a.B[ts * a.ldb + std::int64_t(g) * N + n] : 0.0f);
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < 32; k += 8) {
            const float af[4] = {Cs[wm + gid][k + tig], Cs[wm + gid + 8][k + tig],
                                 Cs[wm + gid][k + tig + 4], Cs[wm + gid + 8][k + tig + 4]};
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const float bf[2] = {Bs[j * 8 + gid][k + tig], Bs[j * 8 + gid][k + tig + 4]};
                mmaTf32(acc[j], af, bf);
            }
        }
    }
    float* CBc = w.CB + (std::int64_t(c) * a.G + g) * L * L;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
        const int s = st * 64 + j * 8 + 2 * tig;
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int l = lt * 64 + wm + gid + half * 8;
            *reinterpret_cast<float2*>(CBc + std::int64_t(l) * L + s) =
                make_float2(acc[j][2 * half], acc[j][2 * half + 1]);
        }
    }
}

// y for 64 rows (l) x 64 head dims (p) of one chunk and head; 4 warps of 16 x 64.
__global__ void __launch_bounds__(128) ssdChunkScanKernel(SsdArgs a, std::int64_t t0, Scratch w) {
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

    // Part A: C_l . S_prev^T over n.
    const float* prev = w.S + chunkHead * P * N;
    for (int n0 = 0; n0 < N; n0 += 32) {
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            const int idx = tid + i * 128, r = idx >> 5, k = idx & 31;
            const int n = n0 + k;
            const std::int64_t t = tc + l0 + r;
            As[r][k] = toTf32((t < a.T && n < N) ? a.C[t * a.ldc + std::int64_t(g) * N + n] : 0.0f);
            const int p = p0 + r;
            Ps[r][k] = toTf32((p < P && n < N) ? prev[std::int64_t(p) * N + n] : 0.0f);
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < 32; k += 8) {
            const float af[4] = {As[wm + gid][k + tig], As[wm + gid + 8][k + tig],
                                 As[wm + gid][k + tig + 4], As[wm + gid + 8][k + tig + 4]};
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const float bf[2] = {Ps[j * 8 + gid][k + tig], Ps[j * 8 + gid][k + tig + 4]};
                mmaTf32(acc[j], af, bf);
            }
        }
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

    // Part B: the causal, decay-weighted CB tile times x, over s <= l.
    const float* CBc = w.CB + (std::int64_t(c) * a.G + g) * L * L;
    for (int s0 = 0; s0 < l0 + 64; s0 += 32) {
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            const int idx = tid + i * 128, r = idx >> 5, k = idx & 31;
            const int l = l0 + r, s = s0 + k;
            As[r][k] = toTf32(
                s <= l ? CBc[std::int64_t(l) * L + s] * expf(cumS[l] - cumS[s]) * dtpS[s] : 0.0f);
        }
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            const int idx = tid + i * 128, r = idx >> 6, col = idx & 63;
            const std::int64_t t = tc + s0 + r;
            const int p = p0 + col;
            Xs[r][col] =
                toTf32((t < a.T && p < P) ? a.x[t * a.ldx + std::int64_t(h) * P + p] : 0.0f);
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < 32; k += 8) {
            const float af[4] = {As[wm + gid][k + tig], As[wm + gid + 8][k + tig],
                                 As[wm + gid][k + tig + 4], As[wm + gid + 8][k + tig + 4]};
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const float bf[2] = {Xs[k + tig][j * 8 + gid], Xs[k + tig + 4][j * 8 + gid]};
                mmaTf32(acc[j], af, bf);
            }
        }
    }

    const float Dh = a.D[h];
#pragma unroll
    for (int half = 0; half < 2; ++half) {
        const std::int64_t t = tc + l0 + wm + gid + half * 8;
        if (t >= a.T) continue;
        const float* xr = a.x + t * a.ldx + std::int64_t(h) * P;
        float* yr = a.y + t * a.ldy + std::int64_t(h) * P;
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            const int p = p0 + j * 8 + 2 * tig;
            if (p < P) yr[p] = acc[j][2 * half] + Dh * xr[p];
            if (p + 1 < P) yr[p + 1] = acc[j][2 * half + 1] + Dh * xr[p + 1];
        }
    }
}

} // namespace

std::size_t ssdChunkedScratchBytes(const SsdArgs& a) {
    const std::int64_t nc = std::min<std::int64_t>(kChunksPerWindow, (a.T + L - 1) / L);
    return sizeof(float) * std::size_t(nc * a.H * L * 2 + nc * a.H * a.P * a.N + nc * a.G * L * L);
}

void launchSsdChunked(const SsdArgs& a, void* scratch, cudaStream_t s) {
    if (a.T == 0 || a.H == 0 || a.P == 0) return;
    const std::int64_t ncMax = std::min<std::int64_t>(kChunksPerWindow, (a.T + L - 1) / L);
    Scratch w{};
    w.dtp = static_cast<float*>(scratch);
    w.cum = w.dtp + ncMax * a.H * L;
    w.S = w.cum + ncMax * a.H * L;
    w.CB = w.S + ncMax * a.H * a.P * a.N;
    const unsigned pTiles = ceilDiv(a.P, 64), nTiles = ceilDiv(a.N, 128);
    for (std::int64_t t0 = 0; t0 < a.T; t0 += std::int64_t(kChunksPerWindow) * L) {
        const int nc = int(std::min<std::int64_t>(kChunksPerWindow, (a.T - t0 + L - 1) / L));
        ssdPrepKernel<<<dim3(nc, unsigned(a.H)), L, 0, s>>>(a, t0, w);
        checkLaunch("ssdPrep");
        ssdChunkStateKernel<<<dim3(nc, unsigned(a.H), pTiles * nTiles), 256, 0, s>>>(a, t0, w);
        checkLaunch("ssdChunkState");
        ssdStatePassKernel<<<ceilDiv(a.H * a.P * a.N, 256), 256, 0, s>>>(a, nc, w);
        checkLaunch("ssdStatePass");
        constexpr int tiles = L / 64;
        ssdChunkCbKernel<<<dim3(nc, unsigned(a.G), tiles * (tiles + 1) / 2), 128, 0, s>>>(a, t0, w);
        checkLaunch("ssdChunkCb");
        ssdChunkScanKernel<<<dim3(nc, unsigned(a.H), tiles * pTiles), 128, 0, s>>>(a, t0, w);
        checkLaunch("ssdChunkScan");
    }
}

} // namespace lv::cuda
