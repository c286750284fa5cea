// One forward pass of a model over a chunk of tokens at a given position, updating the
// state in place and producing logits for the last token or for every token.
#pragma once

#include "model/Model.h"
#include "runtime/ModelState.h"
#include "runtime/Workspace.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lv {

enum class LogitRows { Last, All };

// A decode step recorded by the backend (a CUDA graph), kept while the buffers it was
// recorded against stay where they are (KV caches move when they grow).
class RecordedDecode {
public:
    bool disabled() const { return disabled_; }
    // Why the backend could not record, once it could not (then every step runs directly).
    const std::string& whyNot() const { return whyNot_; }
    int recordings() const { return recordings_; }

private:
    friend void forwardStepInPlace(const Model&, ModelState&, Workspace&, RecordedDecode&,
                                   std::int64_t);
    std::unique_ptr<Backend::RecordedStep> step_;
    std::vector<std::uintptr_t> boundTo_; // the addresses and capacities it was recorded for
    bool disabled_ = false;
    std::string whyNot_;
    int recordings_ = 0;
};

// Runs tokens [pos0, pos0 + ids.size()) (ids.size() <= workspace.maxTokens()); the
// caller has reserved KV capacity for pos0 + ids.size(). Copies the logits to `logits`
// on the host: [vocab] for Last, [ids.size(), vocab] for All; with logits null they stay
// in workspace.logits(rows) (for Last: row 0 of workspace.logits(1)).
void forwardChunk(const Model& model, ModelState& state, Workspace& workspace,
                  std::span<const std::int32_t> ids, std::int64_t pos0, LogitRows rows,
                  float* logits);

// One token at pos0, logits [vocab] to the host (or, null, left in workspace.logits(1)): as
// forwardChunk, through a recorded step where the backend records them (one launch instead
// of a few hundred on a GPU).
void forwardStep(const Model& model, ModelState& state, Workspace& workspace,
                 RecordedDecode& recorded, std::int32_t id, std::int64_t pos0, float* logits);

// forwardStep for the token already in workspace.ids(1) (put there on the device, by the
// backend's argmax), its logits left in workspace.logits(1): nothing crosses to the host.
void forwardStepInPlace(const Model& model, ModelState& state, Workspace& workspace,
                        RecordedDecode& recorded, std::int64_t pos0);

} // namespace lv
