// The Mamba2 SSD's chunk states on Hopper's warpgroup products (wgmma, sm_90a), for bf16 x
// and B with P = 64 and N = 128 (Granite 4.0-H): S[c, h] = sum over the chunk's tokens l of
// x_l^T (w_l B_l), w_l = dt_l exp(cum_last - cum_l), into SsdChunked.cu's f32 scratch.
// The default on compute capability 9.0 (28 us a layer against the mma.sync form's 33 for a
// 4096-token chunk of the 1B; LONGVIEW_CUDA_SSD_STATES=mma asks for that form).
//
// The mma.sync form (SsdChunked.cu) is latency-bound at 24 warps an SM, eight warps a block
// each taking 16 x 64 of the tile through its own fragment loads. Here one warpgroup takes the
// whole 64 x 128 tile: B goes to the tensor cores straight from swizzled shared memory
// (MN-major), x^T as register fragments (ldmatrix transposed, each pair scaled by its
// tokens' weights as the mma.sync form does). Block (chunk, head); the chunk's x and B rows
// (96 KB) are all requested at once, in four groups of 64 tokens, two blocks an SM.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/MmaBf16.cuh"
#include "backend/cuda/sm90a/Wgmma.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lv::cuda {
namespace {
using namespace sm90a;

constexpr int L = 256;                        // chunk length (SsdChunked.cu's)
constexpr int kP = 64, kN = 128;              // the head dims and state size this form takes
constexpr int kSteps = L / 64;                // groups of 64 tokens
constexpr int kXBytes = 64 * 128;             // 64 tokens' x: 64 bf16 a row
constexpr int kBBytes = 2 * 64 * 128;         // 64 tokens' B: two column blocks of 64 n
constexpr int kStepBytes = kXBytes + kBBytes; // 24 KB
constexpr int kSmem = kSteps * kStepBytes + L * int(sizeof(float)) + 1024;

__global__ void __launch_bounds__(128, 2)
    ssdStateWgmmaKernel(SsdArgs a, std::int64_t t0, SsdStateScratch w) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    waitForPrevious();
    const int c = int(blockIdx.x), h = int(blockIdx.y);
    const std::int64_t tc = t0 + std::int64_t(c) * L;
    const std::int64_t rowsLeft = a.T - tc;

    extern __shared__ unsigned char smemRaw[];
    const std::uint32_t raw = sharedAddress(smemRaw);
    unsigned char* base = smemRaw + (((raw + 1023) & ~1023u) - raw);
    float* wS = reinterpret_cast<float*>(base + kSteps * kStepBytes);
    const int tid = int(threadIdx.x), warp = tid >> 5, lane = tid & 31, gid = lane >> 2,
              tig = lane & 3;
    const int g = int(h / (a.H / a.G));
    const std::int64_t chunkHead = std::int64_t(c) * a.H + h;
    const auto* Xg = static_cast<const __nv_bfloat16*>(a.x);
    const auto* Bg = static_cast<const __nv_bfloat16*>(a.B);

    // The weights' inputs first (two rows a thread), then every copy of the chunk.
    const float* cumC = w.cum + chunkHead * L;
    const float* dtpC = w.dtp + chunkHead * L;
    const float cumLast = cumC[L - 1], cum0 = cumC[tid], cum1 = cumC[tid + 128];
    const float dt0 = dtpC[tid], dt1 = dtpC[tid + 128];
#pragma unroll
    for (int i = 0; i < kSteps; ++i) {
        unsigned char* xs = base + i * kStepBytes;
        unsigned char* bs = xs + kXBytes;
#pragma unroll
        for (int q = 0; q < 4; ++q) { // x: 64 rows of 8 pieces
            const int idx = tid + q * 128, r = idx >> 3, ch = idx & 7;
            const std::int64_t l = 64 * i + r;
            const bool ok = l < rowsLeft;
            cpAsync16(xs + swizzledOffset(64, r, ch),
                      ok ? Xg + (tc + l) * a.ldx + std::int64_t(h) * kP + ch * 8 : Xg, ok);
        }
#pragma unroll
        for (int q = 0; q < 8; ++q) { // B: 64 rows of 16 pieces, two column blocks
            const int idx = tid + q * 128, r = idx >> 4, k = idx & 15;
            const std::int64_t l = 64 * i + r;
            const bool ok = l < rowsLeft;
            cpAsync16(bs + (k >> 3) * kXBytes + swizzledOffset(64, r, k & 7),
                      ok ? Bg + (tc + l) * a.ldb + std::int64_t(g) * kN + k * 8 : Bg, ok);
        }
        cpAsyncCommit();
    }
    wS[tid] = dt0 * expf(cumLast - cum0);
    wS[tid + 128] = dt1 * expf(cumLast - cum1);

    // Accumulator element 4 j + e: p = 16 warp + gid + 8 (e / 2), n = 8 j + 2 tig + e % 2.
    float d[64];
#pragma unroll
    for (int i = 0; i < 64; ++i)
        d[i] = 0.0f;
    const int lr = lane & 7;
#pragma unroll
    for (int i = 0; i < kSteps; ++i) {
        // Group i landed (this thread's copies), then everyone's, and the weights.
        if (i == 0) cpAsyncWait<kSteps - 1>();
        if (i == 1) cpAsyncWait<kSteps - 2>();
        if (i == 2) cpAsyncWait<kSteps - 3>();
        if (i == 3) cpAsyncWait<0>();
        fenceSharedForAsyncProxy(); // this thread's copies, for the tensor cores' reads
        __syncthreads();
        const unsigned char* xs = base + i * kStepBytes;
        const std::uint32_t bAddr = sharedAddress(xs + kXBytes);
        // x^T's fragments: matrices (p 0-7, l 0-7), (p 8-15, l 0-7), (p 0-7, l 8-15),
        // (p 8-15, l 8-15) of the warp's 16 p; lane: row (token) lane % 8 of matrix lane / 8.
        std::uint32_t af[4][4];
#pragma unroll
        for (int kk = 0; kk < 4; ++kk) {
            ldmatrixX4Trans(af[kk], xs + swizzledOffset(64, 16 * kk + (lane >> 4) * 8 + lr,
                                                        2 * warp + ((lane >> 3) & 1)));
            const int r = 64 * i + 16 * kk + 2 * tig; // tokens r, r + 1, r + 8, r + 9
            af[kk][0] = scaledBf16(af[kk][0], wS[r], wS[r + 1]);
            af[kk][1] = scaledBf16(af[kk][1], wS[r], wS[r + 1]);
            af[kk][2] = scaledBf16(af[kk][2], wS[r + 8], wS[r + 9]);
            af[kk][3] = scaledBf16(af[kk][3], wS[r + 8], wS[r + 9]);
        }
        fenceRegisters(d);
        wgmmaFence();
#pragma unroll
        for (int kk = 0; kk < 4; ++kk) // 16 tokens a product: 16 rows of 128 bytes further
            wgmmaM64N128RSBf16(d, af[kk], descriptor(bAddr + kk * 16 * 128, kXBytes, 1024));
        wgmmaCommit();
        wgmmaWait<0>();
        fenceRegisters(d);
        fenceRegisters(af);
    }

    float* S = w.S + chunkHead * kP * kN;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
        float* row = S + (16 * warp + gid + 8 * half) * kN + 2 * tig;
#pragma unroll
        for (int j = 0; j < 16; ++j)
            *reinterpret_cast<float2*>(row + 8 * j) =
                make_float2(d[4 * j + 2 * half], d[4 * j + 2 * half + 1]);
    }
#else
    __trap(); // built for sm_90a only; the host never launches it elsewhere
#endif
}

} // namespace

bool ssdStateWgmmaApplies(const SsdArgs& a) {
    static const bool available =
        hopperKernelRuns(reinterpret_cast<const void*>(ssdStateWgmmaKernel));
    return a.P == kP && a.N == kN && a.xbcBf16 && a.bf16Products && available;
}

void launchSsdStateWgmma(const SsdArgs& a, std::int64_t t0, int nc, const SsdStateScratch& w,
                         cudaStream_t s) {
    allowDynamicSharedMemory(reinterpret_cast<const void*>(ssdStateWgmmaKernel), kSmem,
                             "ssd chunk state (wgmma) shared memory");
    launchKernel(ssdStateWgmmaKernel, dim3(unsigned(nc), unsigned(a.H)), 128, kSmem, s,
                 "ssdStateWgmma", a, t0, w);
}

} // namespace lv::cuda
