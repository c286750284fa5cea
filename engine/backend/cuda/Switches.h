// The GPU backend's tuning switches, LONGVIEW_CUDA_* in the environment: the forms a
// benchmark compares, the earlier forms a measured one replaced, and the paths that stay
// opt-in until measured (bench prints those set).
#pragma once

#include <cstdlib>
#include <cstring>

namespace lv::cuda {

// Whether switch `name` is set to `value`, read now; a caller that must not change its mind
// mid-run keeps the answer in a static.
inline bool switchIs(const char* name, const char* value) {
    const char* e = std::getenv(name);
    return e && std::strcmp(e, value) == 0;
}

} // namespace lv::cuda
