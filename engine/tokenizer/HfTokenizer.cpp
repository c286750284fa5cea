#include "tokenizer/HfTokenizer.h"

#include "tokenizer/BpeModel.h"
#include "tokenizer/ByteLevel.h"
#include "tokenizer/FastHash.h"
#include "tokenizer/HfDecoder.h"
#include "tokenizer/HfNormalizer.h"
#include "tokenizer/HfPreTokenizer.h"
#include "tokenizer/JsonFields.h"
#include "tokenizer/TokenizerFile.h"
#include "tokenizer/Utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace lv {

using hf::requireArray;
using hf::requireField;

// Word -> ids: an open-addressing table of 16-byte slots; each entry's key
// bytes and ids sit together in one pool, so that a hit touches two cache
// lines and allocates nothing.
struct HfTokenizer::WordCache {
    static constexpr std::size_t kMaxWordBytes = 256;
    static constexpr std::size_t kMaxEntries = 1 << 20;
    struct Slot {
        uint32_t tag = 0;       // high hash bits
        uint32_t offset = 0;    // entry in pool: key bytes, padding, ids
        uint16_t keyLength = 0; // 0: free slot (words are never empty)
        uint16_t idCount = 0;
    };
    std::vector<Slot> slots = std::vector<Slot>(1 << 12);
    std::size_t entries = 0;
    std::vector<char> pool;

    static uint32_t idsOffset(const Slot& s) { return (s.offset + s.keyLength + 3u) & ~3u; }

    // Words are short: comparing inline beats a call to memcmp.
    static bool sameBytes(const char* a, const char* b, std::size_t n) {
        while (n >= 8) {
            uint64_t x, y;
            std::memcpy(&x, a, 8);
            std::memcpy(&y, b, 8);
            if (x != y) return false;
            a += 8;
            b += 8;
            n -= 8;
        }
        for (std::size_t i = 0; i < n; ++i)
            if (a[i] != b[i]) return false;
        return true;
    }

    // The cached ids of word, or nullptr.
    const int32_t* find(std::string_view word, uint64_t hash, std::size_t& count) const {
        const std::size_t mask = slots.size() - 1;
        const auto tag = static_cast<uint32_t>(hash >> 32);
        for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
            const Slot& s = slots[i];
            if (s.keyLength == 0) return nullptr;
            if (s.tag == tag && s.keyLength == word.size() &&
                sameBytes(word.data(), pool.data() + s.offset, word.size())) {
                count = s.idCount;
                return reinterpret_cast<const int32_t*>(pool.data() + idsOffset(s));
            }
        }
    }

    void insert(std::string_view word, uint64_t hash, const int32_t* wordIds, std::size_t count) {
        if (count > 0xFFFF) return;
        if (entries >= kMaxEntries) clear();
        if ((entries + 1) * 2 > slots.size()) grow();
        const std::size_t mask = slots.size() - 1;
        std::size_t i = hash & mask;
        while (slots[i].keyLength != 0)
            i = (i + 1) & mask;
        Slot s{static_cast<uint32_t>(hash >> 32), static_cast<uint32_t>(pool.size()),
               static_cast<uint16_t>(word.size()), static_cast<uint16_t>(count)};
        pool.resize(idsOffset(s) + count * sizeof(int32_t));
        std::memcpy(pool.data() + s.offset, word.data(), word.size());
        std::memcpy(pool.data() + idsOffset(s), wordIds, count * sizeof(int32_t));
        slots[i] = s;
        ++entries;
    }

private:
    void grow() {
        std::vector<Slot> old(slots.size() * 2);
        old.swap(slots);
        const std::size_t mask = slots.size() - 1;
        for (const Slot& s : old) {
            if (s.keyLength == 0) continue;
            const uint64_t hash = hashBytes(std::string_view(pool.data() + s.offset, s.keyLength));
            std::size_t i = hash & mask;
            while (slots[i].keyLength != 0)
                i = (i + 1) & mask;
            slots[i] = s;
        }
    }
    void clear() {
        std::fill(slots.begin(), slots.end(), Slot{});
        entries = 0;
        pool.clear();
    }
};

namespace {

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
    return fromJsonText(readTokenizerFile(file), file);
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
        preTokenizer_ = hf::makePreTokenizer(root.value("pre_tokenizer", nlohmann::json()), where,
                                             &byteLevelLast_);
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
        if (root.contains("decoder") && root["decoder"].is_object() &&
            root["decoder"].value("type", "") == "ByteLevel") {
            // The bytes of every token, so that decoding is a concatenation.
            byteForms_.resize(pieces_.size());
            for (std::size_t id = 0; id < pieces_.size(); ++id)
                if (!bytelevel::decode(pieces_[id], byteForms_[id])) byteForms_[id] = pieces_[id];
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
    // The shared cache when free; a concurrent call works with its own.
    std::unique_lock<std::mutex> lock(cacheMutex_, std::try_to_lock);
    std::optional<WordCache> privateCache;
    if (!lock.owns_lock()) privateCache.emplace();
    WordCache& cache = lock.owns_lock() ? *cache_ : *privateCache;

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
    thread_local hf::PreTokenizerScratch scratch;
    thread_local std::string mapped;
    auto word = [&](std::string_view piece, bool) {
        // With the byte-level mapping fused, pieces are raw bytes: the cache
        // is keyed by them and only a miss pays for the mapping.
        auto modelInput = [&]() -> std::string_view {
            if (!byteLevelLast_) return piece;
            mapped.clear();
            bytelevel::encode(piece, mapped);
            return mapped;
        };
        if (piece.size() > WordCache::kMaxWordBytes) {
            model_->tokenize(modelInput(), out);
            return;
        }
        const uint64_t hash = hashBytes(piece);
        std::size_t count = 0;
        if (const int32_t* ids = cache.find(piece, hash, count)) {
            out.insert(out.end(), ids, ids + count);
            return;
        }
        const std::size_t before = out.size();
        model_->tokenize(modelInput(), out);
        cache.insert(piece, hash, out.data() + before, out.size() - before);
    };
    if (!preTokenizer_) {
        word(text, atOrigin);
    } else {
        if (scratch.buffers.size() < preTokenizer_->bufferCount())
            scratch.buffers.resize(preTokenizer_->bufferCount());
        preTokenizer_->split(text, atOrigin, scratch, word);
    }
    // Per-thread buffers keep their capacity, except a huge one.
    constexpr std::size_t kKeep = 1 << 20;
    if (mapped.capacity() > kKeep) std::string().swap(mapped);
    for (auto& b : scratch.buffers)
        if (b.capacity() > kKeep) std::string().swap(b);
}

std::string HfTokenizer::decode(std::span<const int32_t> ids, bool skipSpecial) const {
    if (!byteForms_.empty()) {
        std::string bytes;
        for (int32_t id : ids) {
            if (id < 0 || id >= vocabSize() || !hasPiece_[static_cast<std::size_t>(id)]) continue;
            if (skipSpecial && isSpecial(id)) continue;
            bytes += byteForms_[static_cast<std::size_t>(id)];
        }
        return utf8::isValid(bytes) ? bytes : utf8::repair(bytes);
    }
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
