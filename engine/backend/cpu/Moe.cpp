// moeSwiglu: a mixture of SwiGLU experts. Token-expert assignments are sorted by expert;
// each expert then runs two GEMMs on its gathered tokens, and every token sums its
// experts' outputs with the routing weights (and the shared expert's output, one GEMM pair
// over the batch's tokens, where there is one). Tokens go in batches so that the scratch
// buffers stay bounded for long prefills.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <algorithm>
#include <vector>

namespace lv::cpu {

namespace {

constexpr std::int64_t kMaxAssignments = 4096; // token-expert pairs per batch

LV_CPU_MULTIVERSION void swigluHalves(const float* gu, std::int64_t F, float* out) {
    for (std::int64_t i = 0; i < F; ++i)
        out[i] = siluf32(gu[i]) * gu[F + i];
}

WeightMatrix expertSlice(const Tensor& w, std::int64_t e) {
    WeightMatrix m;
    m.dtype = w.dtype;
    m.rows = w.shape[1];
    m.cols = w.shape[2];
    m.ld = w.stride[1];
    m.data = static_cast<const char*>(w.data) + std::size_t(e * w.stride[0]) * dtypeSize(w.dtype);
    return m;
}

} // namespace

void moeSwiglu(ThreadPool& pool, const Tensor& x, const MoeWeights& experts, const Tensor& indices,
               const Tensor& weights, Tensor& out) {
    constexpr const char* op = "moeSwiglu";
    if (!experts.gateUp || !experts.down) throwBadArgument(op, "experts", "has no weights");
    const Tensor& gateUp = *experts.gateUp;
    const Tensor& down = *experts.down;
    checkF32(op, "x", x, 2);
    checkFloatWeight(op, "gateUp", gateUp, 3);
    checkFloatWeight(op, "down", down, 3);
    checkTensor(op, "indices", indices, 2);
    if (indices.dtype != DType::I32) throwBadArgument(op, "indices", "is not i32");
    checkF32(op, "weights", weights, 2);
    checkF32(op, "out", out, 2);
    const std::int64_t T = x.shape[0], H = x.shape[1];
    const std::int64_t E = gateUp.shape[0], F2 = gateUp.shape[1], F = F2 / 2;
    const std::int64_t k = indices.shape[1];
    if (F2 % 2 != 0) throwBadArgument(op, "gateUp", "has an odd row count " + gateUp.shapeString());
    checkDim(op, "gateUp", gateUp, 2, H);
    checkDim(op, "down", down, 0, E);
    checkDim(op, "down", down, 1, H);
    checkDim(op, "down", down, 2, F);
    checkDim(op, "indices", indices, 0, T);
    checkDim(op, "weights", weights, 0, T);
    checkDim(op, "weights", weights, 1, k);
    checkDim(op, "out", out, 0, T);
    checkDim(op, "out", out, 1, H);
    if (out.data == x.data) throwBadArgument(op, "out", "aliases x");
    const bool shared = experts.sharedGateUp != nullptr;
    if (shared != (experts.sharedDown != nullptr))
        throwBadArgument(op, "experts", "has one of the shared expert's two weights");
    std::int64_t Fs = 0;
    if (shared) {
        checkFloatWeight(op, "sharedGateUp", *experts.sharedGateUp, 2);
        checkFloatWeight(op, "sharedDown", *experts.sharedDown, 2);
        Fs = experts.sharedGateUp->shape[0] / 2;
        if (experts.sharedGateUp->shape[0] % 2 != 0)
            throwBadArgument(op, "sharedGateUp",
                             "has an odd row count " + experts.sharedGateUp->shapeString());
        checkDim(op, "sharedGateUp", *experts.sharedGateUp, 1, H);
        checkDim(op, "sharedDown", *experts.sharedDown, 0, H);
        checkDim(op, "sharedDown", *experts.sharedDown, 1, Fs);
    }
    const std::int32_t* idx = indices.as<const std::int32_t>();
    for (std::int64_t t = 0; t < T; ++t)
        for (std::int64_t j = 0; j < k; ++j) {
            const std::int32_t e = idx[t * indices.stride[0] + j];
            if (e < 0 || e >= E)
                throwBadArgument(op, "indices",
                                 "holds expert " + std::to_string(e) + " for token " +
                                     std::to_string(t) + ", outside 0 .. " + std::to_string(E - 1));
        }
    if (T == 0) return;

    const std::int64_t batchTokens =
        std::max<std::int64_t>(1, kMaxAssignments / std::max<std::int64_t>(k, 1));
    const std::int64_t batch = std::min(T, batchTokens), cap = batch * k;
    std::vector<float> xs(std::size_t(cap * H)), gu(std::size_t(cap * F2)),
        act(std::size_t(cap * F)), ys(std::size_t(cap * H));
    // The shared expert's products of the batch's tokens.
    std::vector<float> sgu(std::size_t(shared ? batch * 2 * Fs : 0)),
        sact(std::size_t(shared ? batch * Fs : 0)), sys(std::size_t(shared ? batch * H : 0));
    std::vector<std::int64_t> slot(
        static_cast<std::size_t>(cap)); // assignment (t * k + j) -> sorted row
    std::vector<std::int64_t> start(std::size_t(E + 1));
    const float* X = x.as<const float>();
    const float* Wt = weights.as<const float>();
    float* O = out.as<float>();

    for (std::int64_t b0 = 0; b0 < T; b0 += batchTokens) {
        const std::int64_t nt = std::min(batchTokens, T - b0);
        const std::int64_t n = nt * k;
        // Counting sort of the batch's assignments by expert.
        std::fill(start.begin(), start.end(), 0);
        for (std::int64_t a = 0; a < n; ++a)
            ++start[std::size_t(idx[(b0 + a / k) * indices.stride[0] + a % k]) + 1];
        for (std::int64_t e = 0; e < E; ++e)
            start[std::size_t(e + 1)] += start[std::size_t(e)];
        std::vector<std::int64_t> fillPos(start.begin(), start.end() - 1);
        for (std::int64_t a = 0; a < n; ++a) {
            const std::int32_t e = idx[(b0 + a / k) * indices.stride[0] + a % k];
            slot[std::size_t(a)] = fillPos[std::size_t(e)]++;
        }
        pool.parallelFor(n, 64, [&](std::int64_t a0, std::int64_t a1) {
            for (std::int64_t a = a0; a < a1; ++a)
                std::copy_n(X + (b0 + a / k) * x.stride[0], H,
                            xs.data() + slot[std::size_t(a)] * H);
        });
        for (std::int64_t e = 0; e < E; ++e) {
            const std::int64_t r0 = start[std::size_t(e)];
            const std::int64_t rows = start[std::size_t(e + 1)] - r0;
            if (rows == 0) continue;
            gemmXWt(pool, xs.data() + r0 * H, H, rows, expertSlice(gateUp, e), nullptr, 1.0f,
                    gu.data() + r0 * F2, F2);
            pool.parallelFor(rows, 16, [&](std::int64_t i0, std::int64_t i1) {
                for (std::int64_t i = i0; i < i1; ++i)
                    swigluHalves(gu.data() + (r0 + i) * F2, F, act.data() + (r0 + i) * F);
            });
            gemmXWt(pool, act.data() + r0 * F, F, rows, expertSlice(down, e), nullptr, 1.0f,
                    ys.data() + r0 * H, H);
        }
        if (shared) {
            gemmXWt(pool, X + b0 * x.stride[0], x.stride[0], nt,
                    WeightMatrix::of(*experts.sharedGateUp), nullptr, 1.0f, sgu.data(), 2 * Fs);
            pool.parallelFor(nt, 16, [&](std::int64_t i0, std::int64_t i1) {
                for (std::int64_t i = i0; i < i1; ++i)
                    swigluHalves(sgu.data() + i * 2 * Fs, Fs, sact.data() + i * Fs);
            });
            gemmXWt(pool, sact.data(), Fs, nt, WeightMatrix::of(*experts.sharedDown), nullptr, 1.0f,
                    sys.data(), H);
        }
        // The routed experts in order, then the shared one (the GPU sums in this order).
        pool.parallelFor(nt, 16, [&](std::int64_t t0, std::int64_t t1) {
            for (std::int64_t t = t0; t < t1; ++t) {
                float* o = O + (b0 + t) * out.stride[0];
                std::fill_n(o, H, 0.0f);
                for (std::int64_t j = 0; j < k; ++j) {
                    const float w = Wt[(b0 + t) * weights.stride[0] + j];
                    const float* y = ys.data() + slot[std::size_t(t * k + j)] * H;
                    for (std::int64_t i = 0; i < H; ++i)
                        o[i] += w * y[i];
                }
                if (shared)
                    for (std::int64_t i = 0; i < H; ++i)
                        o[i] += sys[std::size_t(t * H + i)];
            }
        });
    }
}

} // namespace lv::cpu
