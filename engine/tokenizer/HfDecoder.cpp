#include "tokenizer/HfDecoder.h"

#include "tokenizer/ByteLevel.h"
#include "tokenizer/JsonFields.h"
#include "tokenizer/Regex.h"
#include "tokenizer/Tokenizer.h"
#include "tokenizer/Utf8.h"

#include <nlohmann/json.hpp>

namespace lv::hf {

namespace {

class ByteLevelDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::string bytes;
        for (const auto& t : tokens) {
            const std::size_t mark = bytes.size();
            // A token that is not all byte-level characters (an added token
            // such as "<|endoftext|>" with a space) is taken as it is.
            if (!bytelevel::decode(t, bytes)) {
                bytes.resize(mark);
                bytes += t;
            }
        }
        tokens.assign(1, utf8::isValid(bytes) ? std::move(bytes) : utf8::repair(bytes));
    }
};

class MetaspaceDecoder final : public Decoder {
public:
    MetaspaceDecoder(std::string replacement, bool prependScheme)
        : replacement_(std::move(replacement)), prepend_(prependScheme) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string out;
            const std::string& t = tokens[i];
            std::size_t pos = 0;
            while (pos < t.size()) {
                if (!replacement_.empty() &&
                    t.compare(pos, replacement_.size(), replacement_) == 0) {
                    // The first token's replacement characters are the prefix
                    // the pre-tokenizer added: they disappear.
                    if (!(i == 0 && prepend_)) out += ' ';
                    pos += replacement_.size();
                } else {
                    out += t[pos++];
                }
            }
            tokens[i] = std::move(out);
        }
    }

private:
    std::string replacement_;
    bool prepend_;
};

class ByteFallbackDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        std::string pending;
        std::size_t pendingCount = 0;
        auto flush = [&]() {
            if (pendingCount == 0) return;
            if (utf8::isValid(pending)) {
                out.push_back(pending);
            } else {
                // Bytes that are not UTF-8 become one U+FFFD each.
                for (std::size_t k = 0; k < pendingCount; ++k)
                    out.emplace_back("\xEF\xBF\xBD");
            }
            pending.clear();
            pendingCount = 0;
        };
        for (auto& t : tokens) {
            int byte = -1;
            if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
                char* end = nullptr;
                const std::string hex = t.substr(3, 2);
                const long v = std::strtol(hex.c_str(), &end, 16);
                if (end == hex.c_str() + 2) byte = static_cast<int>(v);
            }
            if (byte >= 0) {
                pending.push_back(static_cast<char>(byte));
                ++pendingCount;
            } else {
                flush();
                out.push_back(std::move(t));
            }
        }
        flush();
        tokens.swap(out);
    }
};

class FuseDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const auto& t : tokens)
            all += t;
        tokens.assign(1, std::move(all));
    }
};

class StripDecoder final : public Decoder {
public:
    StripDecoder(std::string content, std::size_t start, std::size_t stop)
        : content_(std::move(content)), start_(start), stop_(stop) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        if (content_.empty()) return;
        for (auto& t : tokens) {
            std::size_t begin = 0, end = t.size();
            for (std::size_t k = 0;
                 k < start_ && t.compare(begin, content_.size(), content_) == 0 &&
                 begin + content_.size() <= end;
                 ++k)
                begin += content_.size();
            for (std::size_t k = 0;
                 k < stop_ && end >= begin + content_.size() &&
                 t.compare(end - content_.size(), content_.size(), content_) == 0;
                 ++k)
                end -= content_.size();
            t = t.substr(begin, end - begin);
        }
    }

private:
    std::string content_;
    std::size_t start_, stop_;
};

class ReplaceDecoder final : public Decoder {
public:
    ReplaceDecoder(const std::pair<std::string, Regex::Syntax>& pattern, std::string content,
                   const std::string& where)
        : pattern_(pattern.first, pattern.second, where), content_(std::move(content)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (auto& t : tokens) {
            std::string out;
            std::size_t last = 0;
            pattern_.forEachMatch(t, [&](std::size_t b, std::size_t e) {
                out.append(t, last, b - last);
                out += content_;
                last = e;
            });
            out.append(t, last, std::string::npos);
            t = std::move(out);
        }
    }

private:
    Regex pattern_;
    std::string content_;
};

class SequenceDecoder final : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts)
        : parts_(std::move(parts)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (const auto& p : parts_)
            p->decodeChain(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> parts_;
};

std::size_t countField(const nlohmann::json& spec, const char* key, const std::string& at) {
    if (!spec.contains(key)) return 0;
    const auto& v = spec[key];
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        throw TokenizerError(at + ": field '" + key + "' must be a non-negative integer");
    return v.get<std::size_t>();
}

} // namespace

std::unique_ptr<Decoder> makeDecoder(const nlohmann::json& spec, const std::string& where) {
    if (spec.is_null()) return nullptr;
    const std::string type = requireString(spec, "type", where + ": decoder");
    const std::string at = where + ": decoder " + type;
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "Metaspace") {
        std::string replacement = optionalString(spec, "replacement", at);
        if (replacement.empty()) replacement = "\xE2\x96\x81";
        bool prepend = true;
        if (spec.contains("prepend_scheme") && spec["prepend_scheme"].is_string())
            prepend = spec["prepend_scheme"].get<std::string>() != "never";
        else
            prepend = optionalBool(spec, "add_prefix_space", true, at);
        return std::make_unique<MetaspaceDecoder>(replacement, prepend);
    }
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Strip")
        return std::make_unique<StripDecoder>(requireString(spec, "content", at),
                                              countField(spec, "start", at),
                                              countField(spec, "stop", at));
    if (type == "Replace")
        return std::make_unique<ReplaceDecoder>(splitPattern(spec, at),
                                                requireString(spec, "content", at), at);
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Decoder>> parts;
        for (const auto& part : requireArray(spec, "decoders", at))
            if (auto d = makeDecoder(part, where)) parts.push_back(std::move(d));
        return std::make_unique<SequenceDecoder>(std::move(parts));
    }
    throw TokenizerError(where + ": decoder type '" + type +
                         "' is not supported (ByteLevel, Metaspace, ByteFallback, Fuse, Strip, "
                         "Replace, Sequence are)");
}

} // namespace lv::hf
