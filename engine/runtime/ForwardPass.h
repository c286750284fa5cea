// One forward pass of a model over a chunk of tokens at a given position, updating the
// state in place and producing logits for the last token or for every token.
#pragma once

#include "model/Model.h"
#include "runtime/ModelState.h"
#include "runtime/Workspace.h"

#include <cstdint>
#include <span>

namespace lv {

enum class LogitRows { Last, All };

// Runs tokens [pos0, pos0 + ids.size()) (ids.size() <= workspace.maxTokens()); the
// caller has reserved KV capacity for pos0 + ids.size(). Copies the logits to `logits`
// on the host: [vocab] for Last, [ids.size(), vocab] for All.
void forwardChunk(const Model& model, ModelState& state, Workspace& workspace,
                  std::span<const std::int32_t> ids, std::int64_t pos0, LogitRows rows,
                  float* logits);

} // namespace lv
