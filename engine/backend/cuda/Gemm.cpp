#include "backend/cuda/Gemm.h"
#include "backend/cuda/Switches.h"

#include "backend/cuda/CudaCheck.h"

#include <cstdlib>
#include <string>

namespace lv::cuda {
namespace {

cudaDataType_t dataType(int dtype) {
    return dtype == 1 ? CUDA_R_16BF : dtype == 2 ? CUDA_R_16F : CUDA_R_32F;
}

// The largest power of two (up to 256) that divides the address and every row start.
std::uint32_t alignmentOf(const void* p, std::int64_t ldBytes) {
    std::uint64_t v = reinterpret_cast<std::uint64_t>(p) | std::uint64_t(ldBytes) | 256u;
    return std::uint32_t(v & (~v + 1));
}

} // namespace

LtGemm::LtGemm() {
    check(cublasLtCreate(&handle_), "cublasLtCreate");
}

LtGemm::~LtGemm() {
    for (auto& [key, p] : plans_) {
        cublasLtMatrixLayoutDestroy(p.a);
        cublasLtMatrixLayoutDestroy(p.b);
        cublasLtMatrixLayoutDestroy(p.c);
        cublasLtMatmulDescDestroy(p.desc);
    }
    if (handle_) cublasLtDestroy(handle_);
}

// Column-major view: C[N, T] = op(A) B with A = W seen as [K, N] (transposed), B = x seen as
// [K, T], C = out seen as [N, T]; all three leading dimensions are the row strides.
LtGemm::Plan& LtGemm::plan(const GemmOperands& op, std::size_t workspaceBytes) {
    const std::size_t es = op.dtype == 0 ? 4 : 2;
    const std::uint32_t alignX = alignmentOf(op.x, op.ldx * std::int64_t(es));
    const std::uint32_t alignW = alignmentOf(op.w, op.ldw * std::int64_t(es));
    const std::uint32_t alignO = alignmentOf(op.out, op.ldo * (op.outDtype == 0 ? 4 : 2));
    const int alignKey = int(alignX) << 18 | int(alignW) << 9 | int(alignO);
    const Key key{op.T,     op.N,        op.K,           op.ldx,
                  op.ldw,   op.ldo,      op.dtype,       op.bias != nullptr,
                  alignKey, op.outDtype, op.beta != 0.0f};
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;

    Plan p;
    const cudaDataType_t t = dataType(op.dtype);
    const cublasComputeType_t compute =
        op.dtype == 0 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    check(cublasLtMatmulDescCreate(&p.desc, compute, CUDA_R_32F), "matmul descriptor");
    const cublasOperation_t transA = CUBLAS_OP_T, transB = CUBLAS_OP_N;
    check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &transA,
                                         sizeof(transA)),
          "TRANSA");
    check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &transB,
                                         sizeof(transB)),
          "TRANSB");
    if (op.bias) {
        const cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_BIAS;
        check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi,
                                             sizeof(epi)),
              "epilogue");
        const cudaDataType_t biasType = CUDA_R_32F;
        check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &biasType,
                                             sizeof(biasType)),
              "bias type");
    }
    check(cublasLtMatrixLayoutCreate(&p.a, t, std::uint64_t(op.K), std::uint64_t(op.N), op.ldw),
          "layout W");
    check(cublasLtMatrixLayoutCreate(&p.b, t, std::uint64_t(op.K), std::uint64_t(op.T), op.ldx),
          "layout x");
    check(cublasLtMatrixLayoutCreate(&p.c, dataType(op.outDtype), std::uint64_t(op.N),
                                     std::uint64_t(op.T), op.ldo),
          "layout out");

    cublasLtMatmulPreference_t pref = nullptr;
    check(cublasLtMatmulPreferenceCreate(&pref), "preference");
    const std::uint64_t ws = workspaceBytes;
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                         sizeof(ws));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &alignW,
                                         sizeof(alignW));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &alignX,
                                         sizeof(alignX));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &alignO,
                                         sizeof(alignO));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &alignO,
                                         sizeof(alignO));
    constexpr int kCandidates = 8;
    // An added product keeps the heuristic's first: timing candidates on its operands would
    // add each one's product into the output.
    const int wanted = tuning() && op.beta == 0.0f ? kCandidates : 1;
    cublasLtMatmulHeuristicResult_t results[kCandidates]{};
    int found = 0;
    const cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(handle_, p.desc, p.a, p.b, p.c, p.c,
                                                             pref, wanted, results, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    if (st != CUBLAS_STATUS_SUCCESS || found == 0) {
        cublasLtMatrixLayoutDestroy(p.a);
        cublasLtMatrixLayoutDestroy(p.b);
        cublasLtMatrixLayoutDestroy(p.c);
        cublasLtMatmulDescDestroy(p.desc);
        throw DeviceError("cuBLASLt: no algorithm for linear T=" + std::to_string(op.T) +
                          " N=" + std::to_string(op.N) + " K=" + std::to_string(op.K));
    }
    p.algo = results[0].algo;
    for (int i = 1; i < found; ++i)
        if (results[i].state == CUBLAS_STATUS_SUCCESS) p.candidates.push_back(results[i].algo);
    return plans_.emplace(key, p).first->second;
}

void LtGemm::matmul(const GemmOperands& op, const Plan& p, const cublasLtMatmulAlgo_t& algo,
                    void* workspace, std::size_t workspaceBytes, cudaStream_t stream) {
    check(cublasLtMatmul(handle_, p.desc, &op.alpha, op.w, p.a, op.x, p.b, &op.beta, op.out, p.c,
                         op.out, p.c, &algo, workspace, workspaceBytes, stream),
          "matmul");
}

void LtGemm::tune(const GemmOperands& op, Plan& p, void* workspace, std::size_t workspaceBytes,
                  cudaStream_t stream) {
    cudaStreamCaptureStatus capturing = cudaStreamCaptureStatusNone;
    cudaStreamIsCapturing(stream, &capturing);
    if (capturing != cudaStreamCaptureStatusNone) return; // nothing runs while recording
    cudaEvent_t start = nullptr, stop = nullptr;
    check(cudaEventCreate(&start), "tuning event");
    check(cudaEventCreate(&stop), "tuning event");
    std::vector<cublasLtMatmulAlgo_t> all{p.algo};
    all.insert(all.end(), p.candidates.begin(), p.candidates.end());
    float best = -1.0f;
    for (const auto& algo : all) {
        const float beta = 0.0f;
        // A candidate the library refuses for these operands is skipped, not an error.
        if (cublasLtMatmul(handle_, p.desc, &op.alpha, op.w, p.a, op.x, p.b, &beta, op.out, p.c,
                           op.out, p.c, &algo, workspace, workspaceBytes,
                           stream) != CUBLAS_STATUS_SUCCESS)
            continue;
        cudaEventRecord(start, stream);
        for (int r = 0; r < 3; ++r)
            matmul(op, p, algo, workspace, workspaceBytes, stream);
        cudaEventRecord(stop, stream);
        cudaEventSynchronize(stop);
        float ms = 0.0f;
        cudaEventElapsedTime(&ms, start, stop);
        if (best < 0.0f || ms < best) {
            best = ms;
            p.algo = algo;
        }
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    p.candidates.clear();
}

bool LtGemm::tuning() {
    // Read at each new plan (rare), so that a test can tune some shapes and not others.
    return switchIs("LONGVIEW_CUDA_GEMM_TUNE", "1");
}

void LtGemm::run(const GemmOperands& op, void* workspace, std::size_t workspaceBytes,
                 cudaStream_t stream) {
    if (op.T == 0 || op.N == 0) return;
    Plan& p = plan(op, workspaceBytes);
    if (op.bias)
        check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &op.bias,
                                             sizeof(op.bias)),
              "bias pointer");
    if (!p.candidates.empty()) tune(op, p, workspace, workspaceBytes, stream);
    matmul(op, p, p.algo, workspace, workspaceBytes, stream);
}

} // namespace lv::cuda
