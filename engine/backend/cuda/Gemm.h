// cuBLASLt matrix products for Backend::linear: out[T, N] = alpha * x[T, K] W[N, K]^T (+ bias)
// (+ out, for a product added into its output),
// with float32 accumulation and float32 output (or 16-bit, for a consumer that reads it so). x and
// W are both bf16, both f16, or both f32 (TF32 tensor cores). Plans (descriptors, layouts, the
// chosen algorithm) are cached per shape. LONGVIEW_CUDA_GEMM_TUNE=1 times the heuristic's first
// candidates on a plan's first run and keeps the fastest (opt-in until measured).
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

namespace lv::cuda {

struct GemmOperands {
    const void* x; // [T, K], row stride ldx
    std::int64_t ldx;
    const void* w; // [N, K], row stride ldw
    std::int64_t ldw;
    int dtype; // of x and w: 0 f32, 1 bf16, 2 f16
    void* out; // [T, N] of outDtype, row stride ldo
    std::int64_t ldo;
    int outDtype = 0; // 0 f32; 1 bf16 or 2 f16 (no bias then): a product read next as 16-bit
    std::int64_t T, N, K;
    float alpha;
    const float* bias; // [N] added after alpha, or null
    // 1: out += the product (f32 out, read as cuBLASLt's C where it writes D), the residual
    // stream's add in the epilogue; 0: out = the product.
    float beta = 0.0f;
};

class LtGemm {
public:
    LtGemm();
    ~LtGemm();
    LtGemm(const LtGemm&) = delete;
    LtGemm& operator=(const LtGemm&) = delete;

    void run(const GemmOperands& op, void* workspace, std::size_t workspaceBytes,
             cudaStream_t stream);

private:
    struct Plan {
        cublasLtMatmulDesc_t desc = nullptr;
        cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
        cublasLtMatmulAlgo_t algo{};
        // The heuristic's other candidates, timed on the first run when tuning is on.
        std::vector<cublasLtMatmulAlgo_t> candidates;
    };
    using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                           std::int64_t, int, bool, int, int, bool>;
    static bool tuning(); // LONGVIEW_CUDA_GEMM_TUNE=1
    Plan& plan(const GemmOperands& op, std::size_t workspaceBytes);
    void matmul(const GemmOperands& op, const Plan& p, const cublasLtMatmulAlgo_t& algo,
                void* workspace, std::size_t workspaceBytes, cudaStream_t stream);
    // Times every candidate on these operands and keeps the fastest (the output is written
    // by each; the real product follows).
    void tune(const GemmOperands& op, Plan& p, void* workspace, std::size_t workspaceBytes,
              cudaStream_t stream);

    cublasLtHandle_t handle_ = nullptr;
    std::map<Key, Plan> plans_;
};

} // namespace lv::cuda
