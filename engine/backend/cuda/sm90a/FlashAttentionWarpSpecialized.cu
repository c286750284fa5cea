// Causal GQA flash attention for prefill on Hopper with warp specialization (sm_90a), f16 KV
// caches, head dim 64 or 128: the default on compute capability 9.0 (H100: 634 TFLOP/s
// against the wgmma kernel's 454, which LONGVIEW_CUDA_FA=wgmma keeps).
//
// The wgmma kernel (FlashAttentionWgmma.cu) has every thread issue cp.async copies and two
// block-wide barriers a step, and each warpgroup waits on its own products: the tensor cores
// idle while both warpgroups do their softmax at the same time. Here a third warpgroup only
// loads: one thread brings K and V in by the tensor memory accelerator (TMA) into three
// stages, each with a transaction barrier that the copies complete, and gives its registers
// to the two consumer warpgroups (24 each, they take 240). The consumers take turns at the
// tensor cores (two named barriers): one issues Q K^T of tile j and P V of tile j - 1 while
// the other does its softmax, so the products of one overlap the exponentials of the other,
// and within a warpgroup the softmax of tile j overlaps its own P V of tile j - 1. A stage
// is handed back (one arrival a consumer warp) once both its products are done.
//
// Rows, tiles, swizzle and the softmax are those of the wgmma kernel (AttentionTile.cuh).

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"
#include "backend/cuda/sm90a/AsyncPipeline.cuh"
#include "backend/cuda/sm90a/AttentionTile.cuh"
#include "backend/cuda/sm90a/TensorMaps.h"
#include "backend/cuda/sm90a/Wgmma.cuh"

#include <cuda.h>
#include <cuda_runtime.h>

#include <algorithm>

namespace lv::cuda {
namespace {
using namespace sm90a;

constexpr int kThreads = 384; // the producer warpgroup, then two consumer warpgroups
constexpr int kStages = 3;
constexpr int kConsumerWarps = 8;
constexpr int kProducerRegisters = 24, kConsumerRegisters = 240;
// Named barriers: each consumer warpgroup's turn at the tensor cores, and its own Q tile.
constexpr int kTurnBarrier = 1, kQBarrier = 3;

// Q, the stages of K, those of V, then the full and empty barriers of the stages; plus room
// to align the start to 1024 bytes (225 KB at D = 128).
template <int D> constexpr int sharedBytes() {
    return tileBytes<D>(kTileRows) + 2 * kStages * tileBytes<D>(kTileKeys) + 2 * kStages * 8 + 1024;
}

template <int D>
__global__ void __launch_bounds__(kThreads, 1)
    flashWarpSpecializedKernel(const __grid_constant__ CUtensorMap kMap,
                               const __grid_constant__ CUtensorMap vMap, AttentionArgs a) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    constexpr int kTile = tileBytes<D>(kTileKeys);
    extern __shared__ unsigned char smemRaw[];
    const std::uint32_t raw = sharedAddress(smemRaw);
    unsigned char* Qs = smemRaw + (((raw + 1023) & ~1023u) - raw);
    const std::uint32_t qAddr = sharedAddress(Qs);
    const std::uint32_t kAddr = qAddr + tileBytes<D>(kTileRows);
    const std::uint32_t vAddr = kAddr + kStages * kTile;
    const std::uint32_t fullBar = vAddr + kStages * kTile, emptyBar = fullBar + kStages * 8;

    const BlockRows b(a);
    const int tid = threadIdx.x, wgi = tid >> 7;
    const int tiles = int((b.kEnd + kTileKeys - 1) / kTileKeys);
    if (tid == 0) {
        for (int i = 0; i < kStages; ++i) {
            barrierInit(fullBar + 8 * i, 1);
            barrierInit(emptyBar + 8 * i, kConsumerWarps);
        }
        fenceBarrierInit();
    }
    __syncthreads();
    waitForPrevious(); // Q and the caches were written by the kernels before

    if (wgi == 0) { // the producer
        releaseRegistersTo<kProducerRegisters>();
        if (tid != 0) return;
        prefetchTensorMap(&kMap);
        prefetchTensorMap(&vMap);
        for (int j = 0; j < tiles; ++j) {
            const int stage = j % kStages;
            barrierWait(emptyBar + 8 * stage, ((j / kStages) & 1) ^ 1);
            barrierArriveExpecting(fullBar + 8 * stage, 2 * kTile);
#pragma unroll
            for (int c = 0; c < D / 64; ++c) {
                const std::uint32_t to = stage * kTile + c * tileBytes<64>(kTileKeys);
                tileLoad3d(kAddr + to, &kMap, 64 * c, b.hk, j * kTileKeys, fullBar + 8 * stage);
                tileLoad3d(vAddr + to, &vMap, 64 * c, b.hk, j * kTileKeys, fullBar + 8 * stage);
            }
        }
        return;
    }

    claimRegistersUpTo<kConsumerRegisters>();
    const int wg = wgi - 1, ctid = tid & 127, warp = ctid >> 5, lane = tid & 31;
    const float qMul = a.scale * 1.4426950408889634f; // scores in base 2
    storeQRows<D, 64, 128>(Qs, a, b, qMul, wg * 64, ctid);
    fenceSharedForAsyncProxy();
    namedBarrierSync(kQBarrier + wg, 128); // this warpgroup's Q rows, for its products

    const int rowA = wg * 64 + warp * 16 + (lane >> 2);
    const std::int64_t wgFirst = b.queryOf(wg * 64);
    const std::int64_t wgLast = std::min<std::int64_t>(b.queryOf(wg * 64 + 63), b.qLast);
    // Tiles with keys some row of this warpgroup sees; the rest it only hands back.
    const int mine = wgFirst < a.T ? int((a.pos0 + wgLast) / kTileKeys) + 1 : 0;
    OnlineSoftmax sm;
    sm.lastKey[0] = a.pos0 + b.queryOf(rowA);
    sm.lastKey[1] = a.pos0 + b.queryOf(rowA + 8);
    sm.unmaskedBelow = a.pos0 + wgFirst;
    sm.tig = lane & 3;

    float o[D / 2], s[kTileKeys / 2], corr[2];
    std::uint32_t p[kTileKeys / 16][4];
#pragma unroll
    for (int i = 0; i < D / 2; ++i)
        o[i] = 0.0f;
    auto handBack = [&](int j) { // both products of tile j are done in this warp
        __syncwarp();
        if (lane == 0) barrierArrive(emptyBar + 8 * (j % kStages));
    };
    auto scoresOf = [&](int j) { // s = Q K^T of tile j, issued
        fenceRegisters(s);
        wgmmaFence();
        issueScores<D>(s, qAddr, wg, kAddr + (j % kStages) * kTile);
        wgmmaCommit();
    };
    auto accumulateOf = [&](int j) { // o = o corr + P V of tile j, issued
        rescaleRows(o, corr);
        fenceRegisters(p);
        fenceRegisters(o);
        wgmmaFence();
        issuePV<D>(o, p, vAddr + (j % kStages) * kTile);
        wgmmaCommit();
    };
    // Turns at the tensor cores: the first consumer starts, each turn ends with the other's.
    // The second consumer's last turn hands over to nobody (every arrival meets a wait).
    auto takeTurn = [&](int j) {
        barrierWait(fullBar + 8 * (j % kStages), (j / kStages) & 1);
        namedBarrierSync(kTurnBarrier + wg, 256);
    };
    auto endTurn = [&](int j) {
        if (wg == 0 || j + 1 < tiles) namedBarrierArrive(kTurnBarrier + 1 - wg, 256);
    };
    if (wg == 1) namedBarrierArrive(kTurnBarrier, 256);
    // (Tile 0 and the last P V are peeled off so that every product is issued and waited
    // in one branch: ptxas serializes products whose wait it cannot match.)
    if (mine > 0) {
        takeTurn(0);
        scoresOf(0);
        endTurn(0);
        wgmmaWait<0>();
        fenceRegisters(s);
        sm.apply(s, 0, corr);
        scoresAsA(s, p);
        for (int j = 1; j < mine; ++j) {
            takeTurn(j);
            scoresOf(j);
            accumulateOf(j - 1);
            endTurn(j);
            wgmmaWait<1>(); // Q K^T of tile j (P V of j - 1 may still run)
            fenceRegisters(s);
            sm.apply(s, std::int64_t(j) * kTileKeys, corr);
            wgmmaWait<0>();
            fenceRegisters(o);
            fenceRegisters(p);
            handBack(j - 1);
            scoresAsA(s, p);
        }
        accumulateOf(mine - 1); // outside the turns: one product a block
        wgmmaWait<0>();
        fenceRegisters(o);
        fenceRegisters(p);
        handBack(mine - 1);
    }
    for (int j = mine; j < tiles; ++j) { // keys past this warpgroup's rows: turns only
        takeTurn(j);
        endTurn(j);
        handBack(j);
    }
    if (mine > 0) writeRows<D>(o, sm, a, b, rowA);
#else
    __trap(); // built for sm_90a only; the host never launches it elsewhere
#endif
}

// The map of a cache [rows, Hkv, D] f16 in boxes of 128 rows x 64 head dims of one kv head,
// 128-byte swizzled; rows past `rows` read as zeros.
bool cacheMap(CUtensorMap& map, const void* cache, std::int64_t rows, std::int64_t Hkv, int D) {
    const auto encode = tensorMapEncoder();
    if (!encode) return false;
    const cuuint64_t dims[3] = {cuuint64_t(D), cuuint64_t(Hkv), cuuint64_t(rows)};
    const cuuint64_t strides[2] = {cuuint64_t(D) * 2, cuuint64_t(Hkv * D) * 2};
    const cuuint32_t box[3] = {64, 1, cuuint32_t(kTileKeys)};
    const cuuint32_t steps[3] = {1, 1, 1};
    return encode(&map, CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 3, const_cast<void*>(cache), dims, strides,
                  box, steps, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                  CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                  CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

template <int D>
void launchD(const CUtensorMap& k, const CUtensorMap& v, const AttentionArgs& a, cudaStream_t s) {
    const void* kernel = reinterpret_cast<const void*>(flashWarpSpecializedKernel<D>);
    allowDynamicSharedMemory(kernel, sharedBytes<D>(),
                             "flash attention (warp-specialized) shared memory");
    const dim3 grid(ceilDiv(a.T, kTileRows / (a.Hq / a.Hkv)), unsigned(a.Hkv));
    launchKernel(flashWarpSpecializedKernel<D>, grid, kThreads, sharedBytes<D>(), s,
                 "flashAttentionWarpSpecialized", k, v, a);
}

} // namespace

bool launchFlashWarpSpecialized(const AttentionArgs& a, cudaStream_t s) {
    // The maps cover the keys written so far (every row below pos0 + T holds a finite key;
    // the cache past it may hold anything, which a zero probability times would not mask).
    if (a.pos0Dev) return false;
    const std::int64_t rows = a.pos0 + a.T;
    CUtensorMap k{}, v{};
    if (!cacheMap(k, a.k, rows, a.Hkv, int(a.d)) || !cacheMap(v, a.v, rows, a.Hkv, int(a.d)))
        return false;
    if (a.d == 128)
        launchD<128>(k, v, a, s);
    else
        launchD<64>(k, v, a, s);
    return true;
}

} // namespace lv::cuda
