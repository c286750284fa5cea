// The grouped mixture of experts' tiles (Moe.cu) with warp specialization on Hopper (sm_90a):
// the default there since v112 (H100, a 4096-token chunk of Granite 4.0-H Tiny: gate-up 232 ->
// 203 us, down 159 -> 155; LONGVIEW_CUDA_MOE=wgmma for MoeTilesWgmma.cu's tiles), with the
// expert's rows by TMA (v116) and down's rows in 16-byte pieces (v115) since session 41:
// gate-up 202.5 us, down 126.8; since v120 (session 42) the expert's rows come in an order
// that makes each lane's products of a row whole 16-byte pieces (outputColumn), for both:
// gate-up 179.2 us, down 110.2. (Clusters of two sharing the expert's rows by TMA multicast,
// v121-v123, reached par at best and were withdrawn in session 43.)
//
// Those tiles (two warpgroups, every thread copying and multiplying, three cp.async stages)
// reach ~335 TFLOP/s on Granite 4.0-H Tiny's experts: bound by latency at two blocks an SM,
// the copies of a step waited out by the same warps that then multiply, and each tile's
// prologue and epilogue exposed. Wider tiles alone (256 B rows, one block an SM) lost. Here a
// block stays on its SM and walks the tiles (slot tile, column tile) in turn: a producer
// warpgroup copies the slots' rows (a gather: each slot names its token) by cp.async and the
// expert's rows (by TMA, or cp.async) into four stages of 48 KB, each thread's copies completing
// the stage's barrier themselves (cp.async.mbarrier.arrive), and runs ahead into the next tile
// while the two consumer warpgroups write the last one out. Each consumer multiplies 64 slots by
// 256 B rows (two 64 x 128 products a k-slice) and keeps one step's products in flight while it
// waits for the next stage. Gate-up's 256 B rows are 128 gate rows and the matching 128 up rows, so
// gate and up of an output column sit in the same register of the two accumulators.

#include "backend/cuda/AsyncCopy.cuh"
#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/ExpertTile.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/Switches.h"
#include "backend/cuda/sm90a/AsyncPipeline.cuh"
#include "backend/cuda/sm90a/TensorMaps.h"
#include "backend/cuda/sm90a/Wgmma.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>

namespace lv::cuda {
namespace {
using namespace sm90a;

constexpr int kRows = kExpertTileRows; // slots a tile: two consumer warpgroups of 64
constexpr int kBRows = 256;            // B rows a tile (gate-up: 128 + 128)
constexpr int kK = 64;                 // K a stage: one swizzled column block
constexpr int kStages = 4;
constexpr int kThreads = 384; // the producer warpgroup, then two consumers
constexpr int kConsumerWarps = 8;
constexpr int kProducerRegisters = 72, kConsumerRegisters = 216;
constexpr int kATile = kRows * kK * 2;  // 16 KB
constexpr int kBTile = kBRows * kK * 2; // 32 KB
constexpr int kStageBytes = kATile + kBTile;
constexpr int kSmem = kStages * kStageBytes + 2 * kStages * 8 + 1024;

// The output column (of the tile's 128 a box) whose B row sits in row c of a stage's box,
// and the other way round. Within each 32 rows the two 2-bit fields above the lowest bit trade
// places (c = 32 q + 8 m + 2 t + e holds column 32 q + 8 t + 2 m + e), so that the
// accumulators' pairs j = 4 q .. 4 q + 3 of lane t of a quad (columns 8 j + 2 t, + 1 of B's
// rows) are the output columns 8 (4 q + t) .. + 7: a 16-byte piece of the row, written as it
// is held, where the rows in B's order would need a transpose within each quad (v115: 112
// selects and 12 shuffles a row and half of down's epilogue) or 4-byte pairs.
__host__ __device__ constexpr int outputColumn(int c) {
    return (c & ~31) | (((c >> 1) & 3) << 3) | (((c >> 3) & 3) << 1) | (c & 1);
}
static_assert(outputColumn(2) == 8 && outputColumn(8) == 2 && outputColumn(outputColumn(45)) == 45);

__device__ __forceinline__ std::uint32_t bf16Pair(float lo, float hi) {
    const __nv_bfloat162 p = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<const std::uint32_t*>(&p);
}

// The expert's rows come into each stage in outputColumn's order, so that each lane's products
// of a row are 16-byte pieces of it. PIECES: the slots' output rows written in those pieces
// (H100, ncu, a 4096-token chunk of Tiny: down 161.0 -> 131.5 us with v115's transposes, the
// pairs' stores a fifth of its stall samples, most waiting on the store queue), else in bf16
// pairs (LONGVIEW_CUDA_MOE_STORE=pairs). Gate-up's SiLU on the SFU (siluFast): the grouped
// tiles run bf16 weights only and write bf16 activations.
// TMA_B: the expert's rows come as two boxes of 128 rows x 64 K by the tensor memory
// accelerator (bMap, weightMap's five-dimensional view of the weights that puts them in
// outputColumn's order), the slots' rows still gathered by cp.async: the stage's barrier then
// waits for the producer threads' copies and for the boxes' bytes. Rows past an expert's N are
// the next rows of the map, whose columns the epilogue never stores; K past the end reads as
// zeros. One body serves two kernels, so that the cp.async form's kernel takes no map
// parameter.
template <bool GATED, bool PIECES, bool TMA_B>
__device__ __forceinline__ void moeTileWs(const CUtensorMap* bMap, const MoeArgs& a, int colTiles) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    extern __shared__ unsigned char smemRaw[];
    const std::uint32_t raw = sharedAddress(smemRaw);
    unsigned char* stages = smemRaw + (((raw + 1023) & ~1023u) - raw);
    const std::uint32_t base = sharedAddress(stages);
    const std::uint32_t fullBar = base + kStages * kStageBytes, emptyBar = fullBar + kStages * 8;
    const int tid = int(threadIdx.x), wgi = tid >> 7;
    if (tid == 0) {
        for (int i = 0; i < kStages; ++i) {
            barrierInit(fullBar + 8 * i, 128); // each producer thread's copies
            barrierInit(emptyBar + 8 * i, kConsumerWarps);
        }
        fenceBarrierInit();
    }
    __syncthreads();
    waitForPrevious(); // the grouping's tiles, x or the activations
    const int work = *a.tileCount * colTiles;
    const int H = int(a.x.cols), F = int(a.F);
    const int K = GATED ? H : F, N = GATED ? F : H;
    const int steps = (K + kK - 1) / kK;
    const int cols = GATED ? kBRows / 2 : kBRows; // output columns a tile

    if (wgi == 0) { // the producer: piece ptid % 8 of rows ptid / 8 + 16 i of A and of B
        releaseRegistersTo<kProducerRegisters>();
        if (TMA_B && tid == 0) prefetchTensorMap(bMap);
        const int cr = tid >> 3, cc = tid & 7;
        const std::uint32_t swz = std::uint32_t((cc ^ (cr & 7)) << 4); // the same for every i
        // the byte offsets in a stage's B of output columns cr and cr + 16 (cp.async form):
        // their box rows, each with its row's swizzle
        std::uint32_t bBox[2];
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            const int r = outputColumn(cr + 16 * j);
            bBox[j] = std::uint32_t(r * 128) + std::uint32_t((cc ^ (r & 7)) << 4);
        }
        int g = 0; // stages filled so far
        for (int w = int(blockIdx.x); w < work; w += int(gridDim.x)) {
            const ExpertTile<GATED> t(a, w / colTiles);
            const int n0 = (w % colTiles) * cols;
            const __nv_bfloat16* aRow[kRows / 16];
#pragma unroll
            for (int i = 0; i < kRows / 16; ++i)
                aRow[i] = t.aRow(a, t.row0 + cr + 16 * i);
            const __nv_bfloat16* bRow = t.w + std::int64_t(n0 + cr) * K;
            for (int step = 0; step < steps; ++step, ++g) {
                const int st = g % kStages;
                barrierWait(emptyBar + 8 * st, ((g / kStages) & 1) ^ 1);
                const int k = step * kK + cc * 8;
                const bool inK = k < K;
                unsigned char* As = stages + st * kStageBytes;
                unsigned char* Bs = As + kATile;
                if constexpr (TMA_B) {
                    if (tid == 0) { // before any copy of this thread can complete the phase
                        const std::uint32_t bar = fullBar + 8 * st;
                        const std::uint32_t bDst = base + st * kStageBytes + kATile;
                        // gate-up: gate rows n0 .., then up rows F + n0 ..; down: rows n0 ..
                        // (32-row blocks of the map: F and H are multiples of 32 here)
                        const int block0 = (t.e * (GATED ? 2 * F : H) + n0) / 32;
                        barrierExpect(bar, kBTile);
                        tileLoad5d(bDst, bMap, step * kK, block0, bar);
                        tileLoad5d(bDst + 128 * 128, bMap, step * kK,
                                   block0 + (GATED ? F : 128) / 32, bar);
                    }
                }
#pragma unroll
                for (int i = 0; i < kRows / 16; ++i) {
                    const bool ok = aRow[i] && inK;
                    cpAsync16(As + (cr + 16 * i) * 128 + swz, ok ? aRow[i] + k : a.xb, ok);
                }
#pragma unroll
                for (int i = 0; i < (TMA_B ? 0 : kBRows / 16); ++i) {
                    // Output column cr + 16 i of the tile: gate-up's first 128 are gate rows
                    // n0 .., the next 128 the up rows F + n0 ..; down's are rows n0 .. of the
                    // expert's down. Each lands in the box row outputColumn gives it, which
                    // moves rows within 32: 32 (i / 2) + outputColumn(cr + 16 (i % 2)) (bBox).
                    const int c = cr + 16 * (GATED ? i % 8 : i);
                    const bool ok = inK && n0 + c < N;
                    const std::int64_t row = GATED && i >= 8 ? F + 16 * (i - 8) : 16 * i;
                    cpAsync16(Bs + bBox[i % 2] + 32 * 128 * (i / 2), ok ? bRow + row * K + k : t.w,
                              ok);
                }
                barrierArriveOnCopies(fullBar + 8 * st);
            }
        }
        asm volatile("cp.async.wait_all;\n" ::: "memory");
        return;
    }

    claimRegistersUpTo<kConsumerRegisters>();
    const int wg = wgi - 1, lane = tid & 31, warp = (tid >> 5) & 3, gid = lane >> 2, tig = lane & 3;
    auto handBack = [&](int g) { // the products of fill g are done in this warp
        __syncwarp();
        if (lane == 0) barrierArrive(emptyBar + 8 * (g % kStages));
    };
    int g = 0;
    float d[2][64];
    for (int w = int(blockIdx.x); w < work; w += int(gridDim.x)) {
        const ExpertTile<GATED> t(a, w / colTiles);
        const int n0 = (w % colTiles) * cols;
#pragma unroll
        for (int h = 0; h < 2; ++h)
#pragma unroll
            for (int i = 0; i < 64; ++i)
                d[h][i] = 0.0f;
        for (int step = 0; step < steps; ++step, ++g) {
            const int st = g % kStages;
            barrierWait(fullBar + 8 * st, (g / kStages) & 1);
            fenceSharedForAsyncProxy(); // the producers' copies, for the tensor cores' reads
            const std::uint32_t aAddr = base + st * kStageBytes + wg * 64 * 128;
            const std::uint32_t bAddr = base + st * kStageBytes + kATile;
            // (no register fences inside the loop: the accumulators stay the products' until
            // the last wait, and a fence on registers in flight would serialize them)
            wgmmaFence();
#pragma unroll
            for (int ks = 0; ks < kK / 16; ++ks) // within a column block the start moves 32 B
#pragma unroll
                for (int h = 0; h < 2; ++h)
                    wgmmaM64N128SSBf16(d[h], descriptor(aAddr + ks * 32, 16, 1024),
                                       descriptor(bAddr + h * 128 * 128 + ks * 32, 16, 1024), true);
            wgmmaCommit();
            wgmmaWait<1>(); // the previous fill's products: its stage goes back
            if (step > 0) handBack(g - 1);
        }
        wgmmaWait<0>();
        fenceRegisters(d[0]);
        fenceRegisters(d[1]);
        handBack(g - 1);

        // Element 4 j + e of d[h]: row gid + 8 (e / 2) of the warp's 16, B's row 8 j + 2 tig +
        // e % 2 of its box h: output column n0 + 128 h + outputColumn(8 j + 2 tig) + e % 2.
        // Gate-up: h = 0 the gate, 1 the up row of the same column; N % 8 == 0, so that a
        // piece or a pair is in or out whole.
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int p = t.row0 + wg * 64 + warp * 16 + gid + 8 * half;
            if (p >= t.rowEnd) continue;
            __nv_bfloat16* dst =
                GATED ? a.act + std::int64_t(p) * F : a.partial + std::int64_t(a.order[p]) * H;
#pragma unroll
            for (int h = 0; h < (GATED ? 1 : 2); ++h) {
                std::uint32_t v[16];
#pragma unroll
                for (int j = 0; j < 16; ++j) {
                    const float x0 = d[h][4 * j + 2 * half], x1 = d[h][4 * j + 2 * half + 1];
                    if constexpr (GATED)
                        v[j] = bf16Pair(siluFast(x0) * d[1][4 * j + 2 * half],
                                        siluFast(x1) * d[1][4 * j + 2 * half + 1]);
                    else
                        v[j] = bf16Pair(x0, x1);
                }
                if constexpr (PIECES) {
#pragma unroll
                    for (int q = 0; q < 4; ++q) {
                        const int n = n0 + 128 * h + outputColumn(32 * q + 2 * tig);
                        if (n < N)
                            *reinterpret_cast<uint4*>(dst + n) =
                                make_uint4(v[4 * q], v[4 * q + 1], v[4 * q + 2], v[4 * q + 3]);
                    }
                } else {
#pragma unroll
                    for (int j = 0; j < 16; ++j) {
                        const int n = n0 + 128 * h + outputColumn(8 * j + 2 * tig);
                        if (n < N) *reinterpret_cast<std::uint32_t*>(dst + n) = v[j];
                    }
                }
            }
        }
    }
#else
    __trap(); // built for sm_90a only; the host never launches it elsewhere
#endif
}

template <bool GATED, bool PIECES>
__global__ void __launch_bounds__(kThreads, 1) moeTileWsKernel(MoeArgs a, int colTiles) {
    moeTileWs<GATED, PIECES, false>(nullptr, a, colTiles);
}

template <bool GATED, bool PIECES>
__global__ void __launch_bounds__(kThreads, 1)
    moeTileWsTmaKernel(const __grid_constant__ CUtensorMap bMap, MoeArgs a, int colTiles) {
    moeTileWs<GATED, PIECES, true>(&bMap, a, colTiles);
}

int multiprocessors() {
    int device = 0, count = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    check(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device),
          "multiprocessor count");
    return count;
}

// The map of an expert stack [rows, K] bf16 (rows a multiple of 32) in boxes of 128 rows x
// 64 K, 128-byte swizzled as the producer's cp.async copies place them and each 32 rows in
// outputColumn's order: its dimensions, innermost first, are K, e (rows 1 apart), t (8 apart),
// m (2 apart) and q (32 apart), and a box fills shared memory in that order, so that row
// 32 q + 8 t + 2 m + e lands in the box's row 32 q + 8 m + 2 t + e. K past the end reads as
// zeros. Coordinates: (k, 0, 0, 0, first row / 32).
bool weightMap(CUtensorMap& map, const void* w, std::int64_t rows, std::int64_t K) {
    const auto encode = tensorMapEncoder();
    if (!encode || K % 8 != 0 || rows % 32 != 0 || reinterpret_cast<std::uintptr_t>(w) % 16 != 0)
        return false;
    const cuuint64_t row = cuuint64_t(K) * 2; // bytes
    const cuuint64_t dims[5] = {cuuint64_t(K), 2, 4, 4, cuuint64_t(rows / 32)};
    const cuuint64_t strides[4] = {row, 8 * row, 2 * row, 32 * row}; // e, t, m, q
    const cuuint32_t box[5] = {kK, 2, 4, 4, 4};
    const cuuint32_t steps[5] = {1, 1, 1, 1, 1};
    return encode(&map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 5, const_cast<void*>(w), dims, strides,
                  box, steps, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                  CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                  CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

// One block an SM walks the tiles (the count of real ones is on the device); never more
// blocks than the most tiles there can be.
struct TileGrids {
    int upCols, downCols;
    unsigned up, down;
};
TileGrids tileGrids(const MoeArgs& a, unsigned tiles, const void* gateUp, const void* down) {
    allowDynamicSharedMemory(gateUp, kSmem, "moeGateUp (warp-specialized) shared memory");
    allowDynamicSharedMemory(down, kSmem, "moeDown (warp-specialized) shared memory");
    const int sms = multiprocessors();
    TileGrids g{int(ceilDiv(a.F, kBRows / 2)), int(ceilDiv(a.x.cols, kBRows)), 0, 0};
    g.up = unsigned(std::min<std::int64_t>(sms, std::int64_t(tiles) * g.upCols));
    g.down = unsigned(std::min<std::int64_t>(sms, std::int64_t(tiles) * g.downCols));
    return g;
}

template <bool PIECES>
void launchTiles(const MoeArgs& a, unsigned tiles, bool tma, cudaStream_t s) {
    CUtensorMap upMap{}, downMap{};
    const std::int64_t H = a.x.cols;
    // The boxes start at 32-row blocks of the maps: gate-up's up rows at F, down's at H.
    if (tma && a.F % 32 == 0 && H % 32 == 0 && weightMap(upMap, a.gateUp.data, a.E * 2 * a.F, H) &&
        weightMap(downMap, a.down.data, a.E * H, a.F)) {
        const auto up = moeTileWsTmaKernel<true, PIECES>, down = moeTileWsTmaKernel<false, PIECES>;
        const TileGrids g = tileGrids(a, tiles, reinterpret_cast<const void*>(up),
                                      reinterpret_cast<const void*>(down));
        launchKernel(up, g.up, kThreads, kSmem, s, "moeGateUp", upMap, a, g.upCols);
        launchKernel(down, g.down, kThreads, kSmem, s, "moeDown", downMap, a, g.downCols);
        return;
    }
    const auto up = moeTileWsKernel<true, PIECES>, down = moeTileWsKernel<false, PIECES>;
    const TileGrids g =
        tileGrids(a, tiles, reinterpret_cast<const void*>(up), reinterpret_cast<const void*>(down));
    launchKernel(up, g.up, kThreads, kSmem, s, "moeGateUp", a, g.upCols);
    launchKernel(down, g.down, kThreads, kSmem, s, "moeDown", a, g.downCols);
}

} // namespace

void launchMoeTilesWarpSpecialized(const MoeArgs& a, unsigned tiles, cudaStream_t s) {
    // The defaults: the slots' rows in 16-byte pieces (v115 down, v120 both;
    // LONGVIEW_CUDA_MOE_STORE=pairs for bf16 pairs) and the expert's rows by the tensor memory
    // accelerator (v116; LONGVIEW_CUDA_MOE_LOAD=cp.async for the gathers).
    const bool tma = !switchIs("LONGVIEW_CUDA_MOE_LOAD", "cp.async");
    if (switchIs("LONGVIEW_CUDA_MOE_STORE", "pairs"))
        launchTiles<false>(a, tiles, tma, s);
    else
        launchTiles<true>(a, tiles, tma, s);
}

} // namespace lv::cuda
