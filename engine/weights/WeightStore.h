// The tensors of a checkpoint directory: model.safetensors, or the shards named by
// model.safetensors.index.json. Lookups check shape and name the file on mismatch.
#pragma once

#include "core/Tensor.h"
#include "weights/SafetensorsFile.h"
#include "weights/WeightSource.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace lv {

class WeightStore : public WeightSource {
public:
    // Opens every file of the checkpoint in `dir` (maps them, checks their headers).
    static std::unique_ptr<WeightStore> open(const std::filesystem::path& dir);

    bool contains(const std::string& name) const override;

    // The tensor `name` as a host view into the mapping. Throws EngineError naming the
    // file, the tensor, the expected and the found shape when they differ, or naming the
    // checkpoint when the tensor is missing.
    Tensor require(const std::string& name, const std::vector<std::int64_t>& shape) const override;

    // File that holds `name` (for messages), or the checkpoint directory.
    std::string fileOf(const std::string& name) const override;

    // Stable description of every tensor: "name dtype [shape]\n" in name order.
    std::string indexDescription() const;

    // Small samples of each tensor's bytes (first and last 64 bytes) so that two
    // checkpoints with one config but other weights get other fingerprints.
    std::string contentSample() const;

    const std::filesystem::path& directory() const { return dir_; }

private:
    struct Located {
        const SafetensorsFile* file;
        const SafetensorsEntry* entry;
    };
    Located locate(const std::string& name) const;

    std::filesystem::path dir_;
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
};

} // namespace lv
