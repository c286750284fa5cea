// One adapter per architecture family turns a config.json into a ModelSpec.
// Adapters live in model/adapters/<Name>.cpp, each defining `lv::adapters::<Name>`;
// the build generates the table of all of them, so a new family is one new file.
#pragma once

#include "model/ConfigReader.h"
#include "model/ModelSpec.h"

#include <string>
#include <string_view>
#include <vector>

namespace lv {

struct Adapter {
    const char* modelType; // config.json "model_type"
    ModelSpec (*build)(const ConfigReader& config);
};

// Every compiled-in adapter (generated from the adapters folder).
const std::vector<const Adapter*>& allAdapters();

// The adapter for `modelType`, or null.
const Adapter* findAdapter(std::string_view modelType);

// Builds the spec for a parsed config; an unknown model_type is an EngineError naming
// the file and listing what is supported.
ModelSpec buildModelSpec(const ConfigReader& config);

} // namespace lv
