#include "tokenizer/SentencePieceModelProto.h"

#include <cstdint>
#include <vector>

namespace lv::spm {

namespace {

// Field numbers of sentencepiece_model.proto.
constexpr uint32_t kTrainerSpec = 2;
constexpr uint32_t kNormalizerSpec = 3;
constexpr uint32_t kAddDummyPrefix = 3;
constexpr uint32_t kRemoveExtraWhitespaces = 4;
constexpr uint32_t kEscapeWhitespaces = 5;
constexpr uint32_t kTreatWhitespaceAsSuffix = 24;
constexpr uint32_t kModelType = 3; // in TrainerSpec: UNIGRAM = 1, BPE = 2, WORD = 3, CHAR = 4

struct Field {
    uint32_t number;
    uint32_t wireType;
    uint64_t varint;        // wire type 0
    std::string_view bytes; // wire type 2; the raw field (key included) in `raw`
    std::string_view raw;
};

bool readVarint(std::string_view s, std::size_t& pos, uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= s.size()) return false;
        const auto b = static_cast<unsigned char>(s[pos++]);
        value |= static_cast<uint64_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

bool parse(std::string_view s, std::vector<Field>& fields) {
    std::size_t pos = 0;
    while (pos < s.size()) {
        const std::size_t start = pos;
        uint64_t key = 0;
        if (!readVarint(s, pos, key)) return false;
        Field f{static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7), 0, {}, {}};
        if (f.number == 0) return false;
        switch (f.wireType) {
        case 0:
            if (!readVarint(s, pos, f.varint)) return false;
            break;
        case 1:
            if (s.size() - pos < 8) return false;
            pos += 8;
            break;
        case 2: {
            uint64_t length = 0;
            if (!readVarint(s, pos, length) || length > s.size() - pos) return false;
            f.bytes = s.substr(pos, static_cast<std::size_t>(length));
            pos += static_cast<std::size_t>(length);
            break;
        }
        case 5:
            if (s.size() - pos < 4) return false;
            pos += 4;
            break;
        default:
            return false;
        }
        f.raw = s.substr(start, pos - start);
        fields.push_back(f);
    }
    return true;
}

void appendVarint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

} // namespace

std::optional<NormalizerOptions> readNormalizerOptions(std::string_view model) {
    std::vector<Field> fields;
    if (!parse(model, fields)) return std::nullopt;
    NormalizerOptions options;
    for (const auto& f : fields) {
        if (f.wireType != 2) continue;
        std::vector<Field> inner;
        if (f.number == kNormalizerSpec) {
            if (!parse(f.bytes, inner)) return std::nullopt;
            for (const auto& g : inner) {
                if (g.wireType != 0) continue;
                if (g.number == kAddDummyPrefix) options.addDummyPrefix = g.varint != 0;
                if (g.number == kRemoveExtraWhitespaces)
                    options.removeExtraWhitespaces = g.varint != 0;
                if (g.number == kEscapeWhitespaces) options.escapeWhitespaces = g.varint != 0;
            }
        } else if (f.number == kTrainerSpec) {
            if (!parse(f.bytes, inner)) return std::nullopt;
            for (const auto& g : inner) {
                if (g.wireType == 0 && g.number == kTreatWhitespaceAsSuffix)
                    options.treatWhitespaceAsSuffix = g.varint != 0;
                if (g.wireType == 0 && g.number == kModelType) options.unigram = g.varint == 1;
            }
        }
    }
    return options;
}

std::optional<std::string> withoutDummyPrefix(std::string_view model) {
    std::vector<Field> fields;
    if (!parse(model, fields)) return std::nullopt;
    std::string out, spec;
    for (const auto& f : fields) {
        if (f.number == kNormalizerSpec && f.wireType == 2) {
            std::vector<Field> inner;
            if (!parse(f.bytes, inner)) return std::nullopt;
            for (const auto& g : inner)
                if (g.number != kAddDummyPrefix) spec.append(g.raw);
            continue;
        }
        out.append(f.raw);
    }
    appendVarint(spec, (kAddDummyPrefix << 3) | 0);
    appendVarint(spec, 0);
    appendVarint(out, (kNormalizerSpec << 3) | 2);
    appendVarint(out, spec.size());
    out += spec;
    return out;
}

} // namespace lv::spm
