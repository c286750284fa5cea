// The Mamba2 SSD's whole-chunk scan on Hopper's warpgroup products (wgmma, sm_90a), for the
// all-bf16 form (x, B, C, CB and the previous states in bf16, y in bf16) with P = 64 and
// N = 128 (Granite 4.0-H). The default on compute capability 9.0 (67 us a layer against the
// mma.sync form's 85 for a 4096-token chunk; LONGVIEW_CUDA_SSD_SCAN=mma asks for that form).
//
// The mma.sync form (SsdChunked.cu) waits on its own instruction stream at 16 warps an SM:
// every 16 x 64 piece of a k-step is a fragment load and eight m16n8k16 products a warp, and
// SASS stall sampling put a quarter of its loop's instructions in address arithmetic. Here a
// warpgroup multiplies 64 rows at a time, the B operands (the previous states in part A, x in
// part B) read by the tensor cores from 128-byte swizzled shared memory; part A's C as well;
// part B's decay-weighted CB goes in as A fragments from registers (ldmatrix, then the weights
// as the mma.sync form applies them).
//
// Block (chunk, head, pair of 64-row blocks: {0, 3} or {1, 2}, so that both pairs have the
// same causal part B work), one warpgroup of 128 threads, three blocks an SM. Steps: part A's
// two n-slices of 64 (C rows of both row blocks, the previous states), then part B's s-blocks
// of 64 up to the pair's last row block (CB rows of both row blocks, x rows), in three
// cp.async stages; each step's products are waited out before the next step's barrier.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/MmaBf16.cuh"
#include "backend/cuda/sm90a/Wgmma.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>

namespace lv::cuda {
namespace {
using namespace sm90a;

constexpr int L = 256;                 // chunk length (SsdChunked.cu's)
constexpr int kP = 64, kN = 128;       // the head dims and state size this form takes
constexpr int kStages = 3;             // two steps in flight while one is computed
constexpr int kTile = 64 * 128;        // bytes of a 64-row tile of 64 bf16 columns
constexpr int kStageBytes = 3 * kTile; // two row blocks' C or CB, one S_prev or x tile
constexpr int kSmem = kStages * kStageBytes + 2 * L * int(sizeof(float)) + 1024;

__global__ void __launch_bounds__(128, 3)
    ssdScanWgmmaKernel(SsdArgs a, std::int64_t t0, SsdScanScratch w) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    waitForPrevious();
    const int c = int(blockIdx.x), h = int(blockIdx.y), pair = int(blockIdx.z);
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    const int rowsLeft = int(std::min<std::int64_t>(a.T - tc, L));
    const int rb[2] = {pair, 3 - pair}; // the pair's row blocks, rb[0] < rb[1]
    const bool live[2] = {64 * rb[0] < rowsLeft, 64 * rb[1] < rowsLeft};
    if (!live[0]) return; // every row of the pair past the chunk's end (uniform in the block)

    extern __shared__ unsigned char smemRaw[];
    const std::uint32_t raw = sharedAddress(smemRaw);
    unsigned char* base = smemRaw + (((raw + 1023) & ~1023u) - raw);
    float* cumS = reinterpret_cast<float*>(base + kStages * kStageBytes);
    float* dtS = cumS + L;
    const int tid = int(threadIdx.x), warp = tid >> 5, lane = tid & 31, gid = lane >> 2,
              tig = lane & 3;
    const int g = int(h / (a.H / a.G));
    const std::int64_t chunkHead = std::int64_t(c) * a.H + h;
    const int nA = kN / 64;
    const int nB = (live[1] ? rb[1] : rb[0]) + 1; // s-blocks up to the last live row block
    const int steps = nA + nB;
    const auto* Cg = static_cast<const __nv_bfloat16*>(a.C);
    const auto* Xg = static_cast<const __nv_bfloat16*>(a.x);
    const auto* CBc = static_cast<const __nv_bfloat16*>(w.CB) + (std::int64_t(c) * a.G + g) * L * L;
    const auto* prevH = static_cast<const __nv_bfloat16*>(w.Sprev) + chunkHead * kP * kN;

    // Step i's tiles into stage st: part A, C rows of both row blocks and S_prev (p rows) by
    // 64 n; part B, CB rows of the row blocks still below the s-block, and x rows by 64 p.
    auto issue = [&](int i, int st) {
        unsigned char* stage = base + st * kStageBytes;
        if (i < nA) {
            const int n0 = i * 64;
#pragma unroll
            for (int q = 0; q < 8; ++q) {
                const int j = q >> 2, r = (tid >> 3) + 16 * (q & 3), ch = tid & 7; // 128 threads
                const int l = 64 * rb[j] + r;
                const bool ok = l < rowsLeft;
                cpAsync16(stage + j * kTile + swizzledOffset(64, r, ch),
                          ok ? Cg + (tc + l) * a.ldc + std::int64_t(g) * kN + n0 + ch * 8 : Cg, ok);
            }
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                const int idx = tid + q * 128, r = idx >> 3, ch = idx & 7;
                cpAsync16(stage + 2 * kTile + swizzledOffset(64, r, ch),
                          prevH + r * kN + n0 + ch * 8, true);
            }
        } else {
            const int sb = i - nA, s0 = 64 * sb;
#pragma unroll
            for (int q = 0; q < 8; ++q) {
                const int j = q >> 2, r = (tid >> 3) + 16 * (q & 3), ch = tid & 7; // 128 threads
                if (rb[j] < sb || !live[j]) continue; // no rows of that block at or below it
                cpAsync16(stage + j * kTile + swizzledOffset(64, r, ch),
                          CBc + std::int64_t(64 * rb[j] + r) * L + s0 + ch * 8, true);
            }
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                const int idx = tid + q * 128, r = idx >> 3, ch = idx & 7;
                const bool ok = s0 + r < rowsLeft;
                cpAsync16(stage + 2 * kTile + swizzledOffset(64, r, ch),
                          ok ? Xg + (tc + s0 + r) * a.ldx + std::int64_t(h) * kP + ch * 8 : Xg, ok);
            }
        }
        cpAsyncCommit();
    };
    // cum (in log2 units: each decay weight is one ex2.approx) and dt, two rows a thread, read
    // before the first copies are issued.
    const float cum0 = w.cum[chunkHead * L + tid], cum1 = w.cum[chunkHead * L + tid + 128];
    const float dt0 = w.dtp[chunkHead * L + tid], dt1 = w.dtp[chunkHead * L + tid + 128];
    const float Dh = a.D[h];
    issue(0, 0);
    issue(1, 1); // steps >= nA + 1 = 3
    constexpr float kLog2e = 1.4426950408889634f;
    cumS[tid] = cum0 * kLog2e;
    cumS[tid + 128] = cum1 * kLog2e;
    dtS[tid] = dt0;
    dtS[tid + 128] = dt1;

    // Accumulators of the two row blocks: element 4 jj + e is row 16 warp + gid + 8 (e / 2),
    // column 8 jj + 2 tig + e % 2 of the block (wgmma's layout, per warp as mma.sync's).
    float acc[2][32];
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
        for (int e = 0; e < 32; ++e)
            acc[j][e] = 0.0f;

    for (int i = 0; i < steps; ++i) {
        cpAsyncWait<1>();
        fenceSharedForAsyncProxy(); // this thread's copies, for the tensor cores' reads
        __syncthreads();            // every copy of step i landed; step i - 1's products waited out
        if (i + 2 < steps)
            issue(i + 2, (i + 2) % kStages);
        else
            cpAsyncCommit();
        unsigned char* stage = base + (i % kStages) * kStageBytes;
        const std::uint32_t sAddr = sharedAddress(stage);
        if (i < nA) { // C_l . S_prev^T over this slice of n
            fenceRegisters(acc[0]);
            fenceRegisters(acc[1]);
            wgmmaFence();
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                if (!live[j]) continue;
#pragma unroll
                for (int kk = 0; kk < 4; ++kk)
                    wgmmaM64N64SSBf16(acc[j], descriptor(sAddr + j * kTile + kk * 32, 16, 1024),
                                      descriptor(sAddr + 2 * kTile + kk * 32, 16, 1024));
            }
            wgmmaCommit();
            wgmmaWait<0>();
            fenceRegisters(acc[0]);
            fenceRegisters(acc[1]);
            if (i == nA - 1) { // rows scaled by the decay from the chunk's start
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    const int l = 64 * rb[j] + 16 * warp + gid;
                    const float e0 = exp2Approx(cumS[l]), e1 = exp2Approx(cumS[l + 8]);
#pragma unroll
                    for (int jj = 0; jj < 8; ++jj) {
                        acc[j][4 * jj] *= e0;
                        acc[j][4 * jj + 1] *= e0;
                        acc[j][4 * jj + 2] *= e1;
                        acc[j][4 * jj + 3] *= e1;
                    }
                }
            }
            continue;
        }
        // Part B: the causal, decay-weighted CB rows times x over this s-block.
        const int sb = i - nA, s0 = 64 * sb;
        bool active[2];
        std::uint32_t af[2][4][4];
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            active[j] = live[j] && rb[j] >= sb;
            if (!active[j]) continue;
            const int la = 64 * rb[j] + 16 * warp + gid; // this thread's rows la, la + 8
            const float cl[2] = {cumS[la], cumS[la + 8]};
#pragma unroll
            for (int kk = 0; kk < 4; ++kk) {
                // Rows 16 warp .. + 15 of the tile, columns 16 kk .. + 15: matrices (rows 0-7,
                // k 0-7), (8-15, 0-7), (0-7, 8-15), (8-15, 8-15); lane: row lane % 8 of
                // matrix lane / 8.
                std::uint32_t rawCb[4];
                ldmatrixX4(rawCb, stage + j * kTile +
                                      swizzledOffset(64, 16 * warp + (lane & 7) + (lane & 8),
                                                     2 * kk + (lane >> 4)));
                const int s = s0 + 16 * kk + 2 * tig; // columns s, s + 1 (a0, a1), s + 8, s + 9
#pragma unroll
                for (int m = 0; m < 4; ++m) {
                    const int half = m & 1, sm = s + (m >> 1) * 8, l = la + 8 * half;
                    const float2 cb =
                        __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&rawCb[m]));
                    const float v0 =
                        sm <= l ? cb.x * exp2Approx(cl[half] - cumS[sm]) * dtS[sm] : 0.0f;
                    const float v1 = sm + 1 <= l
                                         ? cb.y * exp2Approx(cl[half] - cumS[sm + 1]) * dtS[sm + 1]
                                         : 0.0f;
                    af[j][kk][m] = packBf16(v0, v1);
                }
            }
        }
        fenceRegisters(acc[0]);
        fenceRegisters(acc[1]);
        wgmmaFence();
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            if (!active[j]) continue;
#pragma unroll
            for (int kk = 0; kk < 4; ++kk)
                wgmmaM64N64RSBf16(acc[j], af[j][kk],
                                  descriptor(sAddr + 2 * kTile + kk * 16 * 128, kTile, 1024));
        }
        wgmmaCommit();
        wgmmaWait<0>();
        fenceRegisters(acc[0]);
        fenceRegisters(acc[1]);
        fenceRegisters(af[0]);
        fenceRegisters(af[1]);
        // D x for the row block whose diagonal (and last) block this is, from the staged x.
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            if (!live[j] || rb[j] != sb) continue;
#pragma unroll
            for (int half = 0; half < 2; ++half) {
                const int r = 16 * warp + gid + 8 * half; // x's row of this thread's row
#pragma unroll
                for (int jj = 0; jj < 8; ++jj) {
                    const float2 xv = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(
                        stage + 2 * kTile + swizzledOffset(64, r, jj) + 4 * tig));
                    acc[j][4 * jj + 2 * half] += Dh * xv.x;
                    acc[j][4 * jj + 2 * half + 1] += Dh * xv.y;
                }
            }
        }
    }
    cpAsyncWait<0>();

    auto* Y = static_cast<__nv_bfloat16*>(a.y);
#pragma unroll
    for (int j = 0; j < 2; ++j) {
        if (!live[j]) continue;
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int l = 64 * rb[j] + 16 * warp + gid + 8 * half;
            if (l >= rowsLeft) continue;
            __nv_bfloat16* y = Y + (tc + l) * a.ldy + std::int64_t(h) * kP + 2 * tig;
#pragma unroll
            for (int jj = 0; jj < 8; ++jj)
                *reinterpret_cast<__nv_bfloat162*>(y + 8 * jj) =
                    __floats2bfloat162_rn(acc[j][4 * jj + 2 * half], acc[j][4 * jj + 2 * half + 1]);
        }
    }
#else
    __trap(); // built for sm_90a only; the host never launches it elsewhere
#endif
}

} // namespace

bool ssdScanWgmmaApplies(const SsdArgs& a) {
    static const bool available =
        hopperKernelRuns(reinterpret_cast<const void*>(ssdScanWgmmaKernel));
    return a.P == kP && a.N == kN && a.xbcBf16 && a.yBf16 && a.bf16Products && (a.ldy & 1) == 0 &&
           available;
}

void launchSsdScanWgmma(const SsdArgs& a, std::int64_t t0, int nc, const SsdScanScratch& w,
                        cudaStream_t s) {
    allowDynamicSharedMemory(reinterpret_cast<const void*>(ssdScanWgmmaKernel), kSmem,
                             "ssd chunk scan (wgmma) shared memory");
    launchKernel(ssdScanWgmmaKernel, dim3(unsigned(nc), unsigned(a.H), 2), 128, kSmem, s,
                 "ssdScanWgmma", a, t0, w);
}

} // namespace lv::cuda
