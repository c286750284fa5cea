// linear (x W^T + bias) and the GEMM shared with the MoE experts. Few rows (decode) run a
// vectorised GEMV over the weights, which is memory-bound and split over output rows;
// more rows run OpenBLAS sgemm on 2-D tiles, converting bf16/f16 weight tiles on the fly.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <cblas.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

// 32-byte vector arguments of always-inline helpers never cross an ABI boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace lv::cpu {

namespace {

constexpr std::int64_t kGemvMaxRows = 4;

// Eight lanes in GCC vector extensions: one AVX register in the x86-64-v3/v4 clones, two
// SSE registers in the baseline one. Loads go through memcpy (unaligned).
using f32x8 = float __attribute__((vector_size(32)));
using u16x8 = std::uint16_t __attribute__((vector_size(16)));
using u32x8 = std::uint32_t __attribute__((vector_size(32)));

LV_ALWAYS_INLINE f32x8 load8(const float* p) {
    f32x8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
struct LoadF32 {
    LV_ALWAYS_INLINE f32x8 operator()(const float* p) const { return load8(p); }
    LV_ALWAYS_INLINE float operator()(float v) const { return v; }
};
struct LoadBf16 {
    LV_ALWAYS_INLINE f32x8 operator()(const std::uint16_t* p) const {
        u16x8 h;
        std::memcpy(&h, p, sizeof h);
        const u32x8 w = __builtin_convertvector(h, u32x8) << 16;
        f32x8 v;
        std::memcpy(&v, &w, sizeof v);
        return v;
    }
    LV_ALWAYS_INLINE float operator()(std::uint16_t v) const {
        return std::bit_cast<float>(std::uint32_t(v) << 16);
    }
};
#if defined(__FLT16_MAX__)
using f16x8 = _Float16 __attribute__((vector_size(16)));
struct LoadF16 {
    LV_ALWAYS_INLINE f32x8 operator()(const std::uint16_t* p) const {
        f16x8 h;
        std::memcpy(&h, p, sizeof h);
        return __builtin_convertvector(h, f32x8);
    }
    LV_ALWAYS_INLINE float operator()(std::uint16_t v) const {
        return float(std::bit_cast<_Float16>(v));
    }
};
#else
struct LoadF16 {
    f32x8 operator()(const std::uint16_t* p) const {
        f32x8 v;
        for (int l = 0; l < 8; ++l)
            v[l] = f16ToFloat(p[l]);
        return v;
    }
    float operator()(std::uint16_t v) const { return f16ToFloat(v); }
};
#endif

// dots[t] = x[t, :K] . w[:K] for t < TT, with the weight row read once.
template <int TT, class Elem, class Load>
LV_ALWAYS_INLINE void dotRows(const float* x, std::int64_t ldx, const Elem* w, std::int64_t K,
                              Load ld, float* dots) {
    f32x8 acc0[TT], acc1[TT];
    for (int t = 0; t < TT; ++t)
        acc0[t] = acc1[t] = f32x8{};
    std::int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
        const f32x8 w0 = ld(w + k);
        const f32x8 w1 = ld(w + k + 8);
        for (int t = 0; t < TT; ++t) {
            acc0[t] += load8(x + t * ldx + k) * w0;
            acc1[t] += load8(x + t * ldx + k + 8) * w1;
        }
    }
    for (int t = 0; t < TT; ++t) {
        const f32x8 a = acc0[t] + acc1[t];
        float s = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
        for (std::int64_t kk = k; kk < K; ++kk)
            s += x[t * ldx + kk] * ld(w[kk]);
        dots[t] = s;
    }
}

template <int TT, class Elem, class Load>
LV_ALWAYS_INLINE void gemvRowsT(const float* x, std::int64_t ldx, const Elem* W, std::int64_t ldw,
                                std::int64_t K, std::int64_t n0, std::int64_t n1, const float* bias,
                                float scale, float* out, std::int64_t ldo, Load ld) {
    float dots[TT];
    for (std::int64_t n = n0; n < n1; ++n) {
        dotRows<TT>(x, ldx, W + n * ldw, K, ld, dots);
        const float b = bias ? bias[n] : 0.0f;
        for (int t = 0; t < TT; ++t)
            out[t * ldo + n] = scale * (dots[t] + b);
    }
}

template <class Elem, class Load>
LV_ALWAYS_INLINE void gemvRows(std::int64_t T, const float* x, std::int64_t ldx, const Elem* W,
                               std::int64_t ldw, std::int64_t K, std::int64_t n0, std::int64_t n1,
                               const float* bias, float scale, float* out, std::int64_t ldo,
                               Load ld) {
    switch (T) {
    case 1:
        gemvRowsT<1>(x, ldx, W, ldw, K, n0, n1, bias, scale, out, ldo, ld);
        break;
    case 2:
        gemvRowsT<2>(x, ldx, W, ldw, K, n0, n1, bias, scale, out, ldo, ld);
        break;
    case 3:
        gemvRowsT<3>(x, ldx, W, ldw, K, n0, n1, bias, scale, out, ldo, ld);
        break;
    default:
        gemvRowsT<4>(x, ldx, W, ldw, K, n0, n1, bias, scale, out, ldo, ld);
        break;
    }
}

#define LV_DEFINE_GEMV(NAME, ELEM, LOAD)                                                           \
    LV_CPU_MULTIVERSION void NAME(std::int64_t T, const float* x, std::int64_t ldx, const ELEM* W, \
                                  std::int64_t ldw, std::int64_t K, std::int64_t n0,               \
                                  std::int64_t n1, const float* bias, float scale, float* out,     \
                                  std::int64_t ldo) {                                              \
        gemvRows(T, x, ldx, W, ldw, K, n0, n1, bias, scale, out, ldo, LOAD{});                     \
    }
LV_DEFINE_GEMV(gemvF32, float, LoadF32)
LV_DEFINE_GEMV(gemvBf16, std::uint16_t, LoadBf16)
LV_DEFINE_GEMV(gemvF16, std::uint16_t, LoadF16)
#undef LV_DEFINE_GEMV

void gemv(ThreadPool& pool, const float* x, std::int64_t ldx, std::int64_t T, const WeightMatrix& W,
          const float* bias, float scale, float* out, std::int64_t ldo) {
    const std::int64_t N = W.rows;
    const std::int64_t K = W.cols;
    // About 64 KiB of weights per piece: enough to amortise the scheduling.
    const std::int64_t grain = std::max<std::int64_t>(
        8, (64 << 10) / std::max<std::int64_t>(1, K * std::int64_t(dtypeSize(W.dtype))));
    pool.parallelFor(N, grain, [&](std::int64_t n0, std::int64_t n1) {
        switch (W.dtype) {
        case DType::F32:
            gemvF32(T, x, ldx, static_cast<const float*>(W.data), W.ld, K, n0, n1, bias, scale, out,
                    ldo);
            break;
        case DType::BF16:
            gemvBf16(T, x, ldx, static_cast<const std::uint16_t*>(W.data), W.ld, K, n0, n1, bias,
                     scale, out, ldo);
            break;
        default:
            gemvF16(T, x, ldx, static_cast<const std::uint16_t*>(W.data), W.ld, K, n0, n1, bias,
                    scale, out, ldo);
            break;
        }
    });
}

// Tiles of the output [T, N]: rows of x per sgemm call, and output columns (weight rows)
// per tile. A bf16/f16 weight tile is converted in pieces of kTileK columns.
constexpr std::int64_t kTileT = 512;
constexpr std::int64_t kTileK = 512;

void gemmTiled(ThreadPool& pool, const float* x, std::int64_t ldx, std::int64_t T,
               const WeightMatrix& W, const float* bias, float scale, float* out,
               std::int64_t ldo) {
    const std::int64_t N = W.rows;
    const std::int64_t K = W.cols;
    const std::int64_t tilesT = (T + kTileT - 1) / kTileT;
    // Enough column tiles to keep every thread busy, each a multiple of 16 and at most 256.
    std::int64_t tileN = (N * tilesT) / (std::int64_t(pool.size()) * 4);
    tileN = std::clamp<std::int64_t>((tileN + 15) / 16 * 16, 32, 256);
    const std::int64_t tilesN = (N + tileN - 1) / tileN;
    pool.parallelFor(tilesT * tilesN, 1, [&](std::int64_t b, std::int64_t e) {
        thread_local std::vector<float> wTile;
        for (std::int64_t tile = b; tile < e; ++tile) {
            const std::int64_t t0 = (tile / tilesN) * kTileT;
            const std::int64_t n0 = (tile % tilesN) * tileN;
            const std::int64_t tRows = std::min(kTileT, T - t0);
            const std::int64_t nCols = std::min(tileN, N - n0);
            float* o = out + t0 * ldo + n0;
            if (W.dtype == DType::F32) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(tRows), int(nCols), int(K),
                            scale, x + t0 * ldx, int(ldx), static_cast<const float*>(W.row(n0)),
                            int(W.ld), 0.0f, o, int(ldo));
            } else {
                const std::int64_t kStep = std::min(K, kTileK);
                wTile.resize(std::size_t(nCols * kStep));
                for (std::int64_t k0 = 0; k0 < K; k0 += kStep) {
                    const std::int64_t kLen = std::min(kStep, K - k0);
                    const std::size_t esz = dtypeSize(W.dtype);
                    for (std::int64_t n = 0; n < nCols; ++n)
                        convertToF32(static_cast<const char*>(W.row(n0 + n)) + k0 * esz, W.dtype,
                                     kLen, wTile.data() + n * kLen);
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(tRows), int(nCols),
                                int(kLen), scale, x + t0 * ldx + k0, int(ldx), wTile.data(),
                                int(kLen), k0 == 0 ? 0.0f : 1.0f, o, int(ldo));
                }
            }
            if (bias) {
                for (std::int64_t t = 0; t < tRows; ++t)
                    for (std::int64_t n = 0; n < nCols; ++n)
                        o[t * ldo + n] += scale * bias[n0 + n];
            }
        }
    });
}

} // namespace

void gemmXWt(ThreadPool& pool, const float* x, std::int64_t ldx, std::int64_t T,
             const WeightMatrix& W, const float* bias, float scale, float* out, std::int64_t ldo) {
    if (T <= 0 || W.rows <= 0) return;
    if (W.cols == 0) {
        for (std::int64_t t = 0; t < T; ++t)
            for (std::int64_t n = 0; n < W.rows; ++n)
                out[t * ldo + n] = bias ? scale * bias[n] : 0.0f;
        return;
    }
    if (T <= kGemvMaxRows) {
        // Up to four rows per pass over the weights.
        for (std::int64_t t0 = 0; t0 < T; t0 += kGemvMaxRows)
            gemv(pool, x + t0 * ldx, ldx, std::min(kGemvMaxRows, T - t0), W, bias, scale,
                 out + t0 * ldo, ldo);
        return;
    }
    gemmTiled(pool, x, ldx, T, W, bias, scale, out, ldo);
}

void linear(ThreadPool& pool, const Tensor& x, const Tensor& weight, const Tensor* bias,
            float scale, Tensor& out) {
    constexpr const char* op = "linear";
    checkF32(op, "x", x, x.rank < 2 ? 2 : x.rank);
    checkPackedRows(op, "x", x);
    checkFloatWeight(op, "weight", weight, 2);
    checkF32(op, "out", out, out.rank < 2 ? 2 : out.rank);
    checkPackedRows(op, "out", out);
    const std::int64_t T = x.shape[0];
    std::int64_t K = 1; // x may be [T, ...] with packed inner dims, read as [T, K]
    for (int d = 1; d < x.rank; ++d)
        K *= x.shape[d];
    const std::int64_t N = weight.shape[0];
    checkDim(op, "weight", weight, 1, K);
    checkDim(op, "out", out, 0, T);
    if (out.numel() != T * N)
        throwBadArgument(op, "out",
                         "has shape " + out.shapeString() + ", expected [" + std::to_string(T) +
                             ", " + std::to_string(N) + "]");
    const float* b = nullptr;
    if (bias && bias->data) {
        checkF32(op, "bias", *bias, 1);
        checkDim(op, "bias", *bias, 0, N);
        b = bias->as<const float>();
    }
    gemmXWt(pool, x.as<const float>(), x.stride[0], T, WeightMatrix::of(weight), b, scale,
            out.as<float>(), out.stride[0]);
}

} // namespace lv::cpu
