#include "runtime/ReferenceCheck.h"

#include "core/Error.h"
#include "model/ConfigReader.h"
#include "model/Model.h"
#include "runtime/Session.h"
#include "weights/SafetensorsFile.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace lv {

namespace {

struct Comparison {
    double relError = 0;
    double argmaxAgreement = 0;
};

std::int64_t argmax(const float* v, std::int64_t n) {
    return std::int64_t(std::max_element(v, v + n) - v);
}

// Rows [0, rows) of `got` against rows [first, first + rows) of `ref`.
Comparison compare(const float* got, const float* ref, std::int64_t rows, std::int64_t vocab) {
    double maxDiff = 0, maxRef = 0;
    std::int64_t agree = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* g = got + r * vocab;
        const float* e = ref + r * vocab;
        for (std::int64_t i = 0; i < vocab; ++i) {
            const double d = std::fabs(double(g[i]) - double(e[i]));
            if (!(d <= maxDiff)) maxDiff = std::isnan(d) ? INFINITY : d;
            maxRef = std::max(maxRef, std::fabs(double(e[i])));
        }
        agree += argmax(g, vocab) == argmax(e, vocab);
    }
    return {maxRef > 0 ? maxDiff / maxRef : maxDiff, rows ? double(agree) / double(rows) : 1.0};
}

bool within(const Comparison& c, const ReferenceTolerance& tol) {
    return c.relError <= tol.relative &&
           (tol.argmaxAgreement <= 0 || c.argmaxAgreement >= tol.argmaxAgreement);
}

} // namespace

ReferenceResult checkReference(const std::filesystem::path& dir, Backend& backend,
                               const ReferenceTolerance& tol) {
    ReferenceResult res;
    res.name = dir.filename().string();
    if (res.name.empty()) res.name = dir.parent_path().filename().string();
    const auto start = std::chrono::steady_clock::now();
    try {
        const SafetensorsFile golden(dir / "golden.safetensors");
        const auto* idsEntry = golden.find("input_ids");
        const auto* logitsEntry = golden.find("logits");
        if (!idsEntry || !logitsEntry)
            throw EngineError(golden.path().string() + ": needs tensors 'input_ids' and 'logits'");
        const Tensor idsT = golden.view(*idsEntry);
        const Tensor refT = golden.view(*logitsEntry);
        if (idsT.dtype != DType::I32 || idsT.rank != 1 || refT.dtype != DType::F32 ||
            refT.rank != 2 || refT.shape[0] != idsT.shape[0])
            throw EngineError(golden.path().string() +
                              ": expected input_ids i32 [T] and logits f32 [T, vocab]");
        const std::int64_t T = idsT.shape[0], V = refT.shape[1];
        const std::vector<std::int32_t> ids(idsT.as<const std::int32_t>(),
                                            idsT.as<const std::int32_t>() + T);
        const float* ref = refT.as<const float>();

        const ConfigReader meta = ConfigReader::fromFile(dir / "golden.json");
        const std::int64_t P = meta.integer("greedy_prompt_len");
        for (auto t : meta.integerList("greedy_continuation"))
            res.expectedGreedy.push_back(std::int32_t(t));
        if (P <= 0 || P > T) meta.fail("greedy_prompt_len", "outside 1.." + std::to_string(T));

        const auto model = Model::load(dir, backend);
        res.architecture = model->info().architecture;
        res.tokens = T;
        if (model->spec().vocab != V)
            throw EngineError((dir / "golden.safetensors").string() + ": logits have " +
                              std::to_string(V) + " columns, the model's vocabulary has " +
                              std::to_string(model->spec().vocab));

        // 1. Every position in one prefill.
        {
            Session s(*model);
            std::vector<float> all;
            s.prefillAllLogits(ids, all);
            const Comparison c = compare(all.data(), ref, T, V);
            res.logitsError = c.relError;
            res.logitsArgmax = c.argmaxAgreement;
            res.logitsOk = within(c, tol);
        }
        // 2. Prefill the first half, then decode the rest one token at a time; the logits
        //    after the prefill and after every decoded token are compared.
        {
            Session s(*model);
            const std::int64_t half = T / 2;
            std::vector<float> got;
            got.reserve(std::size_t((T - half + 1) * V));
            const auto& first =
                s.prefill(std::span<const std::int32_t>(ids.data(), std::size_t(half)));
            got.insert(got.end(), first.begin(), first.end());
            for (std::int64_t t = half; t < T; ++t) {
                const auto& l = s.decode(ids[std::size_t(t)]);
                got.insert(got.end(), l.begin(), l.end());
            }
            const Comparison c = compare(got.data(), ref + (half - 1) * V, T - half + 1, V);
            res.decodeError = c.relError;
            res.decodeArgmax = c.argmaxAgreement;
            res.decodeOk = within(c, tol);
        }
        // 3. Greedy continuation with the model's own state.
        {
            Session s(*model);
            GenerateOptions g;
            g.maxTokens = std::int64_t(res.expectedGreedy.size());
            g.stopAtEos = false;
            res.greedy =
                s.generate(std::span<const std::int32_t>(ids.data(), std::size_t(P)), g).tokens;
            res.greedyOk = res.greedy == res.expectedGreedy;
        }
    } catch (const std::exception& e) {
        res.error = e.what();
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return res;
}

} // namespace lv
