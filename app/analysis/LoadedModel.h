// A checkpoint ready to answer: the backend chosen for it, the model's weights on
// that device, its tokenizer and chat template. Loaded once per service.
#pragma once

#include "backend/BackendFactory.h"
#include "model/Model.h"
#include "tokenizer/ChatTemplate.h"
#include "tokenizer/Tokenizer.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace lv::analysis {

struct LoadedModel {
    std::filesystem::path directory;
    std::string name;           // the checkpoint folder's name
    std::string device;         // "cpu (16 threads)", "cuda:0 NVIDIA H100 ..."
    std::string fallbackReason; // why the GPU was not used, when asked for
    BackendChoice backend;
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tokenizer;
    std::optional<ChatTemplate> chat;

    // Throws EngineError / TokenizerError naming the file and the problem.
    static std::unique_ptr<LoadedModel> load(const std::filesystem::path& dir,
                                             const std::string& device, int cpuThreads = 0);
};

} // namespace lv::analysis
