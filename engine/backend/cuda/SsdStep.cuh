// One token's step of one SSD state row, a warp across the row's N columns (n = lane + 32 j):
// s = s * exp(dt A) + dt x B, written back, and C . s summed over the warp. Shared by the
// decode SSD kernel and the Mamba2 tail.
#pragma once

#include "backend/cuda/DeviceMath.cuh"

#include <cstdint>

namespace lv::cuda {

template <int NPL>
__device__ __forceinline__ float stepStateRow(float (&s)[NPL], float dA, float dx,
                                              const float (&b)[NPL], const float (&c)[NPL],
                                              float* row, int lane) {
    float acc = 0.0f;
#pragma unroll
    for (int j = 0; j < NPL; ++j) {
        s[j] = s[j] * dA + dx * b[j];
        acc += c[j] * s[j];
        row[lane + 32 * j] = s[j];
    }
    return warpSum(acc);
}

} // namespace lv::cuda
