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

} // namespace lv::cuda
