// What checkpoints are on disk: architecture, size, context length and whether
// they fit the GPU, read from config.json and the safetensors headers only.
#pragma once

#include "analysis/AnalysisTypes.h"

#include <string>
#include <vector>

namespace lv::analysis {

// Throws std::runtime_error naming the folder when it holds no usable checkpoint.
ModelInfo describeModel(const std::string& dir);

// The parameters in a checkpoint's safetensors files (from their headers) and the files'
// bytes; throws naming the folder when it has none.
struct CheckpointSize {
    std::int64_t parameters = 0;
    std::int64_t fileBytes = 0;
};
CheckpointSize measureCheckpoint(const std::string& dir);

// GPU memory a model of `parameters` needs free to run: its weights in bf16 and room for
// the state of a long document and scratch.
std::int64_t gpuBytesToRun(std::int64_t parameters);

// The checkpoints directly under `folder` plus `extra` ones, each once; the one
// equal to `defaultPath` is marked default. Folders that fail to describe are skipped.
std::vector<ModelInfo> findModels(const std::string& folder, const std::vector<std::string>& extra,
                                  const std::string& defaultPath);

} // namespace lv::analysis
