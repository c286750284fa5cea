// Helpers for the engine tests: the reference fixtures, and checkpoint variants written
// into temporary folders (sharded, bf16, truncated, renamed, reshaped) from them.
#pragma once

#include "support/Fixtures.h"
#include "weights/SafetensorsFile.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lv::test {

inline std::filesystem::path modelFixture(const char* name) {
    return fixturePath(QStringLiteral("models/") + name);
}

// Every fixture folder that holds a model the engine supports.
inline std::vector<std::string> supportedModelFixtures() {
    return {"granite_hybrid_tiny",
            "granite_hybrid_moe_rope_tiny",
            "granite_hybrid_real_shapes",
            "falcon_h1_tiny",
            "bamba_tiny",
            "nemotron_h_tiny",
            "mamba2_tiny",
            "llama_tiny",
            "jamba_tiny",
            "mamba1_tiny"};
}

// One tensor to write: safetensors dtype name, shape and raw bytes.
struct RawTensor {
    std::string dtype;
    std::vector<std::int64_t> shape;
    std::string bytes;
};

inline void writeSafetensors(const std::filesystem::path& path,
                             const std::map<std::string, RawTensor>& tensors) {
    nlohmann::json header = nlohmann::json::object();
    header["__metadata__"] = {{"format", "pt"}};
    std::uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        header[name] = {{"dtype", t.dtype},
                        {"shape", t.shape},
                        {"data_offsets", {offset, offset + t.bytes.size()}}};
        offset += t.bytes.size();
    }
    std::string h = header.dump();
    while (h.size() % 8)
        h.push_back(' ');
    std::ofstream out(path, std::ios::binary);
    const std::uint64_t n = h.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(h.data(), std::streamsize(h.size()));
    for (const auto& [name, t] : tensors)
        out.write(t.bytes.data(), std::streamsize(t.bytes.size()));
}

inline std::map<std::string, RawTensor> readSafetensors(const std::filesystem::path& path) {
    const SafetensorsFile f(path);
    std::map<std::string, RawTensor> out;
    for (const auto& [name, e] : f.entries())
        out[name] = {e.dtypeName, e.shape,
                     std::string(reinterpret_cast<const char*>(f.bytes(e)), e.end - e.begin)};
    return out;
}

// Copies a fixture's config, generation config and weights into `dir`, letting `edit`
// change the tensors first.
inline void copyFixture(const char* fixture, const std::filesystem::path& dir,
                        const std::function<void(std::map<std::string, RawTensor>&)>& edit = {}) {
    const auto src = modelFixture(fixture);
    std::filesystem::copy_file(src / "config.json", dir / "config.json",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(src / "generation_config.json", dir / "generation_config.json",
                               std::filesystem::copy_options::overwrite_existing);
    auto tensors = readSafetensors(src / "model.safetensors");
    if (edit) edit(tensors);
    writeSafetensors(dir / "model.safetensors", tensors);
}

inline nlohmann::json readJson(const std::filesystem::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in);
}

inline void writeText(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

inline std::filesystem::path tempPath(const QTemporaryDir& dir) {
    return std::filesystem::path(dir.path().toStdString());
}

// Golden input ids of a fixture.
// max |a - ref| / max |ref|: how far logits are from a reference, scaled by its range.
inline double maxRelDiff(const std::vector<float>& a, const std::vector<float>& ref) {
    double d = 0, m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, std::fabs(double(a[i]) - ref[i]));
        m = std::max(m, std::fabs(double(ref[i])));
    }
    return d / m;
}

inline std::vector<std::int32_t> goldenIds(const char* fixture) {
    const SafetensorsFile g(modelFixture(fixture) / "golden.safetensors");
    const auto t = g.view(*g.find("input_ids"));
    return {t.as<const std::int32_t>(), t.as<const std::int32_t>() + t.shape[0]};
}

// ids repeated until there are n of them (prompts longer than a fixture's golden ids).
inline std::vector<std::int32_t> repeatedIds(const std::vector<std::int32_t>& ids, std::size_t n) {
    std::vector<std::int32_t> out;
    while (out.size() < n && !ids.empty())
        out.insert(out.end(), ids.begin(), ids.end());
    out.resize(n);
    return out;
}

} // namespace lv::test
