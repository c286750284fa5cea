// The grouped mixture of experts' tiles (Moe.cu) on Hopper's warpgroup products (wgmma,
// sm_90a): LONGVIEW_CUDA_MOE=wgmma since the warp-specialized tiles (MoeTilesWarpSpecialized.cu,
// v112) replaced them as the default there; LONGVIEW_CUDA_MOE=mma for the mma.sync tiles every
// other GPU runs.
//
// The mma.sync tiles reached ~170 TFLOP/s on an H100 (their operands through registers by
// ldmatrix). Here a block of two warpgroups takes the same tile of 128 slots; each
// warpgroup's 64 rows multiply straight out of shared memory, A (the slots' rows) and B (the
// expert's rows) both K-major in 128-byte swizzled tiles, 64 of K a stage, copied in by
// cp.async three stages deep. Gate-up takes 64 gate and the matching 64 up rows as one B of
// 128, so each thread holds a column's gate and up in the same accumulator registers
// (columns c and c + 64) and applies swiglu there; down takes 128 rows of the expert's down.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/ExpertTile.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/sm90a/Wgmma.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lv::cuda {
namespace {
using namespace sm90a;

constexpr int kRows = kExpertTileRows;                 // slots a tile: two warpgroups of 64
constexpr int kBRows = 128;                            // B rows a tile (gate-up: 64 + 64)
constexpr int kK = 64;                                 // K a stage: one swizzled column block
constexpr int kStages = 3;                             // cp.async stages
constexpr int kThreads = 256;                          // two warpgroups
constexpr int kTileBytes = 128 * kK * 2;               // 128 rows of 128 bytes
constexpr int kPieces = kK / 8;                        // 16-byte pieces a row a stage
constexpr int kSmem = kStages * 2 * kTileBytes + 1024; // A and B stages, 1024-byte aligned

template <bool GATED> __global__ void __launch_bounds__(kThreads) moeTileWgmmaKernel(MoeArgs a) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    extern __shared__ unsigned char smemRaw[];
    waitForPrevious();
    const int tile = int(blockIdx.y);
    if (tile >= *a.tileCount) return;
    const std::uint32_t raw = sharedAddress(smemRaw);
    unsigned char* As = smemRaw + (((raw + 1023) & ~1023u) - raw); // [kStages] tiles
    unsigned char* Bs = As + kStages * kTileBytes;
    const std::uint32_t aAddr = sharedAddress(As), bAddr = sharedAddress(Bs);

    const ExpertTile<GATED> t(a, tile);
    const int H = t.H, F = t.F, K = t.K, N = t.N, row0 = t.row0, rowEnd = t.rowEnd;
    const __nv_bfloat16* w = t.w;
    const int cols = GATED ? kBRows / 2 : kBRows; // output columns a tile
    const int n0 = int(blockIdx.x) * cols;

    // The pieces a thread copies a stage: piece tid % 8 of rows tid / 8 + 32 i of A and B.
    const int tid = int(threadIdx.x), cr = tid / kPieces, cc = tid % kPieces;
    const __nv_bfloat16* aRow[kRows / 32];
    const __nv_bfloat16* bRow[kBRows / 32];
#pragma unroll
    for (int i = 0; i < kRows / 32; ++i)
        aRow[i] = t.aRow(a, row0 + cr + 32 * i);
#pragma unroll
    for (int i = 0; i < kBRows / 32; ++i) {
        const int r = cr + 32 * i;
        int n; // the expert's row behind B row r
        if constexpr (GATED)
            n = r < 64 ? n0 + r : F + n0 + (r - 64);
        else
            n = n0 + r;
        const bool ok = GATED ? n0 + (r & 63) < F : n < N;
        bRow[i] = ok ? w + std::int64_t(n) * K : nullptr;
    }
    const int steps = (K + kK - 1) / kK;
    auto load = [&](int stage, int step) {
        const int k = step * kK + cc * 8;
        const bool inK = k < K;
#pragma unroll
        for (int i = 0; i < kRows / 32; ++i) {
            const std::uint32_t to = stage * kTileBytes + swizzledOffset(kRows, cr + 32 * i, cc);
            cpAsync16(As + to, aRow[i] && inK ? aRow[i] + k : a.xb, aRow[i] && inK);
        }
#pragma unroll
        for (int i = 0; i < kBRows / 32; ++i) {
            const std::uint32_t to = stage * kTileBytes + swizzledOffset(kBRows, cr + 32 * i, cc);
            cpAsync16(Bs + to, bRow[i] && inK ? bRow[i] + k : w, bRow[i] && inK);
        }
    };

    const int wg = tid >> 7;
    float d[64];
#pragma unroll
    for (int i = 0; i < 64; ++i)
        d[i] = 0.0f;
#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
        if (s < steps) load(s, s);
        cpAsyncCommit();
    }
    for (int step = 0; step < steps; ++step) {
        cpAsyncWait<kStages - 2>();
        fenceSharedForAsyncProxy(); // this thread's copies, for the tensor cores' reads
        __syncthreads(); // the stage is in; every product of the stage refilled next is done
        const int next = step + kStages - 1;
        if (next < steps) load(next % kStages, next);
        cpAsyncCommit();
        const int st = step % kStages;
        fenceRegisters(d);
        wgmmaFence();
#pragma unroll
        for (int ks = 0; ks < kK / 16; ++ks) // within a column block the start moves 32 bytes
            wgmmaM64N128SSBf16(
                d, descriptor(aAddr + st * kTileBytes + wg * 64 * 128 + ks * 32, 16, 1024),
                descriptor(bAddr + st * kTileBytes + ks * 32, 16, 1024), true);
        wgmmaCommit();
        wgmmaWait<0>();
        fenceRegisters(d);
    }
    cpAsyncWait<0>();

    // Element 4 j + e of d: row gid + 8 (e / 2) of the warp's 16, column 8 j + 2 tig + e % 2.
    const int lane = tid & 31, warp = (tid >> 5) & 3, gid = lane >> 2, tig = lane & 3;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
        const int p = row0 + wg * 64 + warp * 16 + gid + 8 * half;
        if (p >= rowEnd) continue;
        if constexpr (GATED) {
            __nv_bfloat16* dst = a.act + std::int64_t(p) * F;
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const int n = n0 + 8 * j + 2 * tig; // F % 8 == 0: n and n + 1 both in or out
                if (n >= F) continue;
                const float g0 = d[4 * j + 2 * half], g1 = d[4 * j + 2 * half + 1];
                const float u0 = d[4 * (j + 8) + 2 * half], u1 = d[4 * (j + 8) + 2 * half + 1];
                *reinterpret_cast<__nv_bfloat162*>(dst + n) =
                    __floats2bfloat162_rn(siluf(g0) * u0, siluf(g1) * u1);
            }
        } else {
            __nv_bfloat16* dst = a.partial + std::int64_t(a.order[p]) * H;
#pragma unroll
            for (int j = 0; j < 16; ++j) {
                const int n = n0 + 8 * j + 2 * tig; // H % 8 == 0
                if (n >= H) continue;
                *reinterpret_cast<__nv_bfloat162*>(dst + n) =
                    __floats2bfloat162_rn(d[4 * j + 2 * half], d[4 * j + 2 * half + 1]);
            }
        }
    }
#else
    __trap(); // built for sm_90a only; the host never launches it elsewhere
#endif
}

} // namespace

bool moeWgmmaAvailable() {
    static const bool available =
        hopperKernelRuns(reinterpret_cast<const void*>(moeTileWgmmaKernel<true>));
    return available;
}

void launchMoeTilesWgmma(const MoeArgs& a, unsigned tiles, cudaStream_t s) {
    allowDynamicSharedMemory(reinterpret_cast<const void*>(moeTileWgmmaKernel<true>), kSmem,
                             "moeGateUp (wgmma) shared memory");
    allowDynamicSharedMemory(reinterpret_cast<const void*>(moeTileWgmmaKernel<false>), kSmem,
                             "moeDown (wgmma) shared memory");
    launchKernel(moeTileWgmmaKernel<true>, dim3(unsigned(ceilDiv(a.F, kBRows / 2)), tiles),
                 kThreads, kSmem, s, "moeGateUp", a);
    launchKernel(moeTileWgmmaKernel<false>, dim3(unsigned(ceilDiv(a.x.cols, kBRows)), tiles),
                 kThreads, kSmem, s, "moeDown", a);
}

} // namespace lv::cuda
