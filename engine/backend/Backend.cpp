#include "backend/Backend.h"

namespace lv {

Tensor Backend::prepareWeight(const Tensor& host) {
    if (device() == DeviceKind::Cpu) return host;
    Tensor t = host;
    t.device = device();
    t.data = allocate(host.bytes());
    upload(t.data, host.data, host.bytes());
    // A packed copy: recompute contiguous strides (host views may be row slices).
    std::int64_t s = 1;
    for (int k = t.rank - 1; k >= 0; --k) {
        t.stride[k] = s;
        s *= t.shape[k];
    }
    return t;
}

void Backend::releaseWeight(const Tensor& prepared) {
    if (device() != DeviceKind::Cpu && prepared.data) release(prepared.data);
}

} // namespace lv
