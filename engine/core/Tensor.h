// A non-owning view of a strided array on the host or on a GPU.
// Shapes are outermost-first (PyTorch order); strides are in elements.
#pragma once

#include "core/DType.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace lv {

enum class DeviceKind : std::uint8_t { Cpu = 0, Cuda = 1 };

struct Tensor {
    void* data = nullptr;
    DType dtype = DType::F32;
    DeviceKind device = DeviceKind::Cpu;
    int rank = 0;
    std::array<std::int64_t, 4> shape{1, 1, 1, 1};
    std::array<std::int64_t, 4> stride{1, 1, 1, 1};

    static Tensor contiguous(void* data, DType dtype, std::initializer_list<std::int64_t> dims,
                             DeviceKind device = DeviceKind::Cpu) {
        Tensor t;
        t.data = data;
        t.dtype = dtype;
        t.device = device;
        t.rank = int(dims.size());
        int i = 0;
        for (auto d : dims)
            t.shape[i++] = d;
        std::int64_t s = 1;
        for (int k = t.rank - 1; k >= 0; --k) {
            t.stride[k] = s;
            s *= t.shape[k];
        }
        return t;
    }

    std::int64_t numel() const {
        std::int64_t n = 1;
        for (int i = 0; i < rank; ++i)
            n *= shape[i];
        return n;
    }
    std::size_t bytes() const { return std::size_t(numel()) * dtypeSize(dtype); }
    bool isContiguous() const {
        if (rank == 0 || !hasContiguousRows()) return rank == 0;
        std::int64_t row = 1;
        for (int k = 1; k < rank; ++k)
            row *= shape[k];
        return shape[0] == 1 || stride[0] == row;
    }
    // Whether each slice along dim 0 is contiguous, with any stride between them (some
    // columns of a wider matrix).
    bool hasContiguousRows() const {
        std::int64_t s = 1;
        for (int k = rank - 1; k >= 1; --k) {
            if (shape[k] != 1 && stride[k] != s) return false;
            s *= shape[k];
        }
        return true;
    }
    // Rows and row length when the tensor is read as a matrix [rows, last dim].
    std::int64_t cols() const { return rank == 0 ? 1 : shape[rank - 1]; }
    std::int64_t rows() const { return cols() == 0 ? 0 : numel() / cols(); }

    template <class T> T* as() const { return static_cast<T*>(data); }

    std::string shapeString() const {
        std::string s = "[";
        for (int i = 0; i < rank; ++i) {
            if (i) s += ", ";
            s += std::to_string(shape[i]);
        }
        return s + "]";
    }
};

} // namespace lv
