// embedding: rows of a table in any weight dtype, gathered by i32 ids and scaled.
#include "backend/cpu/Kernels.h"
#include "backend/cpu/TensorChecks.h"

namespace lv::cpu {

void embedding(ThreadPool& pool, const Tensor& ids, const Tensor& table, float scale, Tensor& out) {
    constexpr const char* op = "embedding";
    checkTensor(op, "ids", ids, 1);
    if (ids.dtype != DType::I32) throwBadArgument(op, "ids", "is not i32");
    checkFloatWeight(op, "table", table, 2);
    checkF32(op, "out", out, 2);
    const std::int64_t T = ids.shape[0];
    const std::int64_t V = table.shape[0];
    const std::int64_t H = table.shape[1];
    checkDim(op, "out", out, 0, T);
    checkDim(op, "out", out, 1, H);
    const std::int32_t* id = ids.as<const std::int32_t>();
    // Validate every id before writing anything.
    for (std::int64_t t = 0; t < T; ++t) {
        const std::int32_t v = id[t * ids.stride[0]];
        if (v < 0 || v >= V)
            throwBadArgument(op, "ids",
                             "holds token id " + std::to_string(v) + " at position " +
                                 std::to_string(t) + ", outside the vocabulary of " +
                                 std::to_string(V));
    }
    const WeightMatrix W = WeightMatrix::of(table);
    float* o = out.as<float>();
    const std::int64_t ldo = out.stride[0];
    pool.parallelFor(T, 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t t = b; t < e; ++t) {
            float* row = o + t * ldo;
            convertToF32(W.row(id[t * ids.stride[0]]), W.dtype, H, row);
            if (scale != 1.0f)
                for (std::int64_t i = 0; i < H; ++i)
                    row[i] *= scale;
        }
    });
}

} // namespace lv::cpu
