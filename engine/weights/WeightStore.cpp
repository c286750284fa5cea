#include "weights/WeightStore.h"

#include "core/Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace lv {

namespace {

nlohmann::json readJsonFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw EngineError(path.string() + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::parse_error& e) {
        throw EngineError(path.string() + ": malformed JSON: " + e.what());
    }
}

} // namespace

std::unique_ptr<WeightStore> WeightStore::open(const std::filesystem::path& dir) {
    auto owned = std::unique_ptr<WeightStore>(new WeightStore());
    WeightStore& store = *owned;
    store.dir_ = dir;
    const auto single = dir / "model.safetensors";
    const auto index = dir / "model.safetensors.index.json";
    if (std::filesystem::exists(index)) {
        const nlohmann::json j = readJsonFile(index);
        if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
            throw EngineError(index.string() + ": missing object 'weight_map'");
        std::set<std::string> shards;
        for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
            if (!it.value().is_string())
                throw EngineError(index.string() + ": weight_map entry '" + it.key() +
                                  "' is not a file name");
            shards.insert(it.value().get<std::string>());
        }
        for (const auto& s : shards) {
            if (s.find('/') != std::string::npos || s == ".." || s.empty())
                throw EngineError(index.string() + ": shard name '" + s +
                                  "' is not a plain file name");
            store.files_.push_back(std::make_unique<SafetensorsFile>(dir / s));
        }
        // Every tensor the index names must be in the shard it names.
        for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
            const std::string shard = it.value().get<std::string>();
            bool found = false;
            for (const auto& f : store.files_)
                if (f->path().filename() == shard && f->find(it.key())) found = true;
            if (!found)
                throw EngineError((dir / shard).string() + ": missing tensor '" + it.key() +
                                  "' listed in " + index.filename().string());
        }
    } else if (std::filesystem::exists(single)) {
        store.files_.push_back(std::make_unique<SafetensorsFile>(single));
    } else {
        throw EngineError(dir.string() + ": no model.safetensors or model.safetensors.index.json");
    }
    return owned;
}

WeightStore::Located WeightStore::locate(const std::string& name) const {
    for (const auto& f : files_)
        if (const auto* e = f->find(name)) return {f.get(), e};
    return {nullptr, nullptr};
}

bool WeightStore::contains(const std::string& name) const {
    return locate(name).file != nullptr;
}

std::string WeightStore::fileOf(const std::string& name) const {
    const auto l = locate(name);
    if (l.file) return l.file->path().string();
    if (files_.size() == 1) return files_.front()->path().string();
    return (dir_ / "model.safetensors.index.json").string();
}

Tensor WeightStore::require(const std::string& name, const std::vector<std::int64_t>& shape) const {
    const auto l = locate(name);
    if (!l.file)
        throw EngineError(fileOf(name) + ": missing tensor '" + name + "' (expected shape " +
                          shapeToString(shape) + ")");
    if (l.entry->shape != shape)
        throw EngineError(l.file->path().string() + ": tensor '" + name + "' has shape " +
                          shapeToString(l.entry->shape) + ", expected " + shapeToString(shape));
    return l.file->view(*l.entry);
}

std::string WeightStore::indexDescription() const {
    std::map<std::string, const SafetensorsEntry*> all;
    for (const auto& f : files_)
        for (const auto& [n, e] : f->entries())
            all.emplace(n, &e);
    std::string s;
    for (const auto& [n, e] : all)
        s += n + " " + e->dtypeName + " " + shapeToString(e->shape) + "\n";
    return s;
}

std::string WeightStore::contentSample() const {
    std::map<std::string, std::pair<const SafetensorsFile*, const SafetensorsEntry*>> all;
    for (const auto& f : files_)
        for (const auto& [n, e] : f->entries())
            all.emplace(n, std::make_pair(f.get(), &e));
    std::string s;
    for (const auto& [n, fe] : all) {
        const auto* bytes = fe.first->bytes(*fe.second);
        const std::uint64_t len = fe.second->end - fe.second->begin;
        const std::uint64_t k = std::min<std::uint64_t>(64, len);
        s.append(reinterpret_cast<const char*>(bytes), k);
        s.append(reinterpret_cast<const char*>(bytes + len - k), k);
    }
    return s;
}

} // namespace lv
