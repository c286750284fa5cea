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

// Why the checkpoint in `dir` cannot be loaded to run, in a few words ("unsupported
// model_type 'gpt_neox'", "no tokenizer.json or tokenizer.model"); empty when nothing
// stops it. Reads config.json and file names only.
std::string unusableReason(const std::string& dir);

// A checkpoint as a listing shows it: described as far as it can be, and why it cannot run
// (empty when it can).
struct CheckpointEntry {
    ModelInfo model;
    std::string unusable;
};

// The folders findModels looks at, those it skips included, each with why it cannot run:
// a listing that leaves a broken download out cannot tell the user what is wrong with it.
std::vector<CheckpointEntry> surveyModels(const std::string& folder,
                                          const std::vector<std::string>& extra,
                                          const std::string& defaultPath);

} // namespace lv::analysis
