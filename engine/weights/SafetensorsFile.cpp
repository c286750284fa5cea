#include "weights/SafetensorsFile.h"

#include "core/Error.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <limits>

namespace lv {

std::string shapeToString(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

namespace {

std::optional<DType> parseDtype(const std::string& s) {
    if (s == "F32") return DType::F32;
    if (s == "BF16") return DType::BF16;
    if (s == "F16") return DType::F16;
    if (s == "I32") return DType::I32;
    if (s == "I64") return DType::I64;
    if (s == "U8") return DType::U8;
    return std::nullopt;
}

// Element sizes of every safetensors dtype, so that byte ranges can be checked even
// for tensors the engine never reads.
std::size_t safetensorsDtypeSize(const std::string& s) {
    if (s == "F64" || s == "I64" || s == "U64") return 8;
    if (s == "F32" || s == "I32" || s == "U32") return 4;
    if (s == "F16" || s == "BF16" || s == "I16" || s == "U16") return 2;
    if (s == "I8" || s == "U8" || s == "BOOL" || s == "F8_E4M3" || s == "F8_E5M2") return 1;
    return 0;
}

} // namespace

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : file_(path) {
    const std::string where = path.string();
    const std::size_t size = file_.size();
    if (size < 8)
        throw EngineError(where + ": truncated safetensors file (" + std::to_string(size) +
                          " bytes, no header)");
    std::uint64_t headerLen = 0;
    std::memcpy(&headerLen, file_.data(), 8); // little-endian on every supported host
    if (headerLen > size - 8)
        throw EngineError(where + ": truncated safetensors file (header of " +
                          std::to_string(headerLen) + " bytes, file has " + std::to_string(size) +
                          ")");
    const char* headerStart = reinterpret_cast<const char*>(file_.data() + 8);
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(headerStart, headerStart + headerLen);
    } catch (const nlohmann::json::parse_error& e) {
        throw EngineError(where + ": malformed safetensors header: " + e.what());
    }
    if (!header.is_object())
        throw EngineError(where + ": malformed safetensors header: not a JSON object");
    dataStart_ = file_.data() + 8 + headerLen;
    const std::uint64_t dataSize = size - 8 - headerLen;

    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const auto& v = it.value();
        SafetensorsEntry e;
        e.name = it.key();
        try {
            e.dtypeName = v.at("dtype").get<std::string>();
            for (const auto& d : v.at("shape"))
                e.shape.push_back(d.get<std::int64_t>());
            const auto& off = v.at("data_offsets");
            if (!off.is_array() || off.size() != 2) throw std::runtime_error("data_offsets");
            e.begin = off[0].get<std::uint64_t>();
            e.end = off[1].get<std::uint64_t>();
        } catch (const std::exception&) {
            throw EngineError(where + ": malformed safetensors header entry for tensor '" + e.name +
                              "'");
        }
        e.dtype = parseDtype(e.dtypeName);
        const std::size_t elem = safetensorsDtypeSize(e.dtypeName);
        if (elem == 0)
            throw EngineError(where + ": tensor '" + e.name + "' has unknown dtype '" +
                              e.dtypeName + "'");
        std::uint64_t numel = 1;
        for (auto d : e.shape) {
            if (d < 0)
                throw EngineError(where + ": tensor '" + e.name + "' has negative shape " +
                                  shapeToString(e.shape));
            numel *= std::uint64_t(d);
        }
        if (e.end < e.begin || e.end - e.begin != numel * elem)
            throw EngineError(where + ": tensor '" + e.name + "' byte range [" +
                              std::to_string(e.begin) + ", " + std::to_string(e.end) +
                              ") does not match shape " + shapeToString(e.shape) + " of " +
                              e.dtypeName);
        if (e.end > dataSize)
            throw EngineError(where + ": truncated safetensors file: tensor '" + e.name +
                              "' needs bytes up to " + std::to_string(e.end) +
                              " of the data section, which has " + std::to_string(dataSize));
        entries_.emplace(e.name, std::move(e));
    }
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
}

Tensor SafetensorsFile::view(const SafetensorsEntry& e) const {
    if (!e.dtype)
        throw EngineError(path().string() + ": tensor '" + e.name + "' has dtype " + e.dtypeName +
                          ", which the engine cannot read");
    if (e.shape.size() > 4)
        throw EngineError(path().string() + ": tensor '" + e.name + "' has rank " +
                          std::to_string(e.shape.size()) + " (at most 4 supported)");
    Tensor t;
    t.data = const_cast<std::uint8_t*>(bytes(e));
    t.dtype = *e.dtype;
    t.device = DeviceKind::Cpu;
    t.rank = int(e.shape.size());
    std::int64_t s = 1;
    for (int k = t.rank - 1; k >= 0; --k) {
        t.shape[k] = e.shape[k];
        t.stride[k] = s;
        s *= e.shape[k];
    }
    return t;
}

} // namespace lv
