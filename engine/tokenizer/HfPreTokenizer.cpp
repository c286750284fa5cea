#include "tokenizer/HfPreTokenizer.h"

#include "tokenizer/ByteLevel.h"
#include "tokenizer/JsonFields.h"
#include "tokenizer/Regex.h"
#include "tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

namespace lv::hf {

namespace {

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior parseBehavior(const std::string& name, const std::string& where) {
    if (name == "Removed") return Behavior::Removed;
    if (name == "Isolated") return Behavior::Isolated;
    if (name == "MergedWithPrevious") return Behavior::MergedWithPrevious;
    if (name == "MergedWithNext") return Behavior::MergedWithNext;
    if (name == "Contiguous") return Behavior::Contiguous;
    throw TokenizerError(where + ": unknown split behavior '" + name + "'");
}

// Cuts text by pattern matches with Hugging Face's rules: the text becomes
// alternating match / non-match runs (`invert` swaps the two), the behavior
// decides how runs join, empty parts are dropped. Streams: at most one part
// is held back while the next run decides whether it grows.
class PatternSplitter {
public:
    PatternSplitter(const std::string& pattern, Regex::Syntax syntax, Behavior behavior,
                    bool invert, const std::string& where)
        : regex_(pattern, syntax, where), behavior_(behavior), invert_(invert) {}

    void split(std::string_view text, bool atOrigin, PieceSink emit) const {
        struct Part {
            std::size_t begin = 0, end = 0;
            bool held = false, match = false;
        } pending;
        bool previousMatch = false;
        auto out = [&](std::size_t b, std::size_t e) {
            if (e > b) emit(text.substr(b, e - b), atOrigin && b == 0);
        };
        auto flush = [&]() {
            if (pending.held) out(pending.begin, pending.end);
            pending.held = false;
        };
        auto onRun = [&](std::size_t b, std::size_t e, bool match) {
            switch (behavior_) {
            case Behavior::Isolated:
                out(b, e);
                break;
            case Behavior::Removed:
                if (!match) out(b, e);
                break;
            case Behavior::Contiguous:
                if (pending.held && match == previousMatch) {
                    pending.end = e;
                } else {
                    flush();
                    pending = {b, e, true, match};
                }
                break;
            case Behavior::MergedWithPrevious:
                if (pending.held && match && !previousMatch) {
                    pending.end = e;
                } else {
                    flush();
                    pending = {b, e, true, match};
                }
                break;
            case Behavior::MergedWithNext:
                // A match joins the run after it, unless that is a match too.
                if (pending.held && pending.match && !match) {
                    out(pending.begin, e);
                    pending.held = false;
                } else {
                    flush();
                    if (match)
                        pending = {b, e, true, true};
                    else
                        out(b, e);
                }
                break;
            }
            previousMatch = match;
        };
        std::size_t prev = 0;
        regex_.forEachMatch(text, [&](std::size_t b, std::size_t e) {
            if (prev != b) onRun(prev, b, invert_);
            onRun(b, e, !invert_);
            prev = e;
        });
        if (prev != text.size()) onRun(prev, text.size(), invert_);
        flush();
    }

private:
    Regex regex_;
    Behavior behavior_;
    bool invert_;
};

class SplitPreTokenizer final : public PreTokenizer {
public:
    SplitPreTokenizer(const std::string& pattern, Regex::Syntax syntax, Behavior behavior,
                      bool invert, const std::string& where)
        : splitter_(pattern, syntax, behavior, invert, where) {}
    void split(std::string_view text, bool atOrigin, PreTokenizerScratch&,
               PieceSink emit) const override {
        splitter_.split(text, atOrigin, emit);
    }
    std::size_t bufferCount() const override { return 0; }

private:
    PatternSplitter splitter_;
};

// GPT-2's pattern, used by ByteLevel when use_regex is true.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer final : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex, std::size_t firstBuffer,
                          const std::string& where)
        : addPrefixSpace_(addPrefixSpace), staged_(firstBuffer), mapped_(firstBuffer + 1) {
        if (useRegex)
            splitter_ = std::make_unique<PatternSplitter>(kGpt2Pattern, Regex::Syntax::Pattern,
                                                          Behavior::Isolated, false, where);
    }
    void split(std::string_view text, bool atOrigin, PreTokenizerScratch& scratch,
               PieceSink emit) const override {
        std::string_view source = text;
        if (addPrefixSpace_ && text[0] != ' ') {
            std::string& staged = scratch.buffers[staged_];
            staged.assign(1, ' ');
            staged.append(text);
            source = staged;
        }
        std::string& mapped = scratch.buffers[mapped_];
        auto mapAndEmit = [&](std::string_view piece, bool origin) {
            mapped.clear();
            bytelevel::encode(piece, mapped);
            emit(mapped, origin);
        };
        if (splitter_)
            splitter_->split(source, atOrigin, mapAndEmit);
        else
            mapAndEmit(source, atOrigin);
    }
    std::size_t bufferCount() const override { return 2; }

private:
    bool addPrefixSpace_;
    std::size_t staged_, mapped_;
    std::unique_ptr<PatternSplitter> splitter_;
};

class MetaspacePreTokenizer final : public PreTokenizer {
public:
    enum class Prepend { Always, First, Never };
    MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split, std::size_t buffer,
                          const std::string& where)
        : replacement_(std::move(replacement)), prepend_(prepend), buffer_(buffer) {
        if (split)
            splitter_ = std::make_unique<PatternSplitter>(replacement_, Regex::Syntax::Literal,
                                                          Behavior::MergedWithNext, false, where);
    }
    void split(std::string_view text, bool atOrigin, PreTokenizerScratch& scratch,
               PieceSink emit) const override {
        std::string& out = scratch.buffers[buffer_];
        out.clear();
        // Spaces become the replacement first; the prefix is added when the
        // result does not start with it.
        const bool startsWithReplacement =
            text[0] == ' ' || text.substr(0, replacement_.size()) == replacement_;
        if (!startsWithReplacement &&
            (prepend_ == Prepend::Always || (prepend_ == Prepend::First && atOrigin)))
            out += replacement_;
        for (char c : text) {
            if (c == ' ')
                out += replacement_;
            else
                out += c;
        }
        if (splitter_)
            splitter_->split(out, atOrigin, emit);
        else
            emit(out, atOrigin);
    }
    std::size_t bufferCount() const override { return 1; }

private:
    std::string replacement_;
    Prepend prepend_;
    std::size_t buffer_;
    std::unique_ptr<PatternSplitter> splitter_;
};

class SequencePreTokenizer final : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
        : steps_(std::move(steps)) {}
    void split(std::string_view text, bool atOrigin, PreTokenizerScratch& scratch,
               PieceSink emit) const override {
        run(0, text, atOrigin, scratch, emit);
    }
    std::size_t bufferCount() const override {
        std::size_t n = 0;
        for (const auto& s : steps_)
            n += s->bufferCount();
        return n;
    }

private:
    void run(std::size_t k, std::string_view text, bool atOrigin, PreTokenizerScratch& scratch,
             PieceSink emit) const {
        if (k == steps_.size()) {
            emit(text, atOrigin);
            return;
        }
        steps_[k]->split(text, atOrigin, scratch, [&](std::string_view piece, bool origin) {
            run(k + 1, piece, origin, scratch, emit);
        });
    }
    std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

bool isPlainByteLevel(const nlohmann::json& spec, const std::string& where) {
    return spec.is_object() && spec.value("type", "") == "ByteLevel" &&
           !optionalBool(spec, "add_prefix_space", true, where);
}

class Builder {
public:
    explicit Builder(std::string where) : where_(std::move(where)) {}

    std::unique_ptr<PreTokenizer> build(const nlohmann::json& spec) {
        if (spec.is_null()) return nullptr;
        const std::string type = requireString(spec, "type", where_ + ": pre_tokenizer");
        const std::string at = where_ + ": pre_tokenizer " + type;
        if (type == "Split") {
            auto [pattern, syntax] = splitPattern(spec, at);
            return std::make_unique<SplitPreTokenizer>(
                pattern, syntax, parseBehavior(requireString(spec, "behavior", at), at),
                optionalBool(spec, "invert", false, at), at);
        }
        if (type == "ByteLevel") {
            auto p = std::make_unique<ByteLevelPreTokenizer>(
                optionalBool(spec, "add_prefix_space", true, at),
                optionalBool(spec, "use_regex", true, at), buffers_, at);
            buffers_ += p->bufferCount();
            return p;
        }
        if (type == "Digits")
            // Rust's char::is_numeric is the N category; each digit is one match.
            return splitBy(R"(\p{N})",
                           optionalBool(spec, "individual_digits", false, at)
                               ? Behavior::Isolated
                               : Behavior::Contiguous,
                           at);
        if (type == "Punctuation") {
            const std::string behavior = spec.contains("behavior") && spec["behavior"].is_string()
                                             ? spec["behavior"].get<std::string>()
                                             : "Isolated";
            // ASCII punctuation (Rust's is_ascii_punctuation) or a Unicode P category.
            return splitBy(R"([\p{P}\x{21}-\x{2F}\x{3A}-\x{40}\x{5B}-\x{60}\x{7B}-\x{7E}])",
                           parseBehavior(behavior, at), at);
        }
        if (type == "Whitespace")
            // \w+|[^\w\s]+ kept, the white space between them removed.
            return std::make_unique<SplitPreTokenizer>(R"(\w+|[^\w\s]+)", Regex::Syntax::Pattern,
                                                       Behavior::Removed, true, at);
        if (type == "WhitespaceSplit") return splitBy(R"(\s+)", Behavior::Removed, at);
        if (type == "Metaspace") return metaspace(spec, at);
        if (type == "Sequence") {
            std::vector<std::unique_ptr<PreTokenizer>> steps;
            for (const auto& part : requireArray(spec, "pretokenizers", at))
                if (auto p = build(part)) steps.push_back(std::move(p));
            return std::make_unique<SequencePreTokenizer>(std::move(steps));
        }
        throw TokenizerError(where_ + ": pre_tokenizer type '" + type +
                             "' is not supported (Split, ByteLevel, Digits, Metaspace, "
                             "Punctuation, Whitespace, WhitespaceSplit, Sequence are)");
    }

    // The GPT-2 regex step that a plain ByteLevel with use_regex stands for.
    std::unique_ptr<PreTokenizer> gpt2Split() {
        return splitBy(kGpt2Pattern, Behavior::Isolated, where_ + ": pre_tokenizer ByteLevel");
    }

private:
    std::unique_ptr<PreTokenizer> splitBy(const char* pattern, Behavior behavior,
                                          const std::string& at) {
        return std::make_unique<SplitPreTokenizer>(pattern, Regex::Syntax::Pattern, behavior, false,
                                                   at);
    }

    std::unique_ptr<PreTokenizer> metaspace(const nlohmann::json& spec, const std::string& at) {
        std::string replacement = optionalString(spec, "replacement", at);
        if (replacement.empty()) replacement = "\xE2\x96\x81";
        auto prepend = MetaspacePreTokenizer::Prepend::Always;
        if (spec.contains("prepend_scheme") && spec["prepend_scheme"].is_string()) {
            const std::string scheme = spec["prepend_scheme"].get<std::string>();
            if (scheme == "always")
                prepend = MetaspacePreTokenizer::Prepend::Always;
            else if (scheme == "first")
                prepend = MetaspacePreTokenizer::Prepend::First;
            else if (scheme == "never")
                prepend = MetaspacePreTokenizer::Prepend::Never;
            else
                throw TokenizerError(at + ": unknown prepend_scheme '" + scheme + "'");
        } else if (!optionalBool(spec, "add_prefix_space", true, at)) {
            // Files written before prepend_scheme existed say add_prefix_space.
            prepend = MetaspacePreTokenizer::Prepend::Never;
        }
        auto p = std::make_unique<MetaspacePreTokenizer>(
            replacement, prepend, optionalBool(spec, "split", true, at), buffers_, at);
        buffers_ += p->bufferCount();
        return p;
    }

    std::string where_;
    std::size_t buffers_ = 0;
};

} // namespace

std::unique_ptr<PreTokenizer> makePreTokenizer(const nlohmann::json& spec, const std::string& where,
                                               bool* fuseByteLevel) {
    Builder builder(where);
    if (fuseByteLevel) *fuseByteLevel = false;
    if (!fuseByteLevel || spec.is_null()) return builder.build(spec);

    // A final ByteLevel without a prefix space only maps bytes (after the
    // GPT-2 split when use_regex is on): leave the mapping to the caller.
    const std::string at = where + ": pre_tokenizer";
    if (isPlainByteLevel(spec, at)) {
        *fuseByteLevel = true;
        return optionalBool(spec, "use_regex", true, at) ? builder.gpt2Split() : nullptr;
    }
    if (spec.is_object() && spec.value("type", "") == "Sequence") {
        const auto& steps = requireArray(spec, "pretokenizers", at);
        if (!steps.empty() && isPlainByteLevel(steps.back(), at)) {
            *fuseByteLevel = true;
            std::vector<std::unique_ptr<PreTokenizer>> built;
            for (std::size_t k = 0; k + 1 < steps.size(); ++k)
                if (auto p = builder.build(steps[k])) built.push_back(std::move(p));
            if (optionalBool(steps.back(), "use_regex", true, at))
                built.push_back(builder.gpt2Split());
            if (built.empty()) return nullptr;
            return std::make_unique<SequencePreTokenizer>(std::move(built));
        }
    }
    return builder.build(spec);
}

} // namespace lv::hf
