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

// An attention step's q and k rotated and k, v appended, in one launch: block (head, token)
// over a token's q, k and v heads; a thread takes a rotation pair (i, i + half), or an
// element past the rotary part. k and v land in the caches converted (f16 saturates).
__global__ void ropeAppendKernel(RopeAppendArgs a, std::int64_t T) {
    waitForPrevious();
    const int head = int(blockIdx.x), D = a.headDim, half = a.rotaryDim / 2;
    const bool rotate = head < a.Hq + a.Hkv;
    const int cacheHead = head < a.Hq ? 0 : rotate ? head - a.Hq : head - a.Hq - a.Hkv;
    void* cache = head < a.Hq ? nullptr : rotate ? a.kCache : a.vCache;
    // Tokens past the grid's 65535 rows loop (a prefill chunk may be longer).
    for (std::int64_t t = blockIdx.y; t < T; t += gridDim.y) {
        const std::int64_t pos = a.position.value() + t;
        float* x = head < a.Hq ? a.q + t * a.ldq + std::int64_t(head) * D
                   : rotate    ? a.k + t * a.ldk + std::int64_t(cacheHead) * D
                               : a.v + t * a.ldv + std::int64_t(cacheHead) * D;
        const std::int64_t c0 = (pos * a.Hkv + cacheHead) * D;
        for (int i = threadIdx.x; i < D; i += blockDim.x) {
            if (rotate && i < half) {
                const float invFreq = 1.0f / powf(a.theta, float(2 * i) / float(a.rotaryDim));
                float sn, cs;
                sincosf(float(pos) * invFreq, &sn, &cs);
                const float x1 = x[i], x2 = x[i + half];
                const float r1 = x1 * cs - x2 * sn, r2 = x2 * cs + x1 * sn;
                x[i] = r1;
                x[i + half] = r2;
                if (cache) {
                    storeAsType(cache, a.cacheDtype, c0 + i, r1);
                    storeAsType(cache, a.cacheDtype, c0 + i + half, r2);
                }
            } else if ((!rotate || i >= 2 * half) && cache) {
                storeAsType(cache, a.cacheDtype, c0 + i, x[i]);
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
    const int threads = std::min(128, std::max(32, (a.headDim + 31) / 32 * 32));
    const dim3 grid(unsigned(a.Hq + 2 * a.Hkv), unsigned(std::min<std::int64_t>(T, 65535)));
    launchKernel(ropeAppendKernel, grid, threads, 0, s, "ropeAppend", a, T);
}

} // namespace lv::cuda
