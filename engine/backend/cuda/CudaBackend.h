// lv::Backend on one NVIDIA GPU: bf16 weights resident on the device, float32 activations
// and accumulation, one stream, one stream-ordered memory pool, cuBLASLt for the products.
#pragma once

#include "backend/Backend.h"
#include "backend/cuda/Gemm.h"
#include "backend/cuda/Kernels.h"

#include <cuda_runtime.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lv::cuda {

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(int deviceIndex); // throws DeviceError
    ~CudaBackend() override;

    DeviceKind device() const override { return DeviceKind::Cuda; }
    std::string name() const override { return name_; }

    void* allocate(std::size_t bytes) override;
    void release(void* ptr) override;
    void upload(void* dst, const void* src, std::size_t bytes) override;
    void download(void* dst, const void* src, std::size_t bytes) override;
    // Into a pinned slot, an event after it; collecting waits for that event alone.
    std::uint64_t queueDownload(void* dst, const void* src, std::size_t bytes) override;
    void collectDownload(std::uint64_t ticket) override;
    void copy(void* dst, const void* src, std::size_t bytes) override;
    void fill(void* dst, float value, std::int64_t count) override;
    void synchronize() override;

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
    // Decode (T <= 4): one GEMV unless LONGVIEW_CUDA_CONV_EPILOGUE=0.
    void fusedLinear(const Tensor& x, const ResidualNorm* fold, const Tensor& weight,
                     const Tensor* bias, float scale, Tensor& out,
                     const ConvOfColumns* conv) override;
    // Decode (T <= 4) unless LONGVIEW_CUDA_FOLD_NORM=0.
    bool stacksProducts() const override;
    DType swigluInputDType(const Tensor& down, std::int64_t rows) const override;
    // Prefill (T > 4) of bf16 checkpoints unless LONGVIEW_CUDA_INPROJ_BF16=0.
    DType mamba2ProjectionDType(const Tensor& inProj, std::int64_t rows) const override;
    // Prefill (T > 4) of bf16 checkpoints unless LONGVIEW_CUDA_SSD_Y_BF16=0.
    DType ssdOutputDType(const Tensor& outProj, std::int64_t rows) const override;
    // Prefill past 32 tokens (the chunked form) of bf16 checkpoints unless
    // LONGVIEW_CUDA_SSD_IN_BF16=0.
    DType ssdInputDType(const Tensor& outProj, std::int64_t rows) const override;
    bool foldsResidualNorm(std::int64_t T) const override;
    // Prefill (T > 4, the cuBLASLt products) unless LONGVIEW_CUDA_ADD_IN_PRODUCT=0.
    bool addsInProducts(std::int64_t T) const override;
    void linearOfAddRmsNorm(Tensor& x, const Tensor& delta, float scale, const Tensor& normWeight,
                            float eps, Tensor& xOut, const Tensor& weight, const Tensor* bias,
                            float lscale, Tensor& out) override;
    void reluSquared(Tensor& x) override;
    void silu(Tensor& x) override;
    void causalConv1d(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& state,
                      bool applySilu, Tensor& out) override;
    void ssdScan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                 const Tensor& C, const Tensor& D, const Tensor& dtBias, const SsdParams& params,
                 Tensor& state, Tensor& y) override;
    void rope(Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim) override;
    void ropeAndAppend(Tensor& q, Tensor& k, const Tensor& v, Tensor& kCache, Tensor& vCache,
                       std::int64_t pos0, float theta, std::int64_t rotaryDim) override;
    // f16 unless LONGVIEW_CUDA_KV=f32 (the bench's A/B switch).
    DType kvCacheDType() const override;
    // 8192 on GPUs of 16 GiB or more, else 2048; LONGVIEW_CUDA_CHUNK overrides (the bench's
    // A/B switch).
    std::int64_t preferredPrefillChunk() const override;
    // The weight's 16-bit type for tensor-core products (more than kGemvMaxRows rows).
    DType linearInputDType(const Tensor& weight, std::int64_t rows) const override;
    DType moeInputDType(const Tensor& gateUp, std::int64_t rows) const override;
    void storeRows(const Tensor& src, Tensor& dst, std::int64_t row0) override;
    void attention(const Tensor& q, const Tensor& kCache, const Tensor& vCache, std::int64_t pos0,
                   float scale, Tensor& out) override;
    void topkRouting(const Tensor& logits, std::int64_t k, bool softmaxFirst, bool renormalize,
                     Tensor& indices, Tensor& weights) override;
    void moeSwiglu(const Tensor& x, const MoeWeights& experts, const Tensor& indices,
                   const Tensor& weights, Tensor& out) override;
    void routedMoeSwiglu(const Tensor& x, const Tensor& logits, const MoeRouting& routing,
                         const MoeWeights& experts, Tensor& indices, Tensor& weights,
                         Tensor& out) override;

    // Matrices big enough for the tensor cores keep the checkpoint's dtype (bf16 checkpoints
    // stay bf16 on the GPU); everything else (norms, biases, conv taps, A, D, small
    // routers) becomes f32.
    Tensor prepareWeight(const Tensor& host) override;
    void releaseWeight(const Tensor& prepared) override;
    void argmax(const Tensor& logits, Tensor& indices) override;
    // A CUDA graph captured from the stream; positions live in one device word that each
    // replay sets first.
    std::unique_ptr<RecordedStep> recordStep(std::int64_t pos0, const std::function<void()>& ops,
                                             std::string& whyNot) override;
    void replayStep(RecordedStep& step, std::int64_t pos0) override;
    MemoryStats memoryStats() const override;
    void resetPeak() override;

    cudaStream_t stream() const { return stream_; }

private:
    // Stream-ordered scratch from the pool, freed (in stream order) when it goes out of scope.
    class Scratch {
    public:
        Scratch(CudaBackend& b, std::size_t bytes);
        ~Scratch();
        Scratch(const Scratch&) = delete;
        Scratch& operator=(const Scratch&) = delete;
        template <class T> T* as() const { return static_cast<T*>(ptr_); }

    private:
        CudaBackend& backend_;
        void* ptr_ = nullptr;
    };

    void makeCurrent() const;
    void* poolAllocate(std::size_t bytes);
    // What an op passes its kernels for `pos0`: the value itself, or while recording an
    // offset from the replay's position word.
    DevicePos positionArg(std::int64_t pos0) const;
    void refuseWhileRecording(const char* what) const;
    // moeSwiglu, its experts first picked from `logits` where given (by the rows form's
    // gate-up for a few tokens, else by topkRouting into indices and weights).
    void runExperts(const Tensor& x, const MoeWeights& experts, const Tensor* logits,
                    const MoeRouting& routing, const Tensor& indices, const Tensor& weights,
                    Tensor& out);
    // The cuBLASLt product with g's output fields set: halfX is x's 16-bit data when it can
    // be read as is (else xr, f32, is converted).
    void runGemm(const void* halfX, const Rows& xr, const Tensor& weight, std::int64_t ldw,
                 std::int64_t N, std::int64_t K, float scale, GemmOperands& g);
    // linear with a 16-bit out (a product more than a GEMV's rows, no bias).
    void linearToHalf(const Tensor& x, const Rows& xr, const Tensor& weight, const Tensor* bias,
                      float scale, Tensor& out);

    int device_ = 0;
    std::string name_;
    cudaStream_t stream_ = nullptr;
    cudaMemPool_t pool_ = nullptr;
    void* workspace_ = nullptr;
    std::size_t workspaceBytes_ = 0;
    std::unique_ptr<LtGemm> gemm_;

    std::int64_t* positionDev_ = nullptr;  // the replay position, read by recorded kernels
    std::int64_t* positionHost_ = nullptr; // pinned staging for it
    cudaEvent_t positionCopied_ = nullptr; // the last staging copy has read positionHost_
    // Queued downloads: kQueuedCopies pinned slots of kQueuedBytes, an event per slot (its
    // copy has landed), where each goes and how much; tickets count up, slot = ticket % n.
    struct QueuedCopy {
        void* dst = nullptr;
        std::size_t bytes = 0;
        bool waiting = false;
    };
    std::mutex queuedMutex_;
    std::uint8_t* queuedHost_ = nullptr;
    cudaEvent_t queuedDone_[kQueuedCopies] = {};
    QueuedCopy queued_[kQueuedCopies];
    std::uint64_t nextTicket_ = 0;
    bool recording_ = false;
    std::int64_t recordedPos0_ = 0;
    std::vector<void*> releasedWhileRecording_;
};

} // namespace lv::cuda
