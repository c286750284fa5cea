#include "runtime/ForwardPass.h"

#include "core/Error.h"
#include "runtime/Blocks.h"

namespace lv {

void forwardChunk(const Model& model, ModelState& state, Workspace& ws,
                  std::span<const std::int32_t> ids, std::int64_t pos0, LogitRows rows,
                  float* logits) {
    const ModelSpec& spec = model.spec();
    Backend& be = model.backend();
    const auto T = std::int64_t(ids.size());
    for (auto id : ids)
        if (id < 0 || id >= spec.vocab)
            throw EngineError("token id " + std::to_string(id) + " outside the vocabulary (0.." +
                              std::to_string(spec.vocab - 1) + ")");

    Tensor idsDev = ws.ids(T);
    be.upload(idsDev.data, ids.data(), ids.size_bytes());
    Tensor x = ws.residual(T);
    be.embedding(idsDev, spec.embedding.tensor, spec.embeddingScale, x);

    Tensor normed = ws.normed(T);
    Tensor mixOut = ws.mixerOut(T);
    BlockContext ctx{be, ws, T, pos0};
    const auto& layout = state.layout();
    std::size_t slot = 0;
    for (std::size_t b = 0; b < spec.blocks.size(); ++b) {
        const Block& block = spec.blocks[b];
        be.rmsNorm(x, block.norm.tensor, block.normEps, normed);
        for (std::size_t m = 0; m < block.mixers.size(); ++m) {
            const Mixer& mixer = block.mixers[m];
            auto nextSlot = [&]() -> ModelState::Slot& {
                // Stateful mixers appear in the layout in spec order.
                if (slot >= layout.size() || layout[slot].block != b || layout[slot].mixer != m)
                    throw std::logic_error("state layout out of step with the model spec");
                return state.slots()[slot++];
            };
            if (const auto* s2 = std::get_if<Mamba2Mixer>(&mixer))
                runMamba2(ctx, *s2, normed, mixOut, nextSlot());
            else if (const auto* a = std::get_if<AttentionMixer>(&mixer))
                runAttention(ctx, *a, normed, mixOut, nextSlot());
            else if (const auto* f = std::get_if<MlpMixer>(&mixer))
                runMlp(ctx, *f, normed, mixOut);
            else if (const auto* e = std::get_if<MoeMixer>(&mixer))
                runMoe(ctx, *e, normed, mixOut);
            else if (const auto* s1 = std::get_if<Mamba1Mixer>(&mixer))
                runMamba1(ctx, *s1, normed, mixOut, nextSlot());
            be.addScaled(x, mixOut, block.residualScale, x);
        }
    }

    // Only the rows whose logits are wanted go through the final norm and lm_head.
    const std::int64_t first = rows == LogitRows::All ? 0 : T - 1;
    const std::int64_t n = T - first;
    Tensor xr = Tensor::contiguous(static_cast<float*>(x.data) + first * spec.hidden, DType::F32,
                                   {n, spec.hidden}, x.device);
    Tensor nr = Tensor::contiguous(normed.data, DType::F32, {n, spec.hidden}, x.device);
    be.rmsNorm(xr, spec.finalNorm.tensor, spec.finalNormEps, nr);
    Tensor out = ws.logits(n);
    be.linear(nr, spec.lmHead.tensor, nullptr, spec.logitScale, out);
    be.download(logits, out.data, out.bytes());
}

} // namespace lv
