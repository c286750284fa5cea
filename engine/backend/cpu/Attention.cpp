// attention: causal grouped-query attention over an explicit KV cache, blocked like flash
// attention. A task is one KV head and a tile of query tokens; the query heads sharing the
// KV head are stacked into the tile's rows so each key/value block is read once for all
// of them. Scores and the weighted sum of values are sgemm calls on blocks of the cache;
// the softmax is online (running max and sum per row), so nothing of size T x T is stored.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"
#include "backend/cpu/VectorMath.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace lv::cpu {

namespace {

constexpr std::int64_t kKeyBlock = 256;
constexpr std::int64_t kTileRows = 128; // query rows (tokens x heads of a group) per task

// One block of scores S [rows, nk] (row r may see keys up to limit[r] - k0, exclusive
// bound `visible`): updates the running max m, the running sum l and rescales acc [rows, d];
// turns S into probabilities in place.
LV_CPU_MULTIVERSION void softmaxBlock(float* S, std::int64_t ldS, std::int64_t rows,
                                      std::int64_t nk, const std::int64_t* visible, float* m,
                                      float* l, float* acc, std::int64_t d) {
    for (std::int64_t r = 0; r < rows; ++r) {
        float* s = S + r * ldS;
        const std::int64_t v = std::min(nk, visible[r]);
        float mx = m[r];
        for (std::int64_t j = 0; j < v; ++j)
            mx = s[j] > mx ? s[j] : mx;
        const float corr = expf32(m[r] - mx); // 0 when m[r] is -inf
        float sum = 0.0f;
        for (std::int64_t j = 0; j < v; ++j) {
            const float p = expf32(s[j] - mx);
            s[j] = p;
            sum += p;
        }
        for (std::int64_t j = std::max<std::int64_t>(v, 0); j < nk; ++j)
            s[j] = 0.0f;
        l[r] = l[r] * corr + sum;
        m[r] = mx;
        float* a = acc + r * d;
        for (std::int64_t i = 0; i < d; ++i)
            a[i] *= corr;
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
