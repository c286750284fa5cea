#include "runtime/ForwardPass.h"

#include "core/Error.h"
#include "runtime/Blocks.h"

#include <optional>

namespace lv {

namespace {

void checkIds(const ModelSpec& spec, std::span<const std::int32_t> ids) {
    for (auto id : ids)
        if (id < 0 || id >= spec.vocab)
            throw EngineError("token id " + std::to_string(id) + " outside the vocabulary (0.." +
                              std::to_string(spec.vocab - 1) + ")");
}

// The type a mixer's input products take x in (Backend::linearInputDType) when all of them
// agree (a mixture of experts: its router and its experts, Backend::moeInputDType); F32
// where they do not or where the input also goes elsewhere (Mamba1).
DType mixerInputDType(const Backend& be, const Mixer& mixer, std::int64_t T) {
    auto agree = [&](std::initializer_list<const Weight*> ws) {
        std::optional<DType> t;
        for (const Weight* w : ws) {
            if (!w->tensor.data) continue;
            const DType d = be.linearInputDType(w->tensor, T);
            if (t && *t != d) return DType::F32;
            t = d;
        }
        return t.value_or(DType::F32);
    };
    if (const auto* m = std::get_if<Mamba2Mixer>(&mixer))
        return agree({&m->inProj, &m->inProjZ, &m->inProjXbcDt});
    if (const auto* a = std::get_if<AttentionMixer>(&mixer))
        return agree({&a->qkv, &a->q, &a->k, &a->v});
    if (const auto* f = std::get_if<MlpMixer>(&mixer)) return agree({&f->gateUp, &f->gate, &f->up});
    if (const auto* e = std::get_if<MoeMixer>(&mixer)) {
        const DType d = agree({&e->router, &e->sharedGateUp});
        return d == be.moeInputDType(e->gateUp.tensor, T) ? d : DType::F32;
    }
    return DType::F32;
}

// The normed input of a block, in the type its mixers' products take.
Tensor blockInput(const Backend& be, const Block& block, const Tensor& normedF32) {
    std::optional<DType> t;
    for (const Mixer& m : block.mixers) {
        const DType d = mixerInputDType(be, m, normedF32.shape[0]);
        t = !t || *t == d ? d : DType::F32;
    }
    return t && *t != DType::F32 ? retyped(normedF32, *t) : normedF32;
}

// Every op of a forward pass over T tokens whose ids are in workspace.ids(T), up to the
// logits rows in workspace.logits (returned). Only backend ops: no host transfer, so
// that a backend can record the sequence.
Tensor runOps(const Model& model, ModelState& state, Workspace& ws, std::int64_t T,
              std::int64_t pos0, LogitRows rows) {
    const ModelSpec& spec = model.spec();
    Backend& be = model.backend();
    // The residual stream lives in one of two buffers; the other takes normed inputs, or
    // the residual itself when a block's first product folds in the add and norm
    // (Backend::linearOfAddRmsNorm moves it there). `res` indexes the residual's.
    Tensor bufs[2] = {ws.residual(T), ws.normed(T)};
    int res = 0;
    be.embedding(ws.ids(T), spec.embedding.tensor, spec.embeddingScale, bufs[res]);

    Tensor mixOut = ws.mixerOut(T);
    BlockContext ctx{be, ws, T, pos0};
    const auto& layout = state.layout();
    std::size_t slot = 0;
    const bool mayFold = be.foldsResidualNorm(T);
    const bool mayAdd = !mayFold && be.addsInProducts(T);
    bool normedReady = false; // the previous block's last residual add normed x already
    bool foldPending = false; // ... or left the add and norm to this block's first product
    float foldScale = 1.0f;   // the previous block's residual scale, when folding
    Tensor in =
        spec.blocks.empty() ? bufs[1 - res] : blockInput(be, spec.blocks.front(), bufs[1 - res]);
    for (std::size_t b = 0; b < spec.blocks.size(); ++b) {
        const Block& block = spec.blocks[b];
        FoldedNorm fold{};
        if (foldPending) {
            fold = {&bufs[res],         &mixOut,       foldScale,
                    &block.norm.tensor, block.normEps, &bufs[1 - res]};
            ctx.fold = &fold;
        } else if (!normedReady) {
            be.rmsNorm(bufs[res], block.norm.tensor, block.normEps, in);
        }
        normedReady = false;
        for (std::size_t m = 0; m < block.mixers.size(); ++m) {
            const Mixer& mixer = block.mixers[m];
            auto nextSlot = [&]() -> ModelState::Slot& {
                // Stateful mixers appear in the layout in spec order.
                if (slot >= layout.size() || layout[slot].block != b || layout[slot].mixer != m)
                    throw std::logic_error("state layout out of step with the model spec");
                return state.slots()[slot++];
            };
            // The mixer's last product adds into the residual itself, or the mixer writes
            // mixOut and the add follows (with the next block's norm, or folded into its
            // first product).
            ctx.addToOut = mayAdd && addsInLastProduct(mixer);
            ctx.residualScale = block.residualScale;
            Tensor& out = ctx.addToOut ? bufs[res] : mixOut;
            if (const auto* s2 = std::get_if<Mamba2Mixer>(&mixer))
                runMamba2(ctx, *s2, in, out, nextSlot());
            else if (const auto* a = std::get_if<AttentionMixer>(&mixer))
                runAttention(ctx, *a, in, out, nextSlot());
            else if (const auto* f = std::get_if<MlpMixer>(&mixer))
                runMlp(ctx, *f, in, out);
            else if (const auto* e = std::get_if<MoeMixer>(&mixer))
                runMoe(ctx, *e, in, out);
            else if (const auto* s1 = std::get_if<Mamba1Mixer>(&mixer))
                runMamba1(ctx, *s1, in, out, nextSlot());
            if (ctx.fold) { // the first product moved the residual
                ctx.fold = nullptr;
                foldPending = false;
                res = 1 - res;
            }
            // Mixers of one block all read the same normed input: only the last one's add
            // can take the next block's norm with it.
            if (m + 1 == block.mixers.size() && b + 1 < spec.blocks.size()) {
                const Block& next = spec.blocks[b + 1];
                in = blockInput(be, next, bufs[1 - res]);
                if (ctx.addToOut) {
                    be.rmsNorm(bufs[res], next.norm.tensor, next.normEps, in);
                    normedReady = true;
                } else if (mayFold && next.mixers.size() == 1 &&
                           foldsIntoFirstProduct(next.mixers.front())) {
                    foldPending = true;
                    foldScale = block.residualScale;
                } else {
                    be.addRmsNorm(bufs[res], mixOut, block.residualScale, next.norm.tensor,
                                  next.normEps, in);
                    normedReady = true;
                }
            } else if (!ctx.addToOut) {
                be.addScaled(bufs[res], mixOut, block.residualScale, bufs[res]);
            }
        }
        if (!normedReady && !foldPending && b + 1 < spec.blocks.size())
            in = blockInput(be, spec.blocks[b + 1], bufs[1 - res]);
    }

    // Only the rows whose logits are wanted go through the final norm and lm_head.
    const std::int64_t first = rows == LogitRows::All ? 0 : T - 1;
    const std::int64_t n = T - first;
    Tensor xr = Tensor::contiguous(static_cast<float*>(bufs[res].data) + first * spec.hidden,
                                   DType::F32, {n, spec.hidden}, bufs[res].device);
    Tensor nr =
        Tensor::contiguous(bufs[1 - res].data, DType::F32, {n, spec.hidden}, bufs[res].device);
    be.rmsNorm(xr, spec.finalNorm.tensor, spec.finalNormEps, nr);
    Tensor out = ws.logits(n);
    be.linear(nr, spec.lmHead.tensor, nullptr, spec.logitScale, out);
    return out;
}

// Where a recorded step points: every state buffer (with the KV capacity, which sizes
// the recorded attention grids) and the logits rows.
std::vector<std::uintptr_t> bindings(const ModelState& state, Workspace& ws) {
    std::vector<std::uintptr_t> out;
    out.reserve(state.slots().size() * 5 + 1);
    for (const auto& s : state.slots()) {
        out.push_back(reinterpret_cast<std::uintptr_t>(s.conv.data()));
        out.push_back(reinterpret_cast<std::uintptr_t>(s.ssm.data()));
        out.push_back(reinterpret_cast<std::uintptr_t>(s.key.data()));
        out.push_back(reinterpret_cast<std::uintptr_t>(s.value.data()));
        out.push_back(std::uintptr_t(s.capacity));
    }
    out.push_back(reinterpret_cast<std::uintptr_t>(ws.logits(1).data));
    return out;
}

} // namespace

void forwardChunk(const Model& model, ModelState& state, Workspace& ws,
                  std::span<const std::int32_t> ids, std::int64_t pos0, LogitRows rows,
                  float* logits) {
    checkIds(model.spec(), ids);
    Backend& be = model.backend();
    const auto T = std::int64_t(ids.size());
    be.upload(ws.ids(T).data, ids.data(), ids.size_bytes());
    const Tensor out = runOps(model, state, ws, T, pos0, rows);
    if (logits) be.download(logits, out.data, out.bytes());
}

void forwardStep(const Model& model, ModelState& state, Workspace& ws, RecordedDecode& recorded,
                 std::int32_t id, std::int64_t pos0, float* logits) {
    checkIds(model.spec(), std::span<const std::int32_t>(&id, 1));
    Backend& be = model.backend();
    be.upload(ws.ids(1).data, &id, sizeof id);
    forwardStepInPlace(model, state, ws, recorded, pos0);
    if (logits) be.download(logits, ws.logits(1).data, ws.logits(1).bytes());
}

void forwardStepInPlace(const Model& model, ModelState& state, Workspace& ws,
                        RecordedDecode& recorded, std::int64_t pos0) {
    if (recorded.disabled_) {
        runOps(model, state, ws, 1, pos0, LogitRows::Last);
        return;
    }
    // A replay skips the ops' own checks: the one that depends on the position is here.
    for (const auto& s : state.slots())
        if (s.key.data() && pos0 >= s.capacity)
            throw std::logic_error("forwardStep: position " + std::to_string(pos0) +
                                   " beyond the KV capacity " + std::to_string(s.capacity));
    Backend& be = model.backend();
    std::vector<std::uintptr_t> bound = bindings(state, ws); // allocates the logits row first
    if (!recorded.step_ || bound != recorded.boundTo_) {
        recorded.step_.reset();
        recorded.step_ = be.recordStep(
            pos0, [&] { runOps(model, state, ws, 1, pos0, LogitRows::Last); }, recorded.whyNot_);
        if (!recorded.step_) {
            recorded.disabled_ = true;
            runOps(model, state, ws, 1, pos0, LogitRows::Last);
            return;
        }
        recorded.boundTo_ = std::move(bound);
        ++recorded.recordings_;
    }
    be.replayStep(*recorded.step_, pos0);
}

} // namespace lv
