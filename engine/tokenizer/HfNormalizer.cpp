#include "tokenizer/HfNormalizer.h"

#include "tokenizer/JsonFields.h"
#include "tokenizer/Regex.h"
#include "tokenizer/Tokenizer.h"
#include "tokenizer/Utf8.h"

#include <nlohmann/json.hpp>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/ucasemap.h>

#include <vector>

namespace lv::hf {

namespace {

bool isAscii(const std::string& s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

class UnicodeNormalization final : public Normalizer {
public:
    UnicodeNormalization(const std::string& form, const std::string& where) {
        UErrorCode status = U_ZERO_ERROR;
        if (form == "NFC")
            normalizer_ = icu::Normalizer2::getNFCInstance(status);
        else if (form == "NFD")
            normalizer_ = icu::Normalizer2::getNFDInstance(status);
        else if (form == "NFKC")
            normalizer_ = icu::Normalizer2::getNFKCInstance(status);
        else
            normalizer_ = icu::Normalizer2::getNFKDInstance(status);
        if (U_FAILURE(status) || !normalizer_)
            throw TokenizerError(where + ": ICU has no " + form +
                                 " normalizer: " + u_errorName(status));
    }
    void normalize(std::string& text) const override {
        // ASCII is invariant under every normalization form.
        if (isAscii(text)) return;
        UErrorCode status = U_ZERO_ERROR;
        if (normalizer_->isNormalizedUTF8(text, status) && U_SUCCESS(status)) return;
        status = U_ZERO_ERROR;
        std::string out;
        out.reserve(text.size());
        icu::StringByteSink<std::string> sink(&out);
        normalizer_->normalizeUTF8(0, text, sink, nullptr, status);
        if (U_SUCCESS(status)) text.swap(out);
    }

private:
    const icu::Normalizer2* normalizer_ = nullptr;
};

class Lowercase final : public Normalizer {
public:
    void normalize(std::string& text) const override {
        if (isAscii(text)) {
            for (char& c : text)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            return;
        }
        UErrorCode status = U_ZERO_ERROR;
        UCaseMap* map = ucasemap_open("", 0, &status);
        if (U_FAILURE(status)) return;
        std::string out(text.size() + 16, '\0');
        for (int attempt = 0; attempt < 2; ++attempt) {
            status = U_ZERO_ERROR;
            const int32_t n =
                ucasemap_utf8ToLower(map, out.data(), static_cast<int32_t>(out.size()), text.data(),
                                     static_cast<int32_t>(text.size()), &status);
            if (status == U_BUFFER_OVERFLOW_ERROR) {
                out.assign(static_cast<std::size_t>(n), '\0');
                continue;
            }
            if (U_SUCCESS(status)) {
                out.resize(static_cast<std::size_t>(n));
                text.swap(out);
            }
            break;
        }
        ucasemap_close(map);
    }
};

class Replace final : public Normalizer {
public:
    Replace(const nlohmann::json& spec, const std::string& where)
        : Replace(splitPattern(spec, where), requireString(spec, "content", where), where) {}
    void normalize(std::string& text) const override {
        std::string out;
        std::size_t last = 0;
        bool any = false;
        pattern_.forEachMatch(text, [&](std::size_t begin, std::size_t end) {
            out.append(text, last, begin - last);
            out += content_;
            last = end;
            any = true;
        });
        if (!any) return;
        out.append(text, last, std::string::npos);
        text.swap(out);
    }

private:
    Replace(const std::pair<std::string, Regex::Syntax>& pattern, std::string content,
            const std::string& where)
        : pattern_(pattern.first, pattern.second, where), content_(std::move(content)) {}
    Regex pattern_;
    std::string content_;
};

class Prepend final : public Normalizer {
public:
    explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
    void normalize(std::string& text) const override {
        if (!text.empty()) text.insert(0, prefix_);
    }

private:
    std::string prefix_;
};

class Strip final : public Normalizer {
public:
    Strip(bool left, bool right) : left_(left), right_(right) {}
    // Rust's trim_start/trim_end: Unicode White_Space on either side.
    void normalize(std::string& text) const override {
        std::size_t begin = 0, end = text.size();
        if (left_)
            while (begin < end) {
                std::size_t i = begin;
                char32_t cp = 0;
                if (!utf8::decode(text, i, cp) || !utf8::isWhiteSpace(cp)) break;
                begin = i;
            }
        if (right_)
            while (end > begin) {
                std::size_t start = end - 1;
                while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
                    --start;
                std::size_t i = start;
                char32_t cp = 0;
                if (!utf8::decode(text, i, cp) || i != end || !utf8::isWhiteSpace(cp)) break;
                end = start;
            }
        if (begin == 0 && end == text.size()) return;
        text = text.substr(begin, end - begin);
    }

private:
    bool left_, right_;
};

class Sequence final : public Normalizer {
public:
    explicit Sequence(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
    void normalize(std::string& text) const override {
        for (const auto& p : parts_)
            p->normalize(text);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> parts_;
};

} // namespace

std::unique_ptr<Normalizer> makeNormalizer(const nlohmann::json& spec, const std::string& where) {
    if (spec.is_null()) return nullptr;
    const std::string type = requireString(spec, "type", where + ": normalizer");
    const std::string at = where + ": normalizer " + type;
    if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD")
        return std::make_unique<UnicodeNormalization>(type, at);
    if (type == "Lowercase") return std::make_unique<Lowercase>();
    if (type == "Replace") return std::make_unique<Replace>(spec, at);
    if (type == "Prepend") return std::make_unique<Prepend>(requireString(spec, "prepend", at));
    if (type == "Strip")
        return std::make_unique<Strip>(optionalBool(spec, "strip_left", true, at),
                                       optionalBool(spec, "strip_right", true, at));
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Normalizer>> parts;
        for (const auto& part : requireArray(spec, "normalizers", at))
            if (auto n = makeNormalizer(part, where)) parts.push_back(std::move(n));
        return std::make_unique<Sequence>(std::move(parts));
    }
    throw TokenizerError(where + ": normalizer type '" + type +
                         "' is not supported (NFC, NFD, NFKC, NFKD, Lowercase, Replace, "
                         "Prepend, Strip, Sequence are)");
}

} // namespace lv::hf
