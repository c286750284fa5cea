// The CPU reference backend: multi-threaded float32 kernels (OpenBLAS sgemm for the
// matrix products) behind lv::Backend. Every other backend is tested against it.
#pragma once

#include "backend/Backend.h"
#include "backend/cpu/ThreadPool.h"

namespace lv {

class CpuBackend final : public Backend {
public:
    // threads: worker count including the calling thread; 0 = hardware concurrency.
    // OpenBLAS is set to one thread: the backend splits the work itself, so the two
    // never oversubscribe the cores.
    explicit CpuBackend(int threads = 0);

    int threads() const { return pool_.size(); }

    DeviceKind device() const override { return DeviceKind::Cpu; }
    std::string name() const override;

    void* allocate(std::size_t bytes) override;
    void release(void* ptr) override;
    void upload(void* dst, const void* src, std::size_t bytes) override;
    void download(void* dst, const void* src, std::size_t bytes) override;
    void copy(void* dst, const void* src, std::size_t bytes) override;
    void fill(void* dst, float value, std::int64_t count) override;
    void synchronize() override {}

    void embedding(const Tensor& ids, const Tensor& table, float scale, Tensor& out) override;
    void linear(const Tensor& x, const Tensor& weight, const Tensor* bias, float scale, Tensor& out,
                ProductOut mode = ProductOut::Write) override;
    void rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) override;
    void gatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& weight,
                      std::int64_t groupSize, float eps, bool normBeforeGate, Tensor& out) override;
    void addScaled(const Tensor& a, const Tensor& b, float scale, Tensor& out) override;
    void scale(Tensor& x, float scale) override;
    void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) override;
    void reluSquared(Tensor& x) override;
    void silu(Tensor& x) override;
    void causalConv1d(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& state,
                      bool applySilu, Tensor& out) override;
    void ssdScan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                 const Tensor& C, const Tensor& D, const Tensor& dtBias, const SsdParams& params,
                 Tensor& state, Tensor& y) override;
    void rope(Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim) override;
    void attention(const Tensor& q, const Tensor& kCache, const Tensor& vCache, std::int64_t pos0,
                   float scale, Tensor& out) override;
    void topkRouting(const Tensor& logits, std::int64_t k, bool softmaxFirst, bool renormalize,
                     Tensor& indices, Tensor& weights) override;
    void moeSwiglu(const Tensor& x, const MoeWeights& experts, const Tensor& indices,
                   const Tensor& weights, Tensor& out) override;

private:
    cpu::ThreadPool pool_;
};

} // namespace lv
