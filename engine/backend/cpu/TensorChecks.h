// Argument checks shared by the CPU kernels: each failure is an EngineError naming the
// op, the argument and what was found, so that a bad model never crashes the process.
#pragma once

#include "core/Error.h"
#include "core/Tensor.h"

#include <cstdint>
#include <string>

namespace lv::cpu {

[[noreturn]] void throwBadArgument(const char* op, const char* arg, const std::string& what);

// Host tensor of the given rank whose last dim is contiguous.
void checkTensor(const char* op, const char* arg, const Tensor& t, int rank);
void checkF32(const char* op, const char* arg, const Tensor& t, int rank);
// f32, bf16 or f16.
void checkFloatWeight(const char* op, const char* arg, const Tensor& t, int rank);
void checkDim(const char* op, const char* arg, const Tensor& t, int dim, std::int64_t expected);
// Every dim but the first is packed (the rows may be strided).
void checkPackedRows(const char* op, const char* arg, const Tensor& t);
void checkContiguous(const char* op, const char* arg, const Tensor& t);

// Rows of a tensor read as [rows, last dim] with the last dim contiguous and any strides
// for the outer dims (up to three of them).
class RowView {
public:
    explicit RowView(const Tensor& t);
    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }
    float* row(std::int64_t r) const {
        std::int64_t off = 0;
        for (int d = outer_ - 1; d > 0; --d) {
            off += (r % shape_[d]) * stride_[d];
            r /= shape_[d];
        }
        return base_ + off + r * stride_[0];
    }

private:
    float* base_;
    int outer_;
    std::int64_t shape_[3]{1, 1, 1};
    std::int64_t stride_[3]{0, 0, 0};
    std::int64_t rows_;
    std::int64_t cols_;
};

} // namespace lv::cpu
