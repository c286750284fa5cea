// A token's top-k experts by one warp, for the routing kernel and for the rows form's gate-up
// kernel that routes its own slots (a decode step's kernel fewer).
#pragma once

#include "backend/cuda/DeviceMath.cuh"

#include <cstdint>

namespace lv::cuda {

// indices[j], weights[j] for j < k from the token's router logits row[0 .. E): each lane scans
// its share of the row (e = lane, lane + 32, ...) and the warp picks among the lanes' bests,
// k times, in torch.topk's order (value descending, index ascending on ties). Lane 0 writes
// (global or shared memory). softmaxFirst: softmax over all E, then the top k (renormalized
// when renormalize); else softmax over the top k logits.
__device__ inline void routeToken(const float* row, int E, int k, bool softmaxFirst,
                                  bool renormalize, int lane, std::int32_t* indices,
                                  float* weights) {
    float mx = -INFINITY;
    for (int e = lane; e < E; e += 32)
        mx = fmaxf(mx, row[e]);
    for (int o = 16; o > 0; o >>= 1)
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
    float total = 0.0f;
    if (softmaxFirst) {
        for (int e = lane; e < E; e += 32)
            total += expf(row[e] - mx);
        total = warpSum(total);
    }

    float prevV = INFINITY, topV = 0.0f;
    int prevI = -1;
    float picked = 0.0f;
    for (int j = 0; j < k; ++j) {
        // The largest value below the previous pick (ties: the next index), lowest index first.
        int best = -1;
        float bestV = -INFINITY;
        for (int e = lane; e < E; e += 32) {
            const float v = row[e];
            const bool eligible = v < prevV || (v == prevV && e > prevI);
            if (eligible && (best < 0 || v > bestV)) {
                best = e;
                bestV = v;
            }
        }
        for (int o = 16; o > 0; o >>= 1) {
            const int oi = __shfl_xor_sync(0xffffffffu, best, o);
            const float ov = __shfl_xor_sync(0xffffffffu, bestV, o);
            if (oi >= 0 && (best < 0 || ov > bestV || (ov == bestV && oi < best))) {
                best = oi;
                bestV = ov;
            }
        }
        if (j == 0) topV = bestV;
        const float w = softmaxFirst ? expf(bestV - mx) / total : expf(bestV - topV);
        if (lane == 0) {
            indices[j] = best;
            weights[j] = w;
        }
        picked += w;
        prevV = bestV;
        prevI = best;
    }
    if ((!softmaxFirst || renormalize) && lane == 0) {
        const float inv = 1.0f / picked;
        for (int j = 0; j < k; ++j)
            weights[j] *= inv;
    }
}

} // namespace lv::cuda
