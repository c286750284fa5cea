// The CPU backend's kernels, one family per source file, as free functions over a
// thread pool. CpuBackend forwards each Backend op here; Backend.h documents semantics.
#pragma once

#include "backend/Backend.h"
#include "backend/cpu/ThreadPool.h"
#include "backend/cpu/WeightConvert.h"

#include <cstdint>

namespace lv::cpu {

// out[t, n] = scale * (sum_k x[t, k] W[n, k] + bias[n]) for t < T, n < W.rows, K = W.cols.
// x and out are row-major with leading dimensions ldx and ldo; bias may be null.
// Shared by linear and the MoE experts.
void gemmXWt(ThreadPool& pool, const float* x, std::int64_t ldx, std::int64_t T,
             const WeightMatrix& W, const float* bias, float scale, float* out, std::int64_t ldo);

void embedding(ThreadPool& pool, const Tensor& ids, const Tensor& table, float scale, Tensor& out);
void linear(ThreadPool& pool, const Tensor& x, const Tensor& weight, const Tensor* bias,
            float scale, Tensor& out);
void rmsNorm(ThreadPool& pool, const Tensor& x, const Tensor& weight, float eps, Tensor& out);
void gatedRmsNorm(ThreadPool& pool, const Tensor& x, const Tensor& z, const Tensor& weight,
                  std::int64_t groupSize, float eps, bool normBeforeGate, Tensor& out);
void addScaled(ThreadPool& pool, const Tensor& a, const Tensor& b, float scale, Tensor& out);
void scale(ThreadPool& pool, Tensor& x, float scale);
void swiglu(ThreadPool& pool, const Tensor& gate, const Tensor& up, Tensor& out);
void reluSquared(ThreadPool& pool, Tensor& x);
void silu(ThreadPool& pool, Tensor& x);
void causalConv1d(ThreadPool& pool, const Tensor& x, const Tensor& weight, const Tensor* bias,
                  Tensor& state, bool applySilu, Tensor& out);
void ssdScan(ThreadPool& pool, const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
             const Tensor& C, const Tensor& D, const Tensor& dtBias, const SsdParams& params,
             Tensor& state, Tensor& y);
void rope(ThreadPool& pool, Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim);
void attention(ThreadPool& pool, const Tensor& q, const Tensor& kCache, const Tensor& vCache,
               std::int64_t pos0, float scale, Tensor& out);
void topkRouting(ThreadPool& pool, const Tensor& logits, std::int64_t k, bool softmaxFirst,
                 bool renormalize, Tensor& indices, Tensor& weights);
void moeSwiglu(ThreadPool& pool, const Tensor& x, const MoeWeights& experts, const Tensor& indices,
               const Tensor& weights, Tensor& out);

} // namespace lv::cpu
