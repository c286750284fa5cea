// The state a Session carries between calls, on the backend's device: per Mamba mixer
// a conv state and an SSM state, per attention mixer a KV cache that grows as needed.
#pragma once

#include "model/ModelSpec.h"
#include "runtime/DeviceBuffer.h"

#include <cstdint>
#include <vector>

namespace lv {

// One stateful mixer of the spec, in spec order (the order snapshots use).
struct StateEntry {
    enum class Kind : std::uint8_t { Mamba2 = 1, Mamba1 = 2, Attention = 3 };
    Kind kind = Kind::Mamba2;
    std::int64_t layer = 0;
    std::size_t block = 0, mixer = 0;
    std::int64_t convChannels = 0, convTaps = 0; // conv state [channels, kernel - 1]
    std::int64_t ssmElements = 0;                // Mamba2 [H, P, N], Mamba1 [inner, N]
    std::int64_t kvRowElements = 0;              // attention: kvHeads * headDim per position
};

std::vector<StateEntry> stateLayout(const ModelSpec& spec);

class ModelState {
public:
    struct Slot {
        DeviceBuffer conv, ssm;  // recurrent mixers
        DeviceBuffer key, value; // attention: [capacity, kvHeads, headDim] of kvDtype
        std::int64_t capacity = 0;
        DType kvDtype = DType::F32; // the backend's kvCacheDType()
    };

    ModelState(Backend& backend, std::vector<StateEntry> layout);

    // Zero recurrent states; KV caches keep their memory (positions beyond the
    // session's position are never read).
    void clear();
    // Grows every KV cache to hold `positions` rows (doubling, at least 256), keeping
    // the first `used` rows.
    void reserve(std::int64_t positions, std::int64_t used);
    // A deep copy holding the first `used` positions.
    ModelState clone(std::int64_t used) const;

    const std::vector<StateEntry>& layout() const { return layout_; }
    DType kvDtype() const { return kvDtype_; }
    std::vector<Slot>& slots() { return slots_; }
    const std::vector<Slot>& slots() const { return slots_; }
    // Bytes allocated on the device.
    std::size_t allocatedBytes() const;

private:
    std::size_t kvRowBytes(const StateEntry& e) const;

    Backend* backend_;
    DType kvDtype_;
    std::vector<StateEntry> layout_;
    std::vector<Slot> slots_;
};

} // namespace lv
