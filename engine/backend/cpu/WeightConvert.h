// Reading weights stored as f32, bf16 or f16 as float32: whole ranges into a buffer,
// or a matrix view that kernels convert tile by tile.
#pragma once

#include "core/Tensor.h"

#include <cstdint>
#include <vector>

namespace lv::cpu {

// dst[i] = float(src[i]) for i < count; src is f32, bf16 or f16 elements.
void convertToF32(const void* src, DType dtype, std::int64_t count, float* dst);

// A row-major weight matrix [rows, cols] with row stride `ld` (in elements).
struct WeightMatrix {
    const void* data = nullptr;
    DType dtype = DType::F32;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t ld = 0;

    static WeightMatrix of(const Tensor& t) {
        return {t.data, t.dtype, t.shape[0], t.shape[1], t.stride[0]};
    }
    const void* row(std::int64_t r) const {
        return static_cast<const char*>(data) + std::size_t(r * ld) * dtypeSize(dtype);
    }
};

// A float32 view of a small weight vector (norm weights, biases, per-head parameters):
// the tensor's own memory when it is f32 and packed, else a converted copy in `scratch`.
const float* floatVector(const Tensor& t, std::vector<float>& scratch);

} // namespace lv::cpu
