// attention: causal grouped-query attention over an explicit KV cache, blocked like flash
// attention. A task is one KV head and a tile of query tokens; the query heads sharing the
// KV head are stacked into the tile's rows so each key/value block is read once for all
// of them. Scores and the weighted sum of values are sgemm calls on blocks of the cache;
// the softmax is online (running max and sum per row), so nothing of size T x T is stored.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <cblas.h>

// 32-byte vector arguments of always-inline helpers never cross an ABI boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace lv::cpu {

namespace {

constexpr std::int64_t kKeyBlock = 512;
constexpr std::int64_t kTileRows = 256; // query rows (tokens x heads of a group) per task

using f32x8 = float __attribute__((vector_size(32)));

LV_ALWAYS_INLINE f32x8 load8(const float* p) {
    f32x8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
LV_ALWAYS_INLINE void store8(float* p, f32x8 v) {
    std::memcpy(p, &v, sizeof v);
}

LV_ALWAYS_INLINE float dot(const float* a, const float* b, std::int64_t d) {
    f32x8 acc0{}, acc1{};
    std::int64_t i = 0;
    for (; i + 16 <= d; i += 16) {
        acc0 += load8(a + i) * load8(b + i);
        acc1 += load8(a + i + 8) * load8(b + i + 8);
    }
    const f32x8 v = acc0 + acc1;
    float s = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
    for (; i < d; ++i)
        s += a[i] * b[i];
    return s;
}

// Cache rows are short (d floats) and kHeads * d apart, which the hardware prefetchers
// follow poorly; fetch a few rows ahead explicitly. Prefetching past the end is harmless.
constexpr std::int64_t kPrefetchAhead = 6;
LV_ALWAYS_INLINE void prefetchRow(const float* p, std::int64_t d) {
    for (std::int64_t i = 0; i < d; i += 16)
        __builtin_prefetch(p + i);
}

// Few query rows (decode) against keys [j0, j1) of one KV head, without GEMMs: scores,
// online softmax and the weighted sum of values in vectorised loops. Row r sees keys below
// limit[r]. Leaves the segment's running max m, sum l and unnormalised acc [rows, d].
LV_CPU_MULTIVERSION void attendSegment(const float* Q, std::int64_t rows, std::int64_t d,
                                       const float* K, std::int64_t sk, const float* V,
                                       std::int64_t sv, std::int64_t j0, std::int64_t j1,
                                       const std::int64_t* limit, float* S, float* m, float* l,
                                       float* acc) {
    constexpr std::int64_t kBlock = 64;
    for (std::int64_t r = 0; r < rows; ++r) {
        m[r] = -INFINITY;
        l[r] = 0.0f;
        for (std::int64_t i = 0; i < d; ++i)
            acc[r * d + i] = 0.0f;
    }
    for (std::int64_t b0 = j0; b0 < j1; b0 += kBlock) {
        const std::int64_t nb = std::min(kBlock, j1 - b0);
        for (std::int64_t r = 0; r < rows; ++r) {
            float* s = S + r * kBlock;
            const std::int64_t v = std::min(nb, limit[r] - b0);
            if (v <= 0) {
                for (std::int64_t j = 0; j < nb; ++j)
                    s[j] = 0.0f;
                continue;
            }
            for (std::int64_t j = 0; j < v; ++j) {
                if (r == 0) prefetchRow(K + (b0 + j + kPrefetchAhead) * sk, d);
                s[j] = dot(Q + r * d, K + (b0 + j) * sk, d);
            }
            const float mx = maxOf(s, v, m[r]);
            const float corr = expf32(m[r] - mx);
            for (std::int64_t j = 0; j < v; ++j)
                s[j] = expf32(s[j] - mx);
            const float sum = sumOf(s, v);
            for (std::int64_t j = v; j < nb; ++j)
                s[j] = 0.0f;
            m[r] = mx;
            l[r] = l[r] * corr + sum;
            if (corr != 1.0f)
                for (std::int64_t i = 0; i < d; ++i)
                    acc[r * d + i] *= corr;
        }
        for (std::int64_t j = 0; j < nb; ++j) {
            const float* vj = V + (b0 + j) * sv;
            prefetchRow(V + (b0 + j + kPrefetchAhead) * sv, d);
            for (std::int64_t r = 0; r < rows; ++r) {
                const float p = S[r * kBlock + j];
                if (p == 0.0f) continue;
                float* a = acc + r * d;
                std::int64_t i = 0;
                const f32x8 pv = f32x8{} + p;
                for (; i + 8 <= d; i += 8)
                    store8(a + i, load8(a + i) + pv * load8(vj + i));
                for (; i < d; ++i)
                    a[i] += p * vj[i];
            }
        }
    }
}

// One block of scores S [rows, nk] (row r may see keys up to limit[r] - k0, exclusive
// bound `visible`): updates the running max m, the running sum l and rescales acc [rows, d];
// turns S into probabilities in place.
LV_CPU_MULTIVERSION void softmaxBlock(float* S, std::int64_t ldS, std::int64_t rows,
                                      std::int64_t nk, const std::int64_t* visible, float* m,
                                      float* l, float* acc, std::int64_t d) {
    for (std::int64_t r = 0; r < rows; ++r) {
        float* s = S + r * ldS;
        const std::int64_t v = std::min(nk, visible[r]);
        const float mx = maxOf(s, v, m[r]);
        const float corr = expf32(m[r] - mx); // 0 when m[r] is -inf
        for (std::int64_t j = 0; j < v; ++j)
            s[j] = expf32(s[j] - mx);
        const float sum = sumOf(s, std::max<std::int64_t>(v, 0));
        for (std::int64_t j = std::max<std::int64_t>(v, 0); j < nk; ++j)
            s[j] = 0.0f;
        l[r] = l[r] * corr + sum;
        m[r] = mx;
        float* a = acc + r * d;
        for (std::int64_t i = 0; i < d; ++i)
            a[i] *= corr;
    }
}

constexpr std::int64_t kDecodeMaxTokens = 4;
constexpr std::int64_t kMinSegmentKeys = 512;

// Decode (a few query tokens): the keys of each KV head are split into segments so that
// all threads share even one head's long cache; the segments' partial softmax results are
// merged exactly (rescaled by their maxima).
void attentionFewTokens(ThreadPool& pool, const float* Q, std::int64_t sq, const float* K,
                        std::int64_t sk, const float* V, std::int64_t sv, float* O, std::int64_t so,
                        std::int64_t T, std::int64_t pos0, std::int64_t Hq, std::int64_t Hkv,
                        std::int64_t d, float scale) {
    const std::int64_t rep = Hq / Hkv;
    const std::int64_t rows = T * rep;
    const std::int64_t keys = pos0 + T;
    const std::int64_t wanted = std::int64_t(pool.size()) * 4;
    std::int64_t segs = std::max<std::int64_t>(1, (wanted + Hkv - 1) / Hkv);
    segs = std::min(segs, std::max<std::int64_t>(1, keys / kMinSegmentKeys));
    const std::int64_t segLen = (keys + segs - 1) / segs;
    segs = (keys + segLen - 1) / segLen;
    std::vector<float> part(std::size_t(Hkv * segs * rows * (d + 2)));
    std::vector<std::int64_t> limit(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r)
        limit[std::size_t(r)] = pos0 + r / rep + 1;
    pool.parallelFor(Hkv * segs, 1, [&](std::int64_t b, std::int64_t e) {
        std::vector<float> Qs(std::size_t(rows * d)), S(std::size_t(rows * 64));
        for (std::int64_t task = b; task < e; ++task) {
            const std::int64_t kvh = task / segs, seg = task % segs;
            for (std::int64_t r = 0; r < rows; ++r) {
                const float* src = Q + (r / rep) * sq + (kvh * rep + r % rep) * d;
                for (std::int64_t i = 0; i < d; ++i)
                    Qs[std::size_t(r * d + i)] = src[i] * scale;
            }
            float* p = part.data() + task * rows * (d + 2);
            const std::int64_t j0 = seg * segLen, j1 = std::min(keys, j0 + segLen);
            attendSegment(Qs.data(), rows, d, K + kvh * d, sk, V + kvh * d, sv, j0, j1,
                          limit.data(), S.data(), p, p + rows, p + 2 * rows);
        }
    });
    for (std::int64_t kvh = 0; kvh < Hkv; ++kvh)
        for (std::int64_t r = 0; r < rows; ++r) {
            float mx = -INFINITY;
            for (std::int64_t sgi = 0; sgi < segs; ++sgi)
                mx = std::max(mx, part[std::size_t((kvh * segs + sgi) * rows * (d + 2) + r)]);
            float* dst = O + (r / rep) * so + (kvh * rep + r % rep) * d;
            std::fill_n(dst, d, 0.0f);
            float l = 0.0f;
            for (std::int64_t sgi = 0; sgi < segs; ++sgi) {
                const float* p = part.data() + (kvh * segs + sgi) * rows * (d + 2);
                if (p[r] == -INFINITY) continue; // the segment holds no key this row sees
                const float w = std::exp(p[r] - mx);
                l += w * p[rows + r];
                const float* a = p + 2 * rows + r * d;
                for (std::int64_t i = 0; i < d; ++i)
                    dst[i] += w * a[i];
            }
            for (std::int64_t i = 0; i < d; ++i)
                dst[i] /= l;
        }
}

} // namespace

void attention(ThreadPool& pool, const Tensor& q, const Tensor& kCache, const Tensor& vCache,
               std::int64_t pos0, float scale, Tensor& out) {
    constexpr const char* op = "attention";
    checkF32(op, "q", q, 3);
    checkPackedRows(op, "q", q);
    checkF32(op, "kCache", kCache, 3);
    checkPackedRows(op, "kCache", kCache);
    checkF32(op, "vCache", vCache, 3);
    checkPackedRows(op, "vCache", vCache);
    checkF32(op, "out", out, 3);
    checkPackedRows(op, "out", out);
    const std::int64_t T = q.shape[0], Hq = q.shape[1], d = q.shape[2];
    const std::int64_t capacity = kCache.shape[0], Hkv = kCache.shape[1];
    checkDim(op, "kCache", kCache, 2, d);
    checkDim(op, "vCache", vCache, 0, capacity);
    checkDim(op, "vCache", vCache, 1, Hkv);
    checkDim(op, "vCache", vCache, 2, d);
    checkDim(op, "out", out, 0, T);
    checkDim(op, "out", out, 1, Hq);
    checkDim(op, "out", out, 2, d);
    if (Hkv <= 0 || Hq % Hkv != 0)
        throwBadArgument(op, "kCache",
                         "has " + std::to_string(Hkv) + " heads, which do not divide the " +
                             std::to_string(Hq) + " query heads");
    if (pos0 < 0 || pos0 + T > capacity)
        throwBadArgument(op, "kCache",
                         "holds " + std::to_string(capacity) +
                             " positions, fewer than pos0 + T = " + std::to_string(pos0 + T));
    if (T == 0) return;

    if (T <= kDecodeMaxTokens) {
        attentionFewTokens(pool, q.as<const float>(), q.stride[0], kCache.as<const float>(),
                           kCache.stride[0], vCache.as<const float>(), vCache.stride[0],
                           out.as<float>(), out.stride[0], T, pos0, Hq, Hkv, d, scale);
        return;
    }
    const std::int64_t rep = Hq / Hkv;
    const std::int64_t tileTokens = std::max<std::int64_t>(1, kTileRows / rep);
    const std::int64_t tiles = (T + tileTokens - 1) / tileTokens;
    const float* Q = q.as<const float>();
    const float* K = kCache.as<const float>();
    const float* V = vCache.as<const float>();
    float* O = out.as<float>();
    const std::int64_t sq = q.stride[0], sk = kCache.stride[0], sv = vCache.stride[0],
                       so = out.stride[0];

    // Later tiles see more keys: hand them out first.
    pool.parallelFor(tiles * Hkv, 1, [&](std::int64_t b, std::int64_t e) {
        thread_local std::vector<float> Qt, S, acc, m, l;
        thread_local std::vector<std::int64_t> limit, visible;
        for (std::int64_t task = b; task < e; ++task) {
            const std::int64_t tile = tiles - 1 - task / Hkv;
            const std::int64_t kvh = task % Hkv;
            const std::int64_t t0 = tile * tileTokens;
            const std::int64_t nt = std::min(tileTokens, T - t0);
            const std::int64_t rows = nt * rep;
            Qt.resize(std::size_t(rows * d));
            S.resize(std::size_t(rows * kKeyBlock));
            acc.assign(std::size_t(rows * d), 0.0f);
            m.assign(std::size_t(rows), -std::numeric_limits<float>::infinity());
            l.assign(std::size_t(rows), 0.0f);
            limit.resize(std::size_t(rows));
            visible.resize(std::size_t(rows));
            for (std::int64_t tl = 0; tl < nt; ++tl) {
                const float* src = Q + (t0 + tl) * sq + kvh * rep * d;
                for (std::int64_t i = 0; i < rep * d; ++i)
                    Qt[std::size_t(tl * rep * d + i)] = src[i] * scale;
                for (std::int64_t j = 0; j < rep; ++j)
                    limit[std::size_t(tl * rep + j)] = pos0 + t0 + tl + 1; // keys [0, limit)
            }
            const std::int64_t keys = pos0 + t0 + nt;
            for (std::int64_t k0 = 0; k0 < keys; k0 += kKeyBlock) {
                const std::int64_t nk = std::min(kKeyBlock, keys - k0);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows), int(nk), int(d),
                            1.0f, Qt.data(), int(d), K + k0 * sk + kvh * d, int(sk), 0.0f, S.data(),
                            int(kKeyBlock));
                for (std::int64_t r = 0; r < rows; ++r)
                    visible[std::size_t(r)] = limit[std::size_t(r)] - k0;
                softmaxBlock(S.data(), kKeyBlock, rows, nk, visible.data(), m.data(), l.data(),
                             acc.data(), d);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows), int(d), int(nk),
                            1.0f, S.data(), int(kKeyBlock), V + k0 * sv + kvh * d, int(sv), 1.0f,
                            acc.data(), int(d));
            }
            for (std::int64_t tl = 0; tl < nt; ++tl)
                for (std::int64_t j = 0; j < rep; ++j) {
                    const std::int64_t r = tl * rep + j;
                    const float inv = 1.0f / l[std::size_t(r)];
                    float* dst = O + (t0 + tl) * so + (kvh * rep + j) * d;
                    const float* a = acc.data() + r * d;
                    for (std::int64_t i = 0; i < d; ++i)
                        dst[i] = a[i] * inv;
                }
        }
    });
}

} // namespace lv::cpu
