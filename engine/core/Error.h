// Typed errors the engine throws at its boundary.
// Bad input (files, configs, snapshots) is an EngineError and names what is wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace lv {

// Something the user supplied is unusable: a checkpoint, a config, a snapshot,
// a tokenizer file. The message names the file, the field and the value.
// Derives from std::runtime_error, which the CLI maps to exit code 1.
class EngineError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The job was cancelled through its progress callback.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

// The device ran out of memory or is unusable; callers may fall back to the CPU.
class DeviceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace lv
