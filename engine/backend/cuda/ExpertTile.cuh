// One tile of the grouped mixture of experts (Moe.cu): an expert's run of sorted slots and
// the product it takes them through, as both tile kernels (mma.sync here, wgmma in sm90a/)
// read it from the grouping's list.
#pragma once

#include "backend/cuda/Kernels.h"

#include <cuda_bf16.h>

#include <cstdint>

namespace lv::cuda {

// Slots a tile: the grouping lists tiles of this many, and both tile kernels take them.
constexpr int kExpertTileRows = 128;

// Tile `tile` (of kExpertTileRows slots): expert e's sorted slots [row0, rowEnd); GATED: gate-up (K
// = H over N = F columns, each with its gate and up row), else down (K = F, N = H); w, the expert's
// weights.
template <bool GATED> struct ExpertTile {
    int e, row0, rowEnd, H, F, K, N;
    const __nv_bfloat16* w;

    __device__ __forceinline__ ExpertTile(const MoeArgs& a, int tile) {
        const int2 te = a.tiles[tile];
        e = te.x;
        row0 = te.y;
        rowEnd = min(a.offsets[e + 1], row0 + kExpertTileRows);
        H = int(a.x.cols);
        F = int(a.F);
        K = GATED ? H : F;
        N = GATED ? F : H;
        w = static_cast<const __nv_bfloat16*>(GATED ? a.gateUp.data : a.down.data) +
            std::int64_t(e) * (GATED ? 2 * F : H) * K;
    }

    // The A row of sorted slot p: its token's x (gate-up) or its activations (down); null
    // past the tile's slots.
    __device__ __forceinline__ const __nv_bfloat16* aRow(const MoeArgs& a, int p) const {
        if (p >= rowEnd) return nullptr;
        return GATED ? a.xb + std::int64_t(a.order[p] / int(a.k)) * H : a.act + std::int64_t(p) * F;
    }
};

} // namespace lv::cuda
