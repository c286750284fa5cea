// Chooses a compute backend by name for the command line and the analysis layer.
#pragma once

#include "backend/Backend.h"

#include <memory>
#include <string>

namespace lv {

// "cpu", "cuda" or "auto" (CUDA when this build has it and a device answers, else the
// CPU). Throws EngineError for other names or "cuda" without a CUDA build, and
// DeviceError when the GPU is unusable.
std::unique_ptr<Backend> makeBackend(const std::string& device, int cpuThreads = 0);

} // namespace lv
