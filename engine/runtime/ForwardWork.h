// The least work a forward pass does, from the model's shapes: what a benchmark's figures
// are read against (a device's FLOP/s and bytes/s, the roofline).
#pragma once

#include "model/ModelSpec.h"

#include <cstdint>

namespace lv {

struct ForwardWork {
    // A prefill of `context` tokens from position 0, logits for the last: the products'
    // multiply-adds (mixture-of-experts weights at top-k of their experts) and causal
    // attention's QK^T and PV. The SSD scan and elementwise ops are left out.
    double prefillFlops = 0;
    // One decode step after `context` tokens: every product weight read once (experts at
    // top-k share), the lm_head, the KV cache's `context` rows, the recurrent state read
    // and written.
    double decodeBytes = 0;
};

// kvCache: the KV cache's element type on the device that runs it.
ForwardWork forwardWork(const ModelSpec& spec, std::int64_t context, DType kvCache);

} // namespace lv
