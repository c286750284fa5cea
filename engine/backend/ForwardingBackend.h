// A Backend that hands every call to another backend, each op through around(op, call):
// the base for backends that observe or alter a few ops (ProfiledBackend, test doubles).
#pragma once

#include "backend/Backend.h"

#include <functional>
#include <memory>

namespace lv {

class ForwardingBackend : public Backend {
public:
    explicit ForwardingBackend(Backend& inner) : inner_(&inner) {}
    explicit ForwardingBackend(std::unique_ptr<Backend> owned)
        : owned_(std::move(owned)), inner_(owned_.get()) {}

    DeviceKind device() const override { return inner_->device(); }
    std::string name() const override { return inner_->name(); }

    void* allocate(std::size_t bytes) override { return inner_->allocate(bytes); }
    void release(void* ptr) override { inner_->release(ptr); }
    void upload(void* dst, const void* src, std::size_t bytes) override;
    void download(void* dst, const void* src, std::size_t bytes) override;
    std::uint64_t queueDownload(void* dst, const void* src, std::size_t bytes) override;
    void collectDownload(std::uint64_t ticket) override;
    void copy(void* dst, const void* src, std::size_t bytes) override;
    void fill(void* dst, float value, std::int64_t count) override;
    void synchronize() override { inner_->synchronize(); }
    Tensor prepareWeight(const Tensor& host) override { return inner_->prepareWeight(host); }
    void releaseWeight(const Tensor& prepared) override { inner_->releaseWeight(prepared); }
    bool stacksProducts() const override { return inner_->stacksProducts(); }
    DType swigluInputDType(const Tensor& down, std::int64_t rows) const override {
        return inner_->swigluInputDType(down, rows);
    }
    DType mamba2ProjectionDType(const Tensor& inProj, std::int64_t rows) const override {
        return inner_->mamba2ProjectionDType(inProj, rows);
    }
    DType ssdOutputDType(const Tensor& outProj, std::int64_t rows) const override {
        return inner_->ssdOutputDType(outProj, rows);
    }
    DType ssdInputDType(const Tensor& outProj, std::int64_t rows) const override {
        return inner_->ssdInputDType(outProj, rows);
    }

    void embedding(const Tensor& ids, const Tensor& table, float scale, Tensor& out) override;
    void linear(const Tensor& x, const Tensor& weight, const Tensor* bias, float scale, Tensor& out,
                ProductOut mode = ProductOut::Write) override;
    void rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) override;
    void gatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& weight,
                      std::int64_t groupSize, float eps, bool normBeforeGate, Tensor& out) override;
    void addScaled(const Tensor& a, const Tensor& b, float scale, Tensor& out) override;
    void scale(Tensor& x, float scale) override;
    void addRmsNorm(Tensor& x, const Tensor& delta, float scale, const Tensor& weight, float eps,
                    Tensor& normed) override;
    void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) override;
    void linearOfSwiglu(const Tensor& gate, const Tensor& up, const Tensor& weight,
                        const Tensor* bias, float scale, Tensor& out, Tensor& scratch,
                        ProductOut mode = ProductOut::Write) override;
    void linearOfGatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& normWeight,
                              std::int64_t groupSize, float eps, bool normBeforeGate,
                              const Tensor& weight, const Tensor* bias, float scale, Tensor& out,
                              Tensor& scratch, ProductOut mode = ProductOut::Write) override;
    bool foldsResidualNorm(std::int64_t T) const override { return inner_->foldsResidualNorm(T); }
    bool addsInProducts(std::int64_t T) const override { return inner_->addsInProducts(T); }
    void linearOfAddRmsNorm(Tensor& x, const Tensor& delta, float scale, const Tensor& normWeight,
                            float eps, Tensor& xOut, const Tensor& weight, const Tensor* bias,
                            float lscale, Tensor& out) override;
    void fusedLinear(const Tensor& x, const ResidualNorm* fold, const Tensor& weight,
                     const Tensor* bias, float scale, Tensor& out,
                     const ConvOfColumns* conv) override;
    void reluSquared(Tensor& x) override;
    void silu(Tensor& x) override;
    void causalConv1d(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& state,
                      bool applySilu, Tensor& out) override;
    void ssdScan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                 const Tensor& C, const Tensor& D, const Tensor& dtBias, const SsdParams& params,
                 Tensor& state, Tensor& y) override;
    void selectiveScan(const Tensor& u, const Tensor& dt, const Tensor& A, const Tensor& B,
                       const Tensor& C, const Tensor& Dskip, const Tensor& dtBias, Tensor& state,
                       Tensor& y) override;
    void rope(Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim) override;
    void storeRows(const Tensor& src, Tensor& dst, std::int64_t row0) override;
    void ropeAndAppend(Tensor& q, Tensor& k, const Tensor& v, Tensor& kCache, Tensor& vCache,
                       std::int64_t pos0, float theta, std::int64_t rotaryDim) override;
    void attention(const Tensor& q, const Tensor& kCache, const Tensor& vCache, std::int64_t pos0,
                   float scale, Tensor& out) override;
    void topkRouting(const Tensor& logits, std::int64_t k, bool softmaxFirst, bool renormalize,
                     Tensor& indices, Tensor& weights) override;
    void moeSwiglu(const Tensor& x, const MoeWeights& experts, const Tensor& indices,
                   const Tensor& weights, Tensor& out) override;
    void routedMoeSwiglu(const Tensor& x, const Tensor& logits, const MoeRouting& routing,
                         const MoeWeights& experts, Tensor& indices, Tensor& weights,
                         Tensor& out) override;
    void argmax(const Tensor& logits, Tensor& indices) override;

    DType kvCacheDType() const override { return inner_->kvCacheDType(); }
    std::int64_t preferredPrefillChunk() const override { return inner_->preferredPrefillChunk(); }
    DType linearInputDType(const Tensor& weight, std::int64_t rows) const override {
        return inner_->linearInputDType(weight, rows);
    }
    DType moeInputDType(const Tensor& gateUp, std::int64_t rows) const override {
        return inner_->moeInputDType(gateUp, rows);
    }
    std::unique_ptr<RecordedStep> recordStep(std::int64_t pos0, const std::function<void()>& ops,
                                             std::string& whyNot) override {
        return inner_->recordStep(pos0, ops, whyNot);
    }
    void replayStep(RecordedStep& step, std::int64_t pos0) override {
        inner_->replayStep(step, pos0);
    }
    MemoryStats memoryStats() const override { return inner_->memoryStats(); }
    void resetPeak() override { inner_->resetPeak(); }

protected:
    // Runs one op or transfer (`call`) named `op`; `weight` is linear's weight (its shape
    // tells the products apart), else null. The default just calls.
    virtual void around(const char* op, const Tensor* weight, const std::function<void()>& call) {
        (void)op;
        (void)weight;
        call();
    }
    Backend& inner() const { return *inner_; }

private:
    std::unique_ptr<Backend> owned_;
    Backend* inner_;
};

} // namespace lv
