// A read-only memory mapping of a whole file.
// Weights are used straight from the mapping, so a checkpoint is never copied twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace lv {

class MappedFile {
public:
    // Throws EngineError naming the file when it cannot be opened or mapped.
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace lv
