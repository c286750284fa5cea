#include "backend/cpu/TensorChecks.h"

namespace lv::cpu {

void throwBadArgument(const char* op, const char* arg, const std::string& what) {
    throw EngineError(std::string("cpu backend ") + op + ": argument '" + arg + "' " + what);
}

void checkTensor(const char* op, const char* arg, const Tensor& t, int rank) {
    if (t.device != DeviceKind::Cpu) throwBadArgument(op, arg, "is not in host memory");
    if (t.rank != rank)
        throwBadArgument(op, arg,
                         "has rank " + std::to_string(t.rank) + " " + t.shapeString() +
                             ", expected rank " + std::to_string(rank));
    if (t.numel() > 0 && t.data == nullptr) throwBadArgument(op, arg, "has no data");
    if (rank > 0 && t.shape[rank - 1] > 1 && t.stride[rank - 1] != 1)
        throwBadArgument(
            op, arg, "has a strided last dim (stride " + std::to_string(t.stride[rank - 1]) + ")");
}

void checkF32(const char* op, const char* arg, const Tensor& t, int rank) {
    checkTensor(op, arg, t, rank);
    if (t.dtype != DType::F32)
        throwBadArgument(op, arg,
                         std::string("has dtype ") + std::string(dtypeName(t.dtype)) +
                             ", expected f32");
}

void checkFloatWeight(const char* op, const char* arg, const Tensor& t, int rank) {
    checkTensor(op, arg, t, rank);
    if (t.dtype != DType::F32 && t.dtype != DType::BF16 && t.dtype != DType::F16)
        throwBadArgument(op, arg,
                         std::string("has dtype ") + std::string(dtypeName(t.dtype)) +
                             ", expected f32, bf16 or f16");
}

void checkDim(const char* op, const char* arg, const Tensor& t, int dim, std::int64_t expected) {
    if (t.shape[dim] != expected)
        throwBadArgument(op, arg,
                         "has shape " + t.shapeString() + ", expected dim " + std::to_string(dim) +
                             " to be " + std::to_string(expected));
}

void checkPackedRows(const char* op, const char* arg, const Tensor& t) {
    std::int64_t s = 1;
    for (int k = t.rank - 1; k >= 1; --k) {
        if (t.shape[k] != 1 && t.stride[k] != s)
            throwBadArgument(op, arg,
                             "has shape " + t.shapeString() +
                                 " with non-packed inner dims (stride of dim " + std::to_string(k) +
                                 " is " + std::to_string(t.stride[k]) + ")");
        s *= t.shape[k];
    }
}

void checkContiguous(const char* op, const char* arg, const Tensor& t) {
    if (!t.isContiguous())
        throwBadArgument(op, arg, "of shape " + t.shapeString() + " is not contiguous");
}

RowView::RowView(const Tensor& t)
    : base_(static_cast<float*>(t.data)), outer_(t.rank > 1 ? t.rank - 1 : 1) {
    if (t.rank > 4 || t.rank < 1) throwBadArgument("rows", "tensor", "has unsupported rank");
    cols_ = t.shape[t.rank - 1];
    rows_ = cols_ == 0 ? 0 : t.numel() / cols_;
    if (t.rank == 1) {
        shape_[0] = 1;
        stride_[0] = 0;
    } else {
        for (int d = 0; d < outer_; ++d) {
            shape_[d] = t.shape[d];
            stride_[d] = t.stride[d];
        }
    }
}

} // namespace lv::cpu
