// The BPE model of a tokenizer.json: vocabulary, ranked merges ("a b" or
// ["a","b"]), ignore_merges, byte fallback, unknown token, subword affixes.
#pragma once

#include "tokenizer/FastHash.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lv::hf {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};
using StringIdMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class BpeModel {
public:
    // Reads the "model" object of a tokenizer.json (type must be "BPE").
    BpeModel(const nlohmann::json& model, const std::string& where);

    // Appends the ids of one pre-tokenized word (no caching here).
    void tokenize(std::string_view word, std::vector<int32_t>& out) const;

    const StringIdMap& vocab() const { return vocab_; }
    // The id of a vocabulary entry, or -1 (the hot-path lookup).
    int32_t find(std::string_view piece) const {
        const uint64_t hash = hashBytes(piece);
        const auto tag = static_cast<uint32_t>(hash >> 32);
        for (std::size_t i = hash & vocabMask_;; i = (i + 1) & vocabMask_) {
            const VocabSlot& s = vocabSlots_[i];
            if (s.entry < 0) return -1;
            const auto& e = entries_[static_cast<std::size_t>(s.entry)];
            if (s.tag == tag && e.first == piece) return e.second;
        }
    }
    int32_t maxId() const { return maxId_; }

private:
    struct Merge {
        int32_t rank;
        int32_t id;
    };
    struct Symbol {
        int32_t id;
        uint32_t len; // bytes of the word it covers; 0 once merged away
        int32_t prev, next;
    };

    const Merge* findMerge(int32_t left, int32_t right) const {
        if (mergeKeys_.empty()) return nullptr;
        const uint64_t key = pairKey(left, right);
        for (std::size_t slot = mixBits(key) & mergeMask_;; slot = (slot + 1) & mergeMask_) {
            if (mergeKeys_[slot] == key) return &mergeValues_[slot];
            if (mergeKeys_[slot] == kEmptyKey) return nullptr;
        }
    }
    static uint64_t pairKey(int32_t a, int32_t b) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }
    void insertMerge(uint64_t key, Merge value);
    int32_t charId(std::string_view ch, bool first, bool last) const;
    void mergeSmall(std::vector<int32_t>& ids) const;
    void mergeLarge(std::vector<Symbol>& symbols) const;

    StringIdMap vocab_;
    // An open-addressing copy of vocab_ for lookups while encoding.
    struct VocabSlot {
        uint32_t tag = 0;
        int32_t entry = -1; // index into entries_
    };
    std::vector<VocabSlot> vocabSlots_;
    std::size_t vocabMask_ = 0;
    std::vector<std::pair<std::string_view, int32_t>> entries_; // views of vocab_'s keys
    int32_t maxId_ = -1;
    // Merges keyed by (left id, right id): an open-addressing table, since
    // looking them up is most of the work for a word not seen before.
    static constexpr uint64_t kEmptyKey = ~0ULL;
    std::vector<uint64_t> mergeKeys_;
    std::vector<Merge> mergeValues_;
    std::size_t mergeMask_ = 0;
    bool ignoreMerges_ = false;
    bool byteFallback_ = false;
    bool fuseUnk_ = false;
    int32_t unkId_ = -1;
    std::string prefix_; // continuing_subword_prefix
    std::string suffix_; // end_of_word_suffix
    // Ids of single characters below U+0800 (-1: not in the vocabulary), a
    // shortcut valid when there is no subword prefix or suffix.
    std::vector<int32_t> smallCharIds_;
    std::array<int32_t, 256> byteIds_{};
};

} // namespace lv::hf
