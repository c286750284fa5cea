#include "model/Adapter.h"

#include "core/Error.h"

namespace lv {

const Adapter* findAdapter(std::string_view modelType) {
    for (const Adapter* a : allAdapters())
        if (modelType == a->modelType) return a;
    return nullptr;
}

ModelSpec buildModelSpec(const ConfigReader& config) {
    const std::string type = config.modelType();
    const Adapter* adapter = findAdapter(type);
    if (!adapter) {
        std::string known;
        for (const Adapter* a : allAdapters())
            known += (known.empty() ? "" : ", ") + std::string(a->modelType);
        config.fail("model_type", "unknown architecture '" + type + "' (supported: " + known + ")");
    }
    ModelSpec spec = adapter->build(config);
    spec.architecture = type;
    return spec;
}

} // namespace lv
