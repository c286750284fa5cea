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

// One piece cut by pattern matches, following the Hugging Face splitting rules
// (the match/non-match runs, then the behavior, then empty parts dropped).
class PatternSplitter {
public:
    PatternSplitter(std::string pattern, Regex::Syntax syntax, Behavior behavior, bool invert,
                    const std::string& where)
        : regex_(pattern, syntax, where), behavior_(behavior), invert_(invert) {}

    void split(const PreTokenized& in, std::vector<PreTokenized::Piece>& out) const {
        for (const auto& piece : in.pieces)
            splitPiece(in.text, piece, out);
    }

private:
    struct Run {
        std::size_t begin, end;
        bool match;
    };

    void splitPiece(const std::string& text, const PreTokenized::Piece& piece,
                    std::vector<PreTokenized::Piece>& out) const {
        const std::string_view subject(text.data() + piece.begin, piece.end - piece.begin);
        thread_local std::vector<Run> runs;
        runs.clear();
        std::size_t prev = 0;
        regex_.forEachMatch(subject, [&](std::size_t b, std::size_t e) {
            if (prev != b) runs.push_back({prev, b, invert_});
            runs.push_back({b, e, !invert_});
            prev = e;
        });
        if (prev != subject.size()) runs.push_back({prev, subject.size(), invert_});

        const std::size_t first = out.size();
        auto emit = [&](std::size_t b, std::size_t e) {
            out.push_back({piece.begin + b, piece.begin + e, piece.atOrigin && b == 0});
        };
        switch (behavior_) {
        case Behavior::Removed:
            for (const auto& r : runs)
                if (!r.match) emit(r.begin, r.end);
            break;
        case Behavior::Isolated:
            for (const auto& r : runs)
                emit(r.begin, r.end);
            break;
        case Behavior::Contiguous: {
            bool previousMatch = false;
            for (const auto& r : runs) {
                if (r.match == previousMatch && out.size() > first)
                    out.back().end = piece.begin + r.end;
                else
                    emit(r.begin, r.end);
                previousMatch = r.match;
            }
            break;
        }
        case Behavior::MergedWithPrevious: {
            bool previousMatch = false;
            for (const auto& r : runs) {
                if (r.match && !previousMatch && out.size() > first)
                    out.back().end = piece.begin + r.end;
                else
                    emit(r.begin, r.end);
                previousMatch = r.match;
            }
            break;
        }
        case Behavior::MergedWithNext: {
            // Walk backwards: a match joins the part that follows it.
            bool previousMatch = false;
            for (std::size_t k = runs.size(); k-- > 0;) {
                const Run& r = runs[k];
                if (r.match && !previousMatch && out.size() > first)
                    out.back().begin = piece.begin + r.begin;
                else
                    out.push_back({piece.begin + r.begin, piece.begin + r.end, false});
                previousMatch = r.match;
            }
            std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
            for (std::size_t k = first; k < out.size(); ++k)
                out[k].atOrigin = piece.atOrigin && out[k].begin == piece.begin;
            break;
        }
        }
        // Empty parts are dropped.
        std::size_t w = first;
        for (std::size_t k = first; k < out.size(); ++k)
            if (out[k].end > out[k].begin) out[w++] = out[k];
        out.resize(w);
    }

    Regex regex_;
    Behavior behavior_;
    bool invert_;
};

class SplitPreTokenizer final : public PreTokenizer {
public:
    SplitPreTokenizer(std::string pattern, Regex::Syntax syntax, Behavior behavior, bool invert,
                      const std::string& where)
        : splitter_(std::move(pattern), syntax, behavior, invert, where) {}
    void apply(PreTokenized& pt, PreTokenized& scratch) const override {
        scratch.pieces.clear();
        splitter_.split(pt, scratch.pieces);
        pt.pieces.swap(scratch.pieces);
    }

private:
    PatternSplitter splitter_;
};

// GPT-2's pattern, used by ByteLevel when use_regex is true.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer final : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex, const std::string& where)
        : addPrefixSpace_(addPrefixSpace) {
        if (useRegex)
            splitter_ = std::make_unique<PatternSplitter>(kGpt2Pattern, Regex::Syntax::Pattern,
                                                          Behavior::Isolated, false, where);
    }
    void apply(PreTokenized& pt, PreTokenized& scratch) const override {
        // With a prefix space or a regex the raw bytes are first rewritten and
        // cut; the byte-level mapping then rewrites every resulting piece.
        PreTokenized* source = &pt;
        PreTokenized staged;
        if (addPrefixSpace_ || splitter_) {
            staged.text.reserve(pt.text.size() + pt.pieces.size());
            for (const auto& p : pt.pieces) {
                const std::size_t begin = staged.text.size();
                if (addPrefixSpace_ && pt.text[p.begin] != ' ') staged.text += ' ';
                staged.text.append(pt.text, p.begin, p.end - p.begin);
                staged.pieces.push_back({begin, staged.text.size(), p.atOrigin});
            }
            if (splitter_) {
                std::vector<PreTokenized::Piece> cut;
                splitter_->split(staged, cut);
                staged.pieces.swap(cut);
            }
            source = &staged;
        }
        scratch.text.clear();
        scratch.pieces.clear();
        scratch.text.reserve(source->text.size() + source->text.size() / 4);
        for (const auto& p : source->pieces) {
            const std::size_t begin = scratch.text.size();
            bytelevel::encode(std::string_view(source->text).substr(p.begin, p.end - p.begin),
                              scratch.text);
            scratch.pieces.push_back({begin, scratch.text.size(), p.atOrigin});
        }
        std::swap(pt, scratch);
    }

private:
    bool addPrefixSpace_;
    std::unique_ptr<PatternSplitter> splitter_;
};

class MetaspacePreTokenizer final : public PreTokenizer {
public:
    enum class Prepend { Always, First, Never };
    MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split,
                          const std::string& where)
        : replacement_(std::move(replacement)), prepend_(prepend) {
        if (split)
            splitter_ = std::make_unique<PatternSplitter>(replacement_, Regex::Syntax::Literal,
                                                          Behavior::MergedWithNext, false, where);
    }
    void apply(PreTokenized& pt, PreTokenized& scratch) const override {
        scratch.text.clear();
        scratch.pieces.clear();
        for (const auto& p : pt.pieces) {
            const std::size_t begin = scratch.text.size();
            const std::string_view piece(pt.text.data() + p.begin, p.end - p.begin);
            const bool startsWithReplacement =
                piece.substr(0, replacement_.size()) == replacement_ && !replacement_.empty();
            const bool startsWithSpace = !piece.empty() && piece[0] == ' ';
            // The prefix is decided on the text after spaces became the replacement.
            const bool prepend =
                !(startsWithReplacement || startsWithSpace) &&
                (prepend_ == Prepend::Always || (prepend_ == Prepend::First && p.atOrigin));
            if (prepend) scratch.text += replacement_;
            for (char c : piece) {
                if (c == ' ')
                    scratch.text += replacement_;
                else
                    scratch.text += c;
            }
            scratch.pieces.push_back({begin, scratch.text.size(), p.atOrigin});
        }
        std::swap(pt, scratch);
        if (splitter_) {
            scratch.pieces.clear();
            splitter_->split(pt, scratch.pieces);
            pt.pieces.swap(scratch.pieces);
        }
    }

private:
    std::string replacement_;
    Prepend prepend_;
    std::unique_ptr<PatternSplitter> splitter_;
};

class SequencePreTokenizer final : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts)
        : parts_(std::move(parts)) {}
    void apply(PreTokenized& pt, PreTokenized& scratch) const override {
        for (const auto& p : parts_)
            p->apply(pt, scratch);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

std::unique_ptr<PreTokenizer> splitBy(const char* pattern, Behavior behavior,
                                      const std::string& where) {
    return std::make_unique<SplitPreTokenizer>(pattern, Regex::Syntax::Pattern, behavior, false,
                                               where);
}

} // namespace

std::unique_ptr<PreTokenizer> makePreTokenizer(const nlohmann::json& spec,
                                               const std::string& where) {
    if (spec.is_null()) return nullptr;
    const std::string type = requireString(spec, "type", where + ": pre_tokenizer");
    const std::string at = where + ": pre_tokenizer " + type;
    if (type == "Split") {
        auto [pattern, syntax] = splitPattern(spec, at);
        return std::make_unique<SplitPreTokenizer>(
            pattern, syntax, parseBehavior(requireString(spec, "behavior", at), at),
            optionalBool(spec, "invert", false, at), at);
    }
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelPreTokenizer>(
            optionalBool(spec, "add_prefix_space", true, at),
            optionalBool(spec, "use_regex", true, at), at);
    if (type == "Digits")
        // Rust's char::is_numeric is the N category; each digit is one match.
        return splitBy(R"(\p{N})",
                       optionalBool(spec, "individual_digits", false, at) ? Behavior::Isolated
                                                                          : Behavior::Contiguous,
                       at);
    if (type == "Punctuation") {
        const std::string behavior = spec.contains("behavior") && spec["behavior"].is_string()
                                         ? spec["behavior"].get<std::string>()
                                         : "Isolated";
        // ASCII punctuation (as Rust's is_ascii_punctuation) or a Unicode P category.
        return splitBy(R"([\p{P}\x{21}-\x{2F}\x{3A}-\x{40}\x{5B}-\x{60}\x{7B}-\x{7E}])",
                       parseBehavior(behavior, at), at);
    }
    if (type == "Whitespace") {
        // \w+|[^\w\s]+ kept, the white space between them removed.
        return std::make_unique<SplitPreTokenizer>(R"(\w+|[^\w\s]+)", Regex::Syntax::Pattern,
                                                   Behavior::Removed, true, at);
    }
    if (type == "WhitespaceSplit") return splitBy(R"(\s+)", Behavior::Removed, at);
    if (type == "Metaspace") {
        std::string replacement = optionalString(spec, "replacement", at);
        if (replacement.empty()) replacement = "\xE2\x96\x81";
        MetaspacePreTokenizer::Prepend prepend = MetaspacePreTokenizer::Prepend::Always;
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
        return std::make_unique<MetaspacePreTokenizer>(replacement, prepend,
                                                       optionalBool(spec, "split", true, at), at);
    }
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (const auto& part : requireArray(spec, "pretokenizers", at))
            if (auto p = makePreTokenizer(part, where)) parts.push_back(std::move(p));
        return std::make_unique<SequencePreTokenizer>(std::move(parts));
    }
    throw TokenizerError(where + ": pre_tokenizer type '" + type +
                         "' is not supported (Split, ByteLevel, Digits, Metaspace, Punctuation, "
                         "Whitespace, WhitespaceSplit, Sequence are)");
}

} // namespace lv::hf
