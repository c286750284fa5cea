// Choosing the compute device (--device auto|cpu|cuda) and describing the GPU for the UI.
// When the GPU cannot be used the CPU takes over, with a one-line reason for the user.
#pragma once

#include "backend/Backend.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lv {

enum class DeviceRequest : std::uint8_t { Auto, Cpu, Cuda };

// "auto", "cpu" or "cuda"; anything else is an EngineError naming the value.
DeviceRequest parseDeviceRequest(std::string_view text);

// What the GPU offers, read without creating a backend. Never throws.
struct GpuInfo {
    bool usable = false; // a CUDA device of sm_80 or newer answered
    int index = 0;
    std::string name;          // e.g. "NVIDIA H100 80GB HBM3"
    int computeCapability = 0; // major * 10 + minor
    std::size_t freeBytes = 0;
    std::size_t totalBytes = 0;
    std::string reason; // why it is not usable, when it is not
};

GpuInfo probeGpu(int index = 0);

// "NVIDIA H100 80GB HBM3 (sm_90): 78.6 GiB free of 79.1 GiB", or the reason it is unusable.
std::string describeGpu(const GpuInfo& gpu);

struct BackendChoice {
    std::unique_ptr<Backend> backend;
    std::string fallbackReason; // empty when the requested (or, for auto, the best) device runs
    GpuInfo gpu;
};

// Auto and Cuda take the GPU when it is usable and has at least minFreeBytes free, else the
// CPU with fallbackReason saying why in one line. Cpu never touches the GPU.
BackendChoice chooseBackend(DeviceRequest request, std::size_t minFreeBytes = 0, int cpuThreads = 0,
                            int gpuIndex = 0);

} // namespace lv
