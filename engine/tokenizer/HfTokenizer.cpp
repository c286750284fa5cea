#include "tokenizer/HfTokenizer.h"

#include "tokenizer/BpeModel.h"
#include "tokenizer/HfDecoder.h"
#include "tokenizer/HfNormalizer.h"
#include "tokenizer/HfPreTokenizer.h"
#include "tokenizer/JsonFields.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace lv {

using hf::requireArray;
using hf::requireField;

// Word -> ids, stored in one pool so that a hit costs no allocation.
struct HfTokenizer::WordCache {
    static constexpr std::size_t kMaxWordBytes = 256;
    static constexpr std::size_t kMaxEntries = 1 << 18;
    struct Span {
        uint32_t offset, count;
    };
    std::unordered_map<std::string, Span, hf::StringHash, std::equal_to<>> map;
    std::vector<int32_t> pool;

    void insert(std::string_view word, const int32_t* ids, std::size_t count) {
        if (map.size() >= kMaxEntries) {
            map.clear();
            pool.clear();
        }
        map.emplace(std::string(word),
                    Span{static_cast<uint32_t>(pool.size()), static_cast<uint32_t>(count)});
        pool.insert(pool.end(), ids, ids + count);
    }
};

namespace {

std::string readFile(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw TokenizerError(file.string() + ": no such tokenizer file");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw TokenizerError(file.string() + ": cannot be opened");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// The ids a post-processor puts around a single sequence.
void collectAffixes(const nlohmann::json& spec, const std::string& where,
                    std::vector<int32_t>& prefix, std::vector<int32_t>& suffix) {
    if (spec.is_null()) return;
    const std::string type = hf::requireString(spec, "type", where + ": post_processor");
    const std::string at = where + ": post_processor " + type;
    if (type == "ByteLevel") return;
    if (type == "Sequence") {
        for (const auto& p : requireArray(spec, "processors", at))
            collectAffixes(p, where, prefix, suffix);
        return;
    }
    if (type == "RobertaProcessing" || type == "BertProcessing") {
        auto idOf = [&](const char* key) {
            const auto& pair = requireField(spec, key, at);
            if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_integer())
                throw TokenizerError(at + ": field '" + key + "' must be [token, id]");
            return pair[1].get<int32_t>();
        };
        prefix.assign(1, idOf("cls"));
        suffix.assign(1, idOf("sep"));
        return;
    }
    if (type == "TemplateProcessing") {
        const auto& specials = requireField(spec, "special_tokens", at);
        std::vector<int32_t> before, after;
        bool seenSequence = false;
        for (const auto& piece : requireArray(spec, "single", at)) {
            if (piece.contains("Sequence")) {
                seenSequence = true;
                continue;
            }
            if (!piece.contains("SpecialToken"))
                throw TokenizerError(at + ": unexpected entry in 'single': " + piece.dump());
            const std::string name = hf::requireString(piece["SpecialToken"], "id", at);
            if (!specials.contains(name))
                throw TokenizerError(at + ": special token '" + name +
                                     "' is not listed in special_tokens");
            for (const auto& id : requireArray(specials[name], "ids", at + " " + name))
                (seenSequence ? after : before).push_back(id.get<int32_t>());
        }
        prefix = std::move(before);
        suffix = std::move(after);
        return;
    }
    throw TokenizerError(where + ": post_processor type '" + type +
                         "' is not supported (TemplateProcessing, RobertaProcessing, "
                         "BertProcessing, ByteLevel, Sequence are)");
}

} // namespace

std::unique_ptr<HfTokenizer> HfTokenizer::fromFile(const std::filesystem::path& file) {
    return fromJsonText(readFile(file), file);
}

std::unique_ptr<HfTokenizer> HfTokenizer::fromJsonText(std::string_view json,
                                                       const std::filesystem::path& source) {
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(json.begin(), json.end());
    } catch (const nlohmann::json::parse_error& e) {
        throw TokenizerError(source.string() + ": not valid JSON (byte " + std::to_string(e.byte) +
                             "): " + e.what());
    }
    if (!root.is_object())
        throw TokenizerError(source.string() + ": expected a tokenizer.json object at the top");
    return std::unique_ptr<HfTokenizer>(new HfTokenizer(root, source));
}

HfTokenizer::HfTokenizer(const nlohmann::json& root, const std::filesystem::path& source)
    : Tokenizer(source), cache_(std::make_unique<WordCache>()) {
    const std::string where = source.string();
    try {
        model_ = std::make_unique<hf::BpeModel>(requireField(root, "model", where), where);
        normalizer_ = hf::makeNormalizer(root.value("normalizer", nlohmann::json()), where);
        preTokenizer_ = hf::makePreTokenizer(root.value("pre_tokenizer", nlohmann::json()), where);
        decoder_ = hf::makeDecoder(root.value("decoder", nlohmann::json()), where);

        int32_t maxId = model_->maxId();
        if (root.contains("added_tokens") && !root["added_tokens"].is_null()) {
            const auto& list = requireArray(root, "added_tokens", where);
            for (std::size_t k = 0; k < list.size(); ++k) {
                const std::string at = where + ": added_tokens[" + std::to_string(k) + "]";
                const auto& t = list[k];
                AddedToken token;
                const auto& id = requireField(t, "id", at);
                if (!id.is_number_integer() || id.get<int64_t>() < 0)
                    throw TokenizerError(at + ": id must be a non-negative integer, got " +
                                         id.dump());
                token.id = id.get<int32_t>();
                token.content = hf::requireString(t, "content", at);
                token.singleWord = hf::optionalBool(t, "single_word", false, at);
                token.lstrip = hf::optionalBool(t, "lstrip", false, at);
                token.rstrip = hf::optionalBool(t, "rstrip", false, at);
                token.special = hf::optionalBool(t, "special", false, at);
                token.normalized = hf::optionalBool(t, "normalized", !token.special, at);
                maxId = std::max(maxId, token.id);
                added_.push_back(std::move(token));
            }
        }

        pieces_.assign(static_cast<std::size_t>(maxId + 1), std::string());
        hasPiece_.assign(pieces_.size(), false);
        for (const auto& [piece, id] : model_->vocab()) {
            pieces_[static_cast<std::size_t>(id)] = piece;
            hasPiece_[static_cast<std::size_t>(id)] = true;
        }
        std::vector<AddedToken> raw, normalized;
        std::vector<std::string> normalizedPatterns;
        for (const auto& t : added_) {
            pieces_[static_cast<std::size_t>(t.id)] = t.content;
            hasPiece_[static_cast<std::size_t>(t.id)] = true;
            if (t.special) special_.insert(t.id);
            if (t.normalized && normalizer_) {
                std::string pattern = t.content;
                normalizer_->normalize(pattern);
                normalized.push_back(t);
                normalizedPatterns.push_back(std::move(pattern));
            } else if (t.normalized) {
                normalized.push_back(t);
                normalizedPatterns.push_back(t.content);
            } else {
                raw.push_back(t);
            }
        }
        rawMatcher_ = AddedTokenMatcher(std::move(raw));
        normalizedMatcher_ =
            AddedTokenMatcher(std::move(normalized), std::move(normalizedPatterns));

        std::vector<int32_t> prefix, suffix;
        collectAffixes(root.value("post_processor", nlohmann::json()), where, prefix, suffix);
        for (int32_t id : prefix)
            if (id < 0 || id > maxId)
                throw TokenizerError(where + ": post_processor adds id " + std::to_string(id) +
                                     ", outside the vocabulary");
        for (int32_t id : suffix)
            if (id < 0 || id > maxId)
                throw TokenizerError(where + ": post_processor adds id " + std::to_string(id) +
                                     ", outside the vocabulary");
        if (!prefix.empty()) setBos(prefix.front());
        if (!suffix.empty()) setEos({suffix.back()});
        setSpecialAffixes(std::move(prefix), std::move(suffix));
    } catch (const nlohmann::json::exception& e) {
        // A value of the wrong JSON type somewhere the readers above did not check.
        throw TokenizerError(where + ": unexpected JSON content: " + e.what());
    }
}

HfTokenizer::~HfTokenizer() = default;

void HfTokenizer::encodeText(std::string_view text, std::vector<int32_t>& out) const {
    std::unique_lock<std::mutex> lock(cacheMutex_, std::try_to_lock);
    WordCache privateCache;
    WordCache& cache = lock.owns_lock() ? *cache_ : privateCache;

    std::vector<AddedTokenMatcher::Segment> segments, inner;
    if (rawMatcher_.empty()) {
        if (!text.empty()) segments.push_back({0, text.size(), -1});
    } else {
        rawMatcher_.split(text, segments);
    }
    std::string normalized;
    for (const auto& seg : segments) {
        if (seg.id >= 0) {
            out.push_back(seg.id);
            continue;
        }
        const std::string_view piece = text.substr(seg.begin, seg.end - seg.begin);
        std::string_view current = piece;
        if (normalizer_) {
            normalized.assign(piece);
            normalizer_->normalize(normalized);
            current = normalized;
        }
        inner.clear();
        if (normalizedMatcher_.empty()) {
            if (!current.empty()) inner.push_back({0, current.size(), -1});
        } else {
            normalizedMatcher_.split(current, inner);
        }
        for (const auto& part : inner) {
            if (part.id >= 0) {
                out.push_back(part.id);
                continue;
            }
            encodeNormalizedPiece(current.substr(part.begin, part.end - part.begin),
                                  seg.begin == 0 && part.begin == 0, cache, out);
        }
    }
}

void HfTokenizer::encodeNormalizedPiece(std::string_view text, bool atOrigin, WordCache& cache,
                                        std::vector<int32_t>& out) const {
    thread_local hf::PreTokenized pt, scratch;
    pt.reset(text, atOrigin);
    if (preTokenizer_) preTokenizer_->apply(pt, scratch);
    for (const auto& p : pt.pieces) {
        const std::string_view word(pt.text.data() + p.begin, p.end - p.begin);
        if (word.size() > WordCache::kMaxWordBytes) {
            model_->tokenize(word, out);
            continue;
        }
        auto hit = cache.map.find(word);
        if (hit != cache.map.end()) {
            const int32_t* ids = cache.pool.data() + hit->second.offset;
            out.insert(out.end(), ids, ids + hit->second.count);
            continue;
        }
        const std::size_t before = out.size();
        model_->tokenize(word, out);
        cache.insert(word, out.data() + before, out.size() - before);
    }
}

std::string HfTokenizer::decode(std::span<const int32_t> ids, bool skipSpecial) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
        if (id < 0 || id >= vocabSize() || !hasPiece_[static_cast<std::size_t>(id)]) continue;
        if (skipSpecial && isSpecial(id)) continue;
        tokens.push_back(pieces_[static_cast<std::size_t>(id)]);
    }
    if (!decoder_) {
        // Without a decoder Hugging Face joins the tokens with spaces.
        std::string joined;
        for (std::size_t k = 0; k < tokens.size(); ++k) {
            if (k) joined += ' ';
            joined += tokens[k];
        }
        return joined;
    }
    decoder_->decodeChain(tokens);
    std::string text;
    for (const auto& t : tokens)
        text += t;
    return text;
}

std::string HfTokenizer::tokenToPiece(int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    return pieces_[static_cast<std::size_t>(id)];
}

std::optional<int32_t> HfTokenizer::pieceToToken(std::string_view piece) const {
    for (const auto& t : added_)
        if (t.content == piece) return t.id;
    auto it = model_->vocab().find(piece);
    if (it == model_->vocab().end()) return std::nullopt;
    return it->second;
}

} // namespace lv
