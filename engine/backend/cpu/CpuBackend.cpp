#include "backend/cpu/CpuBackend.h"

#include "backend/cpu/Kernels.h"
#include "core/Error.h"

#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace lv {

namespace {

int resolveThreads(int threads) {
    if (threads > 0) return threads;
    return std::max(1, int(std::thread::hardware_concurrency()));
}

// The reference also takes the 16-bit activations a GPU passes to its products (the op
// tests compare against it): it computes in f32 and rounds into a 16-bit out, or widens a
// 16-bit x first. Only [T, C] tensors with contiguous rows (what producers write).
bool isHalf(DType t) {
    return t == DType::BF16 || t == DType::F16;
}

void requireHalfRows(const Tensor& t, const char* op, const char* name) {
    if (t.rank != 2 || (t.shape[1] > 1 && t.stride[1] != 1))
        throw EngineError(std::string(op) + ": 16-bit " + name + " " + t.shapeString() +
                          " must be [T, C] with contiguous rows");
}

template <class Op> void intoHalfRows(const Tensor& out, const char* opName, Op&& op) {
    requireHalfRows(out, opName, "out");
    const std::int64_t rows = out.shape[0], cols = out.shape[1];
    std::vector<float> f32(std::size_t(rows * cols));
    Tensor t = Tensor::contiguous(f32.data(), DType::F32, {rows, cols});
    op(t);
    for (std::int64_t r = 0; r < rows; ++r)
        floatsTo(out.dtype, f32.data() + r * cols,
                 static_cast<std::uint16_t*>(out.data) + r * out.stride[0], std::size_t(cols));
}

Tensor widenedRows(const Tensor& x, std::vector<float>& f32, const char* opName) {
    requireHalfRows(x, opName, "x");
    const std::int64_t rows = x.shape[0], cols = x.shape[1];
    f32.resize(std::size_t(rows * cols));
    for (std::int64_t r = 0; r < rows; ++r)
        floatsFrom(x.dtype, static_cast<const std::uint16_t*>(x.data) + r * x.stride[0],
                   f32.data() + r * cols, std::size_t(cols));
    return Tensor::contiguous(f32.data(), DType::F32, {rows, cols});
}

} // namespace

CpuBackend::CpuBackend(int threads) : pool_(resolveThreads(threads)) {
    openblas_set_num_threads(1);
}

std::string CpuBackend::name() const {
    return "cpu (" + std::to_string(pool_.size()) + " threads)";
}

void* CpuBackend::allocate(std::size_t bytes) {
    const std::size_t rounded = std::max<std::size_t>(64, (bytes + 63) / 64 * 64);
    void* p = std::aligned_alloc(64, rounded);
    if (!p)
        throw DeviceError("cpu backend: out of memory allocating " + std::to_string(bytes) +
                          " bytes");
    return p;
}

void CpuBackend::release(void* ptr) {
    std::free(ptr);
}

void CpuBackend::upload(void* dst, const void* src, std::size_t bytes) {
    if (bytes) std::memcpy(dst, src, bytes);
}
void CpuBackend::download(void* dst, const void* src, std::size_t bytes) {
    if (bytes) std::memcpy(dst, src, bytes);
}
void CpuBackend::copy(void* dst, const void* src, std::size_t bytes) {
    if (bytes) std::memmove(dst, src, bytes);
}
void CpuBackend::fill(void* dst, float value, std::int64_t count) {
    std::fill_n(static_cast<float*>(dst), std::max<std::int64_t>(count, 0), value);
}

void CpuBackend::embedding(const Tensor& ids, const Tensor& table, float scale, Tensor& out) {
    cpu::embedding(pool_, ids, table, scale, out);
}
void CpuBackend::linear(const Tensor& x, const Tensor& weight, const Tensor* bias, float scale,
                        Tensor& out, ProductOut mode) {
    if (mode == ProductOut::Add) {
        // The reference: the product on its own, then added (the forward pass on the CPU
        // keeps its separate add, addsInProducts being false here).
        if (out.dtype != DType::F32 || out.rank != 2 || (out.shape[1] > 1 && out.stride[1] != 1))
            throw EngineError("linear: an added product needs an f32 out of contiguous rows, got " +
                              std::string(dtypeName(out.dtype)) + " " + out.shapeString());
        const std::int64_t T = out.shape[0], N = out.shape[1];
        std::vector<float> product(std::size_t(T * N));
        Tensor p = Tensor::contiguous(product.data(), DType::F32, {T, N});
        linear(x, weight, bias, scale, p);
        for (std::int64_t t = 0; t < T; ++t) {
            float* row = out.as<float>() + t * out.stride[0];
            for (std::int64_t n = 0; n < N; ++n)
                row[n] += product[std::size_t(t * N + n)];
        }
        return;
    }
    if (isHalf(x.dtype)) {
        if (x.dtype != weight.dtype)
            throw EngineError("linear: x is " + std::string(dtypeName(x.dtype)) + ", the weight " +
                              std::string(dtypeName(weight.dtype)) +
                              " (16-bit x must be the weight's type)");
        std::vector<float> f32;
        cpu::linear(pool_, widenedRows(x, f32, "linear"), weight, bias, scale, out);
        return;
    }
    cpu::linear(pool_, x, weight, bias, scale, out);
}
void CpuBackend::rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) {
    if (isHalf(out.dtype))
        return intoHalfRows(out, "rmsNorm",
                            [&](Tensor& o) { cpu::rmsNorm(pool_, x, weight, eps, o); });
    cpu::rmsNorm(pool_, x, weight, eps, out);
}
void CpuBackend::gatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& weight,
                              std::int64_t groupSize, float eps, bool normBeforeGate, Tensor& out) {
    if (isHalf(out.dtype))
        return intoHalfRows(out, "gatedRmsNorm", [&](Tensor& o) {
            cpu::gatedRmsNorm(pool_, x, z, weight, groupSize, eps, normBeforeGate, o);
        });
    cpu::gatedRmsNorm(pool_, x, z, weight, groupSize, eps, normBeforeGate, out);
}
void CpuBackend::addScaled(const Tensor& a, const Tensor& b, float scale, Tensor& out) {
    cpu::addScaled(pool_, a, b, scale, out);
}
void CpuBackend::scale(Tensor& x, float scale) {
    cpu::scale(pool_, x, scale);
}
void CpuBackend::swiglu(const Tensor& gate, const Tensor& up, Tensor& out) {
    if (isHalf(out.dtype))
        return intoHalfRows(out, "swiglu", [&](Tensor& o) { cpu::swiglu(pool_, gate, up, o); });
    cpu::swiglu(pool_, gate, up, out);
}
void CpuBackend::reluSquared(Tensor& x) {
    cpu::reluSquared(pool_, x);
}
void CpuBackend::silu(Tensor& x) {
    cpu::silu(pool_, x);
}
void CpuBackend::causalConv1d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                              Tensor& state, bool applySilu, Tensor& out) {
    cpu::causalConv1d(pool_, x, weight, bias, state, applySilu, out);
}
void CpuBackend::ssdScan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                         const Tensor& C, const Tensor& D, const Tensor& dtBias,
                         const SsdParams& params, Tensor& state, Tensor& y) {
    cpu::ssdScan(pool_, x, dt, A, B, C, D, dtBias, params, state, y);
}
void CpuBackend::rope(Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim) {
    cpu::rope(pool_, x, pos0, theta, rotaryDim);
}
void CpuBackend::attention(const Tensor& q, const Tensor& kCache, const Tensor& vCache,
                           std::int64_t pos0, float scale, Tensor& out) {
    cpu::attention(pool_, q, kCache, vCache, pos0, scale, out);
}
void CpuBackend::topkRouting(const Tensor& logits, std::int64_t k, bool softmaxFirst,
                             bool renormalize, Tensor& indices, Tensor& weights) {
    cpu::topkRouting(pool_, logits, k, softmaxFirst, renormalize, indices, weights);
}
void CpuBackend::moeSwiglu(const Tensor& x, const MoeWeights& experts, const Tensor& indices,
                           const Tensor& weights, Tensor& out) {
    cpu::moeSwiglu(pool_, x, experts, indices, weights, out);
}

std::unique_ptr<Backend> makeCpuBackend(int threads) {
    return std::make_unique<CpuBackend>(threads);
}

} // namespace lv
