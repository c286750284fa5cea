#include "cli/HumanOutput.h"
#include "cli/JsonOutput.h"
#include "cli/ServiceOptions.h"
#include "cli/commands/Commands.h"

#include "analysis/ModelCatalog.h"

#include <cstdio>
#include <filesystem>
#include <ostream>
#include <stdexcept>

namespace lv::cli {

Command makeModelsCommand() {
    Command c;
    c.name = "models";
    c.summary = "list the models found, whether they fit the GPU, and why any cannot run";
    c.usage = "models [--models-dir DIR] [--set-default DIR | --no-default] [--json]";
    c.options = {{"models-dir", "DIR", "where to look for checkpoints (remembered)"},
                 {"set-default", "DIR", "remember this checkpoint as the default model"},
                 {"no-default", "", "forget the default model: extractive without --model"}};
    c.maxPositional = 0;
    c.run = [](const Invocation& inv, CommandIo& io) {
        const auto modelsDir = inv.value("models-dir");
        if (modelsDir && !std::filesystem::is_directory(*modelsDir))
            throw UsageError(
                "--models-dir " + *modelsDir +
                (std::filesystem::exists(*modelsDir) ? ": not a folder" : ": no such folder"));
        if (inv.has("set-default") && inv.has("no-default"))
            throw UsageError("--set-default and --no-default cannot be used together");
        auto service = makeService(inv);
        if (modelsDir) service->setModelsFolder(*modelsDir);
        if (const auto dir = inv.value("set-default")) {
            if (const std::string why = analysis::unusableReason(*dir); !why.empty())
                throw std::runtime_error(*dir + ": cannot be the default model: " + why);
            service->setDefaultModel(*dir);
        }
        if (inv.has("no-default")) service->setDefaultModel("");
        // The service's list marks the default (a setting only it reads); the survey adds
        // the folders it leaves out and says why each cannot run.
        std::vector<std::string> extra;
        std::string defaultModel;
        for (const auto& m : service->models()) {
            extra.push_back(m.path);
            if (m.isDefault) defaultModel = m.path;
        }
        if (const auto dir = inv.value("model")) extra.push_back(*dir);
        const auto models = analysis::surveyModels(service->modelsFolder(), extra, defaultModel);
        if (inv.json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& e : models)
                arr.push_back(toJson(e));
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
        for (const auto& e : models) {
            const auto& m = e.model;
            const std::string note = e.unusable.empty() ? m.gpuNote : "unusable: " + e.unusable;
            // A pure state-space model has no context limit (0).
            const std::string context =
                m.contextLength > 0 ? std::to_string(m.contextLength) : std::string("none");
            std::snprintf(line, sizeof line, "%s %-28s %-18s %6s params  ctx %-7s %-9s ",
                          m.isDefault ? "*" : " ", m.name.c_str(), m.architecture.c_str(),
                          humanCount(m.parameters).c_str(), context.c_str(),
                          humanBytes(m.weightBytes).c_str());
            io.out << line << note << "\n"; // (the reason: any length)
            io.out << "  " << m.path << "\n";
        }
        return 0;
    };
    return c;
}

} // namespace lv::cli
