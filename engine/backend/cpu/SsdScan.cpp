// ssdScan: the Mamba2 selective state space scan (state space duality).
//
// T == 1 is the recurrent step: state = exp(dt A) state + dt x B^T, y = state C + D x.
// T > 1 runs the chunked form. Within a chunk of L tokens, with a_s = dt_s A and the
// segment sums S(t, s) = a_{s+1} + ... + a_t (kept in double, so that nearby cumulative
// sums do not cancel):
//   y_t   = sum_{s<=t} (C_t . B_s) exp(S(t, s)) dt_s x_s     (intra-chunk, one GEMM per head)
//         + exp(S(t, -1)) C_t . state                          (the state entering the chunk)
//         + D x_t
//   state = exp(S(L-1, -1)) state + sum_s exp(S(L-1, s)) dt_s x_s B_s^T
// C_t . B_s is shared by the heads of a group, so it is computed once per group and chunk.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace lv::cpu {

namespace {

// Row blocks of the lower-triangular intra-chunk matrix: each block's GEMM stops at its
// last row's diagonal, skipping most of the zero upper triangle.
constexpr std::int64_t kRowBlock = 64;

struct ScanArgs {
    const float* x;
    std::int64_t sx;
    const float* B;
    std::int64_t sB;
    const float* C;
    std::int64_t sC;
    float* y;
    std::int64_t sy;
    float* state;
    const float* dt; // [T, H] after softplus and clamping
    const float* A;
    const float* D;
    std::int64_t T, H, P, G, N;
};

LV_CPU_MULTIVERSION void recurrentHead(const float* x, const float* Bg, const float* Cg, float dt,
                                       float decay, float d, std::int64_t P, std::int64_t N,
                                       float* state, float* y) {
    for (std::int64_t p = 0; p < P; ++p) {
        const float xs = x[p] * dt;
        float* s = state + p * N;
        constexpr int V = 16;
        float acc[V] = {};
        std::int64_t n = 0;
        for (; n + V <= N; n += V)
            for (int l = 0; l < V; ++l) {
                const float v = s[n + l] * decay + xs * Bg[n + l];
                s[n + l] = v;
                acc[l] += v * Cg[n + l];
            }
        float sum = 0.0f;
        for (int l = 0; l < V; ++l)
            sum += acc[l];
        for (; n < N; ++n) {
            const float v = s[n] * decay + xs * Bg[n];
            s[n] = v;
            sum += v * Cg[n];
        }
        y[p] = sum + d * x[p];
    }
}

// M[t, s] = CB[t, s] exp(acs[t] - acs[s]) dt[s] for s <= t, zero for t < s < end of t's
// row block.
LV_CPU_MULTIVERSION void decayMatrix(const float* CB, std::int64_t ldcb, const double* acs,
                                     const float* dt, std::int64_t L, float* M, std::int64_t ldm) {
    for (std::int64_t t = 0; t < L; ++t) {
        const float* cb = CB + t * ldcb;
        float* m = M + t * ldm;
        const double at = acs[t];
        for (std::int64_t s = 0; s <= t; ++s)
            m[s] = cb[s] * expf32(float(at - acs[s])) * dt[s];
        const std::int64_t rowEnd = std::min(L, (t / kRowBlock + 1) * kRowBlock);
        for (std::int64_t s = t + 1; s < rowEnd; ++s)
            m[s] = 0.0f;
    }
}

// Xw[s, :] = x[s, :] exp(total - acs[s]) dt[s].
LV_CPU_MULTIVERSION void weightedInputs(const float* x, std::int64_t sx, const double* acs,
                                        const float* dt, std::int64_t L, std::int64_t P,
                                        float* Xw) {
    const double total = acs[L - 1];
    for (std::int64_t s = 0; s < L; ++s) {
        const float w = expf32(float(total - acs[s])) * dt[s];
        for (std::int64_t p = 0; p < P; ++p)
            Xw[s * P + p] = x[s * sx + p] * w;
    }
}

LV_CPU_MULTIVERSION void addSkip(const float* x, std::int64_t sx, float d, std::int64_t L,
                                 std::int64_t P, float* y, std::int64_t sy) {
    for (std::int64_t t = 0; t < L; ++t)
        for (std::int64_t p = 0; p < P; ++p)
            y[t * sy + p] += d * x[t * sx + p];
}

void recurrentStep(ThreadPool& pool, const ScanArgs& a) {
    const std::int64_t headsPerGroup = a.H / a.G;
    pool.parallelFor(a.H, 1, [&](std::int64_t h0, std::int64_t h1) {
        for (std::int64_t h = h0; h < h1; ++h) {
            const std::int64_t g = h / headsPerGroup;
            const float dt = a.dt[h];
            recurrentHead(a.x + h * a.P, a.B + g * a.N, a.C + g * a.N, dt,
                          float(std::exp(double(dt) * double(a.A[h]))), a.D[h], a.P, a.N,
                          a.state + h * a.P * a.N, a.y + h * a.P);
        }
    });
}

void chunkedScan(ThreadPool& pool, const ScanArgs& a, std::int64_t chunkSize) {
    const std::int64_t Lmax = std::min(chunkSize, a.T);
    const std::int64_t headsPerGroup = a.H / a.G;
    const std::int64_t P = a.P, N = a.N;
    std::vector<float> CB(std::size_t(a.G * Lmax * Lmax));
    for (std::int64_t t0 = 0; t0 < a.T; t0 += Lmax) {
        const std::int64_t L = std::min(Lmax, a.T - t0);
        const std::int64_t rowBlocks = (L + kRowBlock - 1) / kRowBlock;

        // C_t . B_s for each group, lower triangle by row blocks.
        pool.parallelFor(a.G * rowBlocks, 1, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t task = b; task < e; ++task) {
                const std::int64_t g = task / rowBlocks;
                const std::int64_t r0 = (task % rowBlocks) * kRowBlock;
                const std::int64_t r1 = std::min(L, r0 + kRowBlock);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(r1 - r0), int(r1), int(N),
                            1.0f, a.C + (t0 + r0) * a.sC + g * N, int(a.sC),
                            a.B + t0 * a.sB + g * N, int(a.sB), 0.0f,
                            CB.data() + g * Lmax * Lmax + r0 * Lmax, int(Lmax));
            }
        });

        pool.parallelFor(a.H, 1, [&](std::int64_t h0, std::int64_t h1) {
            thread_local std::vector<double> acs;
            thread_local std::vector<float> dt, decayOut, M, Xw;
            acs.resize(std::size_t(L));
            dt.resize(std::size_t(L));
            decayOut.resize(std::size_t(L));
            M.resize(std::size_t(Lmax * Lmax));
            Xw.resize(std::size_t(L * P));
            for (std::int64_t h = h0; h < h1; ++h) {
                const std::int64_t g = h / headsPerGroup;
                const double Ah = a.A[h];
                double cum = 0.0;
                for (std::int64_t s = 0; s < L; ++s) {
                    dt[std::size_t(s)] = a.dt[(t0 + s) * a.H + h];
                    cum += double(dt[std::size_t(s)]) * Ah;
                    acs[std::size_t(s)] = cum;
                    decayOut[std::size_t(s)] = float(std::exp(cum));
                }
                const float* xh = a.x + t0 * a.sx + h * P;
                const float* Bg = a.B + t0 * a.sB + g * N;
                const float* Cg = a.C + t0 * a.sC + g * N;
                float* yh = a.y + t0 * a.sy + h * P;
                float* st = a.state + h * P * N;

                // Contribution of the entering state, decayed to each token.
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(L), int(P), int(N), 1.0f,
                            Cg, int(a.sC), st, int(N), 0.0f, yh, int(a.sy));
                for (std::int64_t t = 0; t < L; ++t) {
                    const float f = decayOut[std::size_t(t)];
                    for (std::int64_t p = 0; p < P; ++p)
                        yh[t * a.sy + p] *= f;
                }

                // Intra-chunk quadratic form.
                decayMatrix(CB.data() + g * Lmax * Lmax, Lmax, acs.data(), dt.data(), L, M.data(),
                            Lmax);
                for (std::int64_t r0 = 0; r0 < L; r0 += kRowBlock) {
                    const std::int64_t r1 = std::min(L, r0 + kRowBlock);
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(r1 - r0), int(P),
                                int(r1), 1.0f, M.data() + r0 * Lmax, int(Lmax), xh, int(a.sx), 1.0f,
                                yh + r0 * a.sy, int(a.sy));
                }
                addSkip(xh, a.sx, a.D[h], L, P, yh, a.sy);

                // State passed to the next chunk.
                weightedInputs(xh, a.sx, acs.data(), dt.data(), L, P, Xw.data());
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(P), int(N), int(L), 1.0f,
                            Xw.data(), int(P), Bg, int(a.sB), decayOut[std::size_t(L - 1)], st,
                            int(N));
            }
        });
    }
}

} // namespace

void ssdScan(ThreadPool& pool, const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
             const Tensor& C, const Tensor& D, const Tensor& dtBias, const SsdParams& params,
             Tensor& state, Tensor& y) {
    constexpr const char* op = "ssdScan";
    checkF32(op, "x", x, 3);
    checkPackedRows(op, "x", x);
    checkF32(op, "dt", dt, 2);
    checkF32(op, "B", B, 3);
    checkPackedRows(op, "B", B);
    checkF32(op, "C", C, 3);
    checkPackedRows(op, "C", C);
    checkFloatWeight(op, "A", A, 1);
    checkFloatWeight(op, "D", D, 1);
    checkFloatWeight(op, "dtBias", dtBias, 1);
    checkF32(op, "state", state, 3);
    checkContiguous(op, "state", state);
    checkF32(op, "y", y, 3);
    checkPackedRows(op, "y", y);
    const std::int64_t T = x.shape[0], H = x.shape[1], P = x.shape[2];
    const std::int64_t G = B.shape[1], N = B.shape[2];
    checkDim(op, "dt", dt, 0, T);
    checkDim(op, "dt", dt, 1, H);
    checkDim(op, "A", A, 0, H);
    checkDim(op, "D", D, 0, H);
    checkDim(op, "dtBias", dtBias, 0, H);
    checkDim(op, "B", B, 0, T);
    checkDim(op, "C", C, 0, T);
    checkDim(op, "C", C, 1, G);
    checkDim(op, "C", C, 2, N);
    checkDim(op, "state", state, 0, H);
    checkDim(op, "state", state, 1, P);
    checkDim(op, "state", state, 2, N);
    checkDim(op, "y", y, 0, T);
    checkDim(op, "y", y, 1, H);
    checkDim(op, "y", y, 2, P);
    if (G <= 0 || H % G != 0)
        throwBadArgument(op, "B",
                         "has " + std::to_string(G) + " groups, which do not divide " +
                             std::to_string(H) + " heads");
    if (params.chunkSize <= 0)
        throwBadArgument(op, "params.chunkSize", "is " + std::to_string(params.chunkSize));
    if (y.data == x.data) throwBadArgument(op, "y", "aliases x");
    if (T == 0) return;

    std::vector<float> aScratch, dScratch, biasScratch;
    const float* Av = floatVector(A, aScratch);
    const float* Dv = floatVector(D, dScratch);
    const float* bias = floatVector(dtBias, biasScratch);

    // dt = clamp(softplus(dt + dtBias), dtMin, dtMax), packed as [T, H].
    std::vector<float> dtv(std::size_t(T * H));
    const float* dtRaw = dt.as<const float>();
    pool.parallelFor(T, std::max<std::int64_t>(1, 4096 / H), [&](std::int64_t t0, std::int64_t t1) {
        for (std::int64_t t = t0; t < t1; ++t)
            for (std::int64_t h = 0; h < H; ++h) {
                const float v = softplusf32(dtRaw[t * dt.stride[0] + h * dt.stride[1]] + bias[h]);
                dtv[std::size_t(t * H + h)] = std::min(std::max(v, params.dtMin), params.dtMax);
            }
    });

    const ScanArgs args{x.as<const float>(),
                        x.stride[0],
                        B.as<const float>(),
                        B.stride[0],
                        C.as<const float>(),
                        C.stride[0],
                        y.as<float>(),
                        y.stride[0],
                        state.as<float>(),
                        dtv.data(),
                        Av,
                        Dv,
                        T,
                        H,
                        P,
                        G,
                        N};
    if (T == 1)
        recurrentStep(pool, args);
    else
        chunkedScan(pool, args, params.chunkSize);
}

} // namespace lv::cpu
