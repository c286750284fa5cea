// Reads what a CUDA device offers (name, compute capability, free and total memory)
// without creating a backend; never throws, so that device selection can fall back.
#pragma once

#include "backend/BackendFactory.h"

namespace lv::cuda {

GpuInfo probeCudaDevice(int index);

} // namespace lv::cuda
