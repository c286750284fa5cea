// Rotary position embedding, neox layout (rotate_half), in place. The angle is computed as
// Hugging Face does: inv_freq = 1 / theta^(2i / rotaryDim) in float32, angle = pos * inv_freq.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

#include <algorithm>

namespace lv::cuda {
namespace {

__global__ void ropeKernel(float* x, std::int64_t ld, std::int64_t T, int heads, int headDim,
                           DevicePos position, float theta, int rotaryDim) {
    waitForPrevious();
    const std::int64_t pos0 = position.value();
    const int half = rotaryDim / 2;
    const int i = blockIdx.x * blockDim.x + threadIdx.x; // rotation pair index
    if (i >= half) return;
    const float invFreq = 1.0f / powf(theta, float(2 * i) / float(rotaryDim));
    for (std::int64_t t = blockIdx.y; t < T; t += gridDim.y) {
        const float angle = float(pos0 + t) * invFreq;
        float sn, cs;
        sincosf(angle, &sn, &cs);
        float* row = x + t * ld;
        for (int h = 0; h < heads; ++h) {
            float* v = row + std::int64_t(h) * headDim;
            const float x1 = v[i], x2 = v[i + half];
            v[i] = x1 * cs - x2 * sn;
            v[i + half] = x2 * cs + x1 * sn;
        }
    }
}

// An attention step's q and k rotated and k, v appended, in one launch: block (token, group of
// headsPerBlock heads) over the token's q, k and v heads in that order. The block's first half
// threads compute the token's angles once for all its heads: with a block a (head, token),
// each of the 16 rotated heads of the 1B recomputed them, and 82K blocks of one element a
// thread took 100 us for 4096 tokens (ncu, H100, 0.17 TB/s). A prefill takes all heads in one
// block; a decode step (a few tokens) a head a block, so that no block loops. A thread takes
// a rotation pair (i, i + half) or an element past the rotary part, four at a time with their
// loads issued first (a load after a store waits out its round trip: the stores may alias).
// k and v land in the caches converted (f16 saturates).
constexpr int kRopeBatch = 4;

__global__ void ropeAppendKernel(RopeAppendArgs a, std::int64_t T, int headsPerBlock) {
    extern __shared__ float angles[]; // cos [half], then sin [half]
    const int D = a.headDim, half = a.rotaryDim / 2;
    float* cosS = angles;
    float* sinS = angles + half;
    const int heads = a.Hq + 2 * a.Hkv;
    const int eBegin = int(blockIdx.y) * headsPerBlock * D;
    const int eEnd = std::min(int(blockIdx.y + 1) * headsPerBlock, heads) * D;
    waitForPrevious();
    for (std::int64_t t = blockIdx.x; t < T; t += gridDim.x) {
        const std::int64_t pos = a.position.value() + t;
        __syncthreads(); // the previous token's angles are used up
        for (int i = threadIdx.x; i < half; i += blockDim.x) {
            const float invFreq = 1.0f / powf(a.theta, float(2 * i) / float(a.rotaryDim));
            sincosf(float(pos) * invFreq, &sinS[i], &cosS[i]);
        }
        __syncthreads();
        for (int e0 = eBegin + threadIdx.x; e0 < eEnd; e0 += kRopeBatch * blockDim.x) {
            float* x[kRopeBatch];
            void* cache[kRopeBatch];
            std::int64_t c[kRopeBatch];
            int i[kRopeBatch];
            bool pair[kRopeBatch];
            float x1[kRopeBatch], x2[kRopeBatch];
#pragma unroll
            for (int u = 0; u < kRopeBatch; ++u) {
                const int e = e0 + u * int(blockDim.x), head = e / D;
                i[u] = e - head * D;
                const bool rotate = head < a.Hq + a.Hkv;
                pair[u] = rotate && i[u] < half;
                x[u] = nullptr; // nothing to do: past the group, or a pair's second element
                if (e >= eEnd || (rotate && i[u] >= half && i[u] < 2 * half)) continue;
                const int kvHead = head < a.Hq ? 0 : rotate ? head - a.Hq : head - a.Hq - a.Hkv;
                cache[u] = head < a.Hq ? nullptr : rotate ? a.kCache : a.vCache;
                x[u] = head < a.Hq ? a.q + t * a.ldq + std::int64_t(head) * D
                       : rotate    ? a.k + t * a.ldk + std::int64_t(kvHead) * D
                                   : a.v + t * a.ldv + std::int64_t(kvHead) * D;
                c[u] = (pos * a.Hkv + kvHead) * D;
                x1[u] = x[u][i[u]];
                x2[u] = pair[u] ? x[u][i[u] + half] : 0.0f;
            }
#pragma unroll
            for (int u = 0; u < kRopeBatch; ++u) {
                if (!x[u]) continue;
                if (pair[u]) {
                    const float cs = cosS[i[u]], sn = sinS[i[u]];
                    const float r1 = x1[u] * cs - x2[u] * sn, r2 = x2[u] * cs + x1[u] * sn;
                    x[u][i[u]] = r1;
                    x[u][i[u] + half] = r2;
                    if (cache[u]) {
                        storeAsType(cache[u], a.cacheDtype, c[u] + i[u], r1);
                        storeAsType(cache[u], a.cacheDtype, c[u] + i[u] + half, r2);
                    }
                } else if (cache[u]) {
                    storeAsType(cache[u], a.cacheDtype, c[u] + i[u], x1[u]);
                }
            }
        }
    }
}

} // namespace

void launchRope(float* x, std::int64_t ld, std::int64_t T, std::int64_t heads, std::int64_t headDim,
                DevicePos pos0, float theta, std::int64_t rotaryDim, cudaStream_t s) {
    if (T == 0 || rotaryDim < 2) return;
    const int half = int(rotaryDim / 2);
    const int threads = std::min(128, (half + 31) / 32 * 32);
    const dim3 grid(ceilDiv(half, threads), unsigned(std::min<std::int64_t>(T, 65535)));
    launchKernel(ropeKernel, grid, threads, 0, s, "rope", x, ld, T, int(heads), int(headDim), pos0,
                 theta, int(rotaryDim));
}

void launchRopeAppend(const RopeAppendArgs& a, std::int64_t T, cudaStream_t s) {
    if (T == 0) return;
    const int heads = a.Hq + 2 * a.Hkv;
    // Prefill: a block a token over all heads; a few tokens: a head a block, one pass each.
    const bool perToken = T > 16;
    const int headsPerBlock = perToken ? heads : 1;
    const int threads = perToken ? 256 : std::min(256, std::max(32, (a.headDim + 31) / 32 * 32));
    const std::size_t smem = sizeof(float) * std::size_t(std::max(a.rotaryDim / 2, 1) * 2);
    const dim3 grid(unsigned(std::min<std::int64_t>(T, 1 << 20)),
                    unsigned((heads + headsPerBlock - 1) / headsPerBlock));
    launchKernel(ropeAppendKernel, grid, threads, smem, s, "ropeAppend", a, T, headsPerBlock);
}

} // namespace lv::cuda
