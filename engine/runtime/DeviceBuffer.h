// Owned memory on a backend's device, freed through the same backend.
#pragma once

#include "backend/Backend.h"

#include <cstddef>
#include <initializer_list>
#include <utility>

namespace lv {

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    DeviceBuffer(Backend& backend, std::size_t bytes) : backend_(&backend), bytes_(bytes) {
        if (bytes_ > 0) data_ = backend.allocate(bytes_);
    }
    ~DeviceBuffer() { reset(); }
    DeviceBuffer(DeviceBuffer&& o) noexcept
        : backend_(o.backend_), data_(std::exchange(o.data_, nullptr)),
          bytes_(std::exchange(o.bytes_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        if (this != &o) {
            reset();
            backend_ = o.backend_;
            data_ = std::exchange(o.data_, nullptr);
            bytes_ = std::exchange(o.bytes_, 0);
        }
        return *this;
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void reset() {
        if (data_ && backend_) backend_->release(data_);
        data_ = nullptr;
        bytes_ = 0;
    }

    void* data() const { return data_; }
    std::size_t bytes() const { return bytes_; }
    Backend* backend() const { return backend_; }

    // A contiguous view of the start of the buffer.
    Tensor view(DType dtype, std::initializer_list<std::int64_t> dims) const {
        return Tensor::contiguous(data_, dtype, dims,
                                  backend_ ? backend_->device() : DeviceKind::Cpu);
    }

private:
    Backend* backend_ = nullptr;
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
};

} // namespace lv
