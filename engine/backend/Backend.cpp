#include "backend/Backend.h"

#include "core/Error.h"

#include <stdexcept>
#include <string>

namespace lv {

Tensor Backend::prepareWeight(const Tensor& host) {
    if (device() == DeviceKind::Cpu) return host;
    Tensor t = host;
    t.device = device();
    t.data = allocate(host.bytes());
    upload(t.data, host.data, host.bytes());
    // A packed copy: recompute contiguous strides (host views may be row slices).
    std::int64_t s = 1;
    for (int k = t.rank - 1; k >= 0; --k) {
        t.stride[k] = s;
        s *= t.shape[k];
    }
    return t;
}

void Backend::releaseWeight(const Tensor& prepared) {
    if (device() != DeviceKind::Cpu && prepared.data) release(prepared.data);
}

std::int64_t Backend::storeRowsLength(const Tensor& src, const Tensor& dst, std::int64_t row0) {
    const std::int64_t T = src.rank ? src.shape[0] : 0, rowLen = T ? src.numel() / T : 0;
    if (src.rank < 1 || dst.rank < 1 || !src.hasContiguousRows() ||
        (T > 1 && src.stride[0] < rowLen) || !dst.isContiguous() || src.dtype != DType::F32 ||
        (dst.dtype != DType::F32 && dst.dtype != DType::F16 && dst.dtype != DType::BF16))
        throw EngineError("storeRows: src " + src.shapeString() +
                          " must be f32 with contiguous rows and dst " + dst.shapeString() +
                          " contiguous f32, bf16 or f16 (is " + std::string(dtypeName(dst.dtype)) +
                          ")");
    if (dst.shape[0] == 0 || dst.numel() / dst.shape[0] != rowLen)
        throw EngineError("storeRows: rows of src " + src.shapeString() + " and dst " +
                          dst.shapeString() + " differ");
    if (row0 < 0 || row0 + T > dst.shape[0])
        throw EngineError("storeRows: rows " + std::to_string(row0) + ".." +
                          std::to_string(row0 + T) + " outside dst " + dst.shapeString());
    return rowLen;
}

void Backend::storeRows(const Tensor& src, Tensor& dst, std::int64_t row0) {
    const std::int64_t rowLen = storeRowsLength(src, dst, row0);
    const std::int64_t T = src.shape[0];
    if (T == 0) return;
    const std::size_t es = dtypeSize(dst.dtype);
    char* to = static_cast<char*>(dst.data) + std::size_t(row0 * rowLen) * es;
    // One piece where src rows are packed, else a row at a time (src holds some columns of
    // a wider matrix: k and v of a stacked product).
    const bool packed = T == 1 || src.stride[0] == rowLen;
    const std::int64_t pieces = packed ? 1 : T, pieceLen = packed ? T * rowLen : rowLen;
    if (dst.dtype != DType::F32 && device() != DeviceKind::Cpu)
        throw EngineError(name() + ": storeRows into a " + std::string(dtypeName(dst.dtype)) +
                          " cache is not implemented");
    for (std::int64_t p = 0; p < pieces; ++p) {
        const float* from = src.as<const float>() + p * src.stride[0];
        char* at = to + std::size_t(p * pieceLen) * es;
        if (dst.dtype == DType::F32)
            copy(at, from, std::size_t(pieceLen) * sizeof(float));
        else
            floatsTo(dst.dtype, from, at, std::size_t(pieceLen));
    }
}

void Backend::ropeAndAppend(Tensor& q, Tensor& k, const Tensor& v, Tensor& kCache, Tensor& vCache,
                            std::int64_t pos0, float theta, std::int64_t rotaryDim) {
    if (rotaryDim > 0) {
        rope(q, pos0, theta, rotaryDim);
        rope(k, pos0, theta, rotaryDim);
    }
    storeRows(k, kCache, pos0);
    storeRows(v, vCache, pos0);
}

void Backend::addRmsNorm(Tensor& x, const Tensor& delta, float scale, const Tensor& weight,
                         float eps, Tensor& normed) {
    addScaled(x, delta, scale, x);
    rmsNorm(x, weight, eps, normed);
}

namespace {

// The scratch of a fused product's default, as the [T, F] input of the product in the type
// the backend takes it in.
Tensor productInput(const Backend& be, const char* op, const Tensor& like, const Tensor& weight,
                    Tensor& scratch) {
    const std::int64_t T = like.rank >= 2 ? like.shape[0] : 1, F = like.cols();
    if (scratch.dtype != DType::F32 || scratch.numel() < T * F)
        throw EngineError(std::string(op) + ": scratch " + scratch.shapeString() +
                          " must be f32 with room for " + like.shapeString());
    return Tensor::contiguous(scratch.data, be.linearInputDType(weight, T), {T, F}, scratch.device);
}

} // namespace

void Backend::linearOfSwiglu(const Tensor& gate, const Tensor& up, const Tensor& weight,
                             const Tensor* bias, float scale, Tensor& out, Tensor& scratch,
                             ProductOut mode) {
    Tensor act = productInput(*this, "linearOfSwiglu", gate, weight, scratch);
    swiglu(gate, up, act);
    linear(act, weight, bias, scale, out, mode);
}

void Backend::linearOfGatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& normWeight,
                                   std::int64_t groupSize, float eps, bool normBeforeGate,
                                   const Tensor& weight, const Tensor* bias, float scale,
                                   Tensor& out, Tensor& scratch, ProductOut mode) {
    Tensor normed = productInput(*this, "linearOfGatedRmsNorm", x, weight, scratch);
    gatedRmsNorm(x, z, normWeight, groupSize, eps, normBeforeGate, normed);
    linear(normed, weight, bias, scale, out, mode);
}

bool Backend::foldsResidualNorm(std::int64_t) const {
    return false;
}

void Backend::linearOfAddRmsNorm(Tensor& x, const Tensor& delta, float scale,
                                 const Tensor& normWeight, float eps, Tensor& xOut,
                                 const Tensor& weight, const Tensor* bias, float lscale,
                                 Tensor& out) {
    if (x.data == xOut.data)
        throw EngineError("linearOfAddRmsNorm: xOut must not be x (" + x.shapeString() + ")");
    addScaled(x, delta, scale, xOut);
    Tensor normed = productInput(*this, "linearOfAddRmsNorm", xOut, weight, x);
    rmsNorm(xOut, normWeight, eps, normed);
    linear(normed, weight, bias, lscale, out);
}

void Backend::fusedLinear(const Tensor& x, const ResidualNorm* fold, const Tensor& weight,
                          const Tensor* bias, float scale, Tensor& out, const ConvOfColumns* conv) {
    if (fold)
        linearOfAddRmsNorm(*fold->x, *fold->delta, fold->scale, *fold->weight, fold->eps,
                           *fold->xOut, weight, bias, scale, out);
    else
        linear(x, weight, bias, scale, out);
    if (!conv) return;
    const std::int64_t C = conv->weight->rank == 2 ? conv->weight->shape[0] : -1;
    if (out.rank != 2 || C < 0 || conv->c0 < 0 || conv->c0 + C > out.shape[1])
        throw EngineError("fusedLinear: conv columns " + std::to_string(conv->c0) + "+" +
                          std::to_string(C) + " outside out " + out.shapeString());
    Tensor columns = out;
    columns.data = static_cast<char*>(out.data) + std::size_t(conv->c0) * dtypeSize(out.dtype);
    columns.shape[1] = C;
    causalConv1d(columns, *conv->weight, conv->bias, *conv->state, conv->silu, *conv->out);
}

void Backend::replayStep(RecordedStep&, std::int64_t) {
    throw std::logic_error(name() + ": replayStep without a recorded step");
}

} // namespace lv

#include <cmath>
#include <vector>

namespace lv {

namespace {

// Rows of a 2-D f32 tensor (row stride may exceed the row length) as a packed host copy.
std::vector<float> packedRows(Backend& be, const Tensor& t) {
    const std::int64_t rows = t.rank >= 2 ? t.shape[0] : 1;
    const std::int64_t cols = t.cols();
    const std::int64_t stride = t.rank >= 2 ? t.stride[0] : cols;
    std::vector<float> out(std::size_t(rows * cols));
    if (rows == 0 || cols == 0) return out;
    const std::size_t span = std::size_t((rows - 1) * stride + cols);
    std::vector<float> raw;
    const float* src = static_cast<const float*>(t.data);
    if (be.device() != DeviceKind::Cpu) {
        raw.resize(span);
        be.download(raw.data(), t.data, span * 4);
        src = raw.data();
    }
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
            out[std::size_t(r * cols + c)] = src[r * stride + c];
    return out;
}

void storePacked(Backend& be, const std::vector<float>& v, Tensor& t) {
    if (be.device() == DeviceKind::Cpu)
        std::copy(v.begin(), v.end(), static_cast<float*>(t.data));
    else
        be.upload(t.data, v.data(), v.size() * 4);
}

} // namespace

void Backend::selectiveScan(const Tensor& u, const Tensor& dt, const Tensor& A, const Tensor& B,
                            const Tensor& C, const Tensor& Dskip, const Tensor& dtBias,
                            Tensor& state, Tensor& y) {
    const std::int64_t T = u.shape[0], D = u.cols(), N = A.cols();
    const auto hu = packedRows(*this, u), hdt = packedRows(*this, dt), hA = packedRows(*this, A);
    const auto hB = packedRows(*this, B), hC = packedRows(*this, C);
    const auto hD = packedRows(*this, Dskip), hBias = packedRows(*this, dtBias);
    auto hs = packedRows(*this, state);
    std::vector<float> hy(std::size_t(T * D));
    for (std::int64_t t = 0; t < T; ++t) {
        for (std::int64_t d = 0; d < D; ++d) {
            const float raw = hdt[std::size_t(t * D + d)] + hBias[std::size_t(d)];
            const float delta = raw > 20.0f ? raw : std::log1p(std::exp(raw)); // softplus
            const float xu = hu[std::size_t(t * D + d)];
            float acc = 0.0f;
            for (std::int64_t n = 0; n < N; ++n) {
                float& s = hs[std::size_t(d * N + n)];
                s = std::exp(delta * hA[std::size_t(d * N + n)]) * s +
                    delta * hB[std::size_t(t * N + n)] * xu;
                acc += s * hC[std::size_t(t * N + n)];
            }
            hy[std::size_t(t * D + d)] = acc + hD[std::size_t(d)] * xu;
        }
    }
    storePacked(*this, hs, state);
    storePacked(*this, hy, y);
}

} // namespace lv
