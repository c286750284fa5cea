// topkRouting: mixture-of-experts router, top-k experts per token and their weights.
// Ties go to the lower expert index; experts come out in descending order of weight.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace lv::cpu {

void topkRouting(ThreadPool& pool, const Tensor& logits, std::int64_t k, bool softmaxFirst,
                 bool renormalize, Tensor& indices, Tensor& weights) {
    constexpr const char* op = "topkRouting";
    checkF32(op, "logits", logits, 2);
    checkTensor(op, "indices", indices, 2);
    if (indices.dtype != DType::I32) throwBadArgument(op, "indices", "is not i32");
    checkF32(op, "weights", weights, 2);
    const std::int64_t T = logits.shape[0], E = logits.shape[1];
    if (k < 1 || k > E)
        throwBadArgument(op, "k",
                         "is " + std::to_string(k) + ", expected 1 .. " + std::to_string(E));
    checkDim(op, "indices", indices, 0, T);
    checkDim(op, "indices", indices, 1, k);
    checkDim(op, "weights", weights, 0, T);
    checkDim(op, "weights", weights, 1, k);
    pool.parallelFor(T, 64, [&](std::int64_t t0, std::int64_t t1) {
        std::vector<float> p(static_cast<std::size_t>(E));
        std::vector<std::int32_t> order(static_cast<std::size_t>(E));
        for (std::int64_t t = t0; t < t1; ++t) {
            const float* row = logits.as<const float>() + t * logits.stride[0];
            std::copy_n(row, E, p.begin());
            if (softmaxFirst) {
                const float mx = *std::max_element(p.begin(), p.end());
                float sum = 0.0f;
                for (float& v : p)
                    sum += (v = std::exp(v - mx));
                for (float& v : p)
                    v /= sum;
            }
            std::iota(order.begin(), order.end(), 0);
            std::partial_sort(order.begin(), order.begin() + k, order.end(),
                              [&](std::int32_t a, std::int32_t b) {
                                  return p[std::size_t(a)] > p[std::size_t(b)] ||
                                         (p[std::size_t(a)] == p[std::size_t(b)] && a < b);
                              });
            std::int32_t* idx = indices.as<std::int32_t>() + t * indices.stride[0];
            float* w = weights.as<float>() + t * weights.stride[0];
            for (std::int64_t j = 0; j < k; ++j) {
                idx[j] = order[std::size_t(j)];
                w[j] = p[std::size_t(order[std::size_t(j)])];
            }
            if (softmaxFirst) {
                if (renormalize) {
                    float sum = 0.0f;
                    for (std::int64_t j = 0; j < k; ++j)
                        sum += w[j];
                    for (std::int64_t j = 0; j < k; ++j)
                        w[j] /= sum;
                }
            } else {
                const float mx = w[0];
                float sum = 0.0f;
                for (std::int64_t j = 0; j < k; ++j)
                    sum += (w[j] = std::exp(w[j] - mx));
                for (std::int64_t j = 0; j < k; ++j)
                    w[j] /= sum;
            }
        }
    });
}

} // namespace lv::cpu
