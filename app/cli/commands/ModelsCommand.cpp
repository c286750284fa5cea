#include "cli/HumanOutput.h"
#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include <cstdio>
#include <ostream>

namespace lv::cli {

Command makeModelsCommand() {
    Command c;
    c.name = "models";
    c.summary = "list the models found and whether they fit the GPU";
    c.usage = "models [--models-dir DIR] [--set-default DIR] [--json]";
    c.options = {{"models-dir", "DIR", "where to look for checkpoints (remembered)"},
                 {"set-default", "DIR", "remember this checkpoint as the default model"}};
    c.maxPositional = 0;
    c.run = [](const Invocation& inv, CommandIo& io) {
        Invocation withModel = inv;
        auto service = makeService(withModel);
        if (inv.has("models-dir")) service->setModelsFolder(inv.valueOr("models-dir", ""));
        if (inv.has("set-default")) service->setDefaultModel(inv.valueOr("set-default", ""));
        const auto models = service->models();
        if (inv.json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& m : models)
                arr.push_back(toJson(m));
            io.out << arr.dump(2) << "\n";
            return 0;
        }
        if (models.empty()) {
            io.out << "No models found. Put Hugging Face checkpoint folders under "
                   << service->modelsFolder()
                   << " or pass --model DIR; without a model, summaries are extractive.\n";
            return 0;
        }
        char line[1024];
        for (const auto& m : models) {
            std::snprintf(line, sizeof line, "%s %-28s %-18s %6s params  ctx %-7lld %-9s %s\n",
                          m.isDefault ? "*" : " ", m.name.c_str(), m.architecture.c_str(),
                          humanCount(m.parameters).c_str(), (long long)m.contextLength,
                          humanBytes(m.weightBytes).c_str(), m.gpuNote.c_str());
            io.out << line;
            io.out << "  " << m.path << "\n";
        }
        return 0;
    };
    return c;
}

} // namespace lv::cli
