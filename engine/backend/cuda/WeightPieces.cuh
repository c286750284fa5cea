// 16 bytes of weights as floats (8 of bf16 or f16, 4 of f32): how the decode kernels read
// their weights, a 16-byte load a lane at a time.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace lv::cuda {

__device__ __forceinline__ float2 toFloat2(const __nv_bfloat162& v) {
    return __bfloat1622float2(v);
}
__device__ __forceinline__ float2 toFloat2(const __half2& v) {
    return __half22float2(v);
}

template <class W> struct Unpack;          // 16 bytes of weights -> floats
template <class Pair> struct UnpackPairs { // 16-bit weights: four pairs
    static constexpr int n = 8;
    __device__ static void run(const uint4& u, float* f) {
        const auto* h = reinterpret_cast<const Pair*>(&u);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const float2 v = toFloat2(h[i]);
            f[2 * i] = v.x;
            f[2 * i + 1] = v.y;
        }
    }
};
template <> struct Unpack<__nv_bfloat16> : UnpackPairs<__nv_bfloat162> {};
template <> struct Unpack<__half> : UnpackPairs<__half2> {};
template <> struct Unpack<float> {
    static constexpr int n = 4;
    __device__ static void run(const uint4& u, float* f) {
        f[0] = __uint_as_float(u.x);
        f[1] = __uint_as_float(u.y);
        f[2] = __uint_as_float(u.z);
        f[3] = __uint_as_float(u.w);
    }
};

} // namespace lv::cuda
