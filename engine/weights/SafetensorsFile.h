// One .safetensors file, memory-mapped: its tensor index and zero-copy views.
// Every inconsistency (truncation, bad header, bad offsets) is an EngineError naming the file.
#pragma once

#include "core/Tensor.h"
#include "weights/MappedFile.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lv {

struct SafetensorsEntry {
    std::string name;
    std::string dtypeName;      // as written in the file, e.g. "BF16"
    std::optional<DType> dtype; // empty when the engine has no such type
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0; // byte range inside the data section
    std::uint64_t end = 0;
};

std::string shapeToString(const std::vector<std::int64_t>& shape);

class SafetensorsFile {
public:
    explicit SafetensorsFile(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return file_.path(); }
    const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
    const SafetensorsEntry* find(const std::string& name) const;

    // A host view of the tensor's bytes inside the mapping (rank <= 4).
    // Throws EngineError for a dtype the engine cannot read or a rank above 4.
    Tensor view(const SafetensorsEntry& entry) const;
    const std::uint8_t* bytes(const SafetensorsEntry& entry) const {
        return dataStart_ + entry.begin;
    }

private:
    MappedFile file_;
    const std::uint8_t* dataStart_ = nullptr;
    std::map<std::string, SafetensorsEntry> entries_;
};

} // namespace lv
