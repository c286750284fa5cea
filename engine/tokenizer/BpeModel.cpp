#include "tokenizer/BpeModel.h"

#include "tokenizer/JsonFields.h"
#include "tokenizer/Tokenizer.h"
#include "tokenizer/Utf8.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <limits>
#include <queue>

namespace lv::hf {

namespace {

// Words up to this many symbols merge by rescanning a small array; longer
// ones use a priority queue so that a huge word costs O(n log n).
constexpr std::size_t kSmallWord = 64;

// Per-thread scratch keeps its capacity between words, except after a huge
// word: that memory goes back rather than staying with the thread.
template <class T> void releaseIfHuge(std::vector<T>& v) {
    if (v.capacity() > (1u << 16)) std::vector<T>().swap(v);
}

} // namespace

BpeModel::BpeModel(const nlohmann::json& model, const std::string& where) {
    const std::string at = where + ": model";
    if (!model.is_object()) throw TokenizerError(at + ": expected a JSON object");
    const std::string type = model.contains("type") && model["type"].is_string()
                                 ? model["type"].get<std::string>()
                                 : std::string("BPE"); // old files leave the type out
    if (type != "BPE")
        throw TokenizerError(at + ": model type '" + type +
                             "' is not supported (only BPE tokenizer.json files are)");

    const auto& vocab = requireField(model, "vocab", at);
    if (!vocab.is_object())
        throw TokenizerError(at + ": field 'vocab' must be an object of token -> id");
    vocab_.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
            it.value().get<int64_t>() > std::numeric_limits<int32_t>::max())
            throw TokenizerError(at + ": vocab entry '" + it.key() + "' has id " +
                                 it.value().dump() + ", expected a non-negative integer");
        const auto id = static_cast<int32_t>(it.value().get<int64_t>());
        vocab_.emplace(it.key(), id);
        maxId_ = std::max(maxId_, id);
    }

    {
        std::size_t capacity = 16;
        while (capacity < vocab_.size() * 2)
            capacity <<= 1;
        vocabSlots_.assign(capacity, VocabSlot{});
        vocabMask_ = capacity - 1;
        entries_.reserve(vocab_.size());
        for (const auto& [piece, id] : vocab_) {
            const uint64_t hash = hashBytes(piece);
            std::size_t i = hash & vocabMask_;
            while (vocabSlots_[i].entry >= 0)
                i = (i + 1) & vocabMask_;
            vocabSlots_[i] = {static_cast<uint32_t>(hash >> 32),
                              static_cast<int32_t>(entries_.size())};
            entries_.emplace_back(piece, id);
        }
    }

    ignoreMerges_ = optionalBool(model, "ignore_merges", false, at);
    byteFallback_ = optionalBool(model, "byte_fallback", false, at);
    fuseUnk_ = optionalBool(model, "fuse_unk", false, at);
    prefix_ = optionalString(model, "continuing_subword_prefix", at);
    suffix_ = optionalString(model, "end_of_word_suffix", at);
    const std::string unk = optionalString(model, "unk_token", at);
    if (!unk.empty()) {
        auto u = vocab_.find(unk);
        if (u == vocab_.end())
            throw TokenizerError(at + ": unk_token '" + unk + "' is not in the vocabulary");
        unkId_ = u->second;
    }

    const auto& merges = requireArray(model, "merges", at);
    std::size_t capacity = 16;
    while (capacity < merges.size() * 2)
        capacity <<= 1;
    mergeKeys_.assign(capacity, kEmptyKey);
    mergeValues_.assign(capacity, Merge{0, 0});
    mergeMask_ = capacity - 1;
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& m = merges[rank];
        std::string left, right;
        if (m.is_string()) {
            const std::string line = m.get<std::string>();
            const auto space = line.find(' ');
            if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
                throw TokenizerError(at + ": merges[" + std::to_string(rank) + "] '" + line +
                                     "' is not two tokens separated by one space");
            left = line.substr(0, space);
            right = line.substr(space + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            left = m[0].get<std::string>();
            right = m[1].get<std::string>();
        } else {
            throw TokenizerError(at + ": merges[" + std::to_string(rank) + "] is " + m.dump() +
                                 ", expected \"a b\" or [\"a\", \"b\"]");
        }
        auto l = vocab_.find(left);
        auto r = vocab_.find(right);
        if (l == vocab_.end() || r == vocab_.end())
            throw TokenizerError(at + ": merges[" + std::to_string(rank) + "] uses '" +
                                 (l == vocab_.end() ? left : right) +
                                 "', which is not in the vocabulary");
        std::string merged = left;
        merged += !prefix_.empty() && right.compare(0, prefix_.size(), prefix_) == 0
                      ? right.substr(prefix_.size())
                      : right;
        auto m2 = vocab_.find(merged);
        if (m2 == vocab_.end())
            throw TokenizerError(at + ": merges[" + std::to_string(rank) + "] makes '" + merged +
                                 "', which is not in the vocabulary");
        // A pair listed twice keeps its last rank, as a Rust HashMap collect does.
        insertMerge(pairKey(l->second, r->second), {static_cast<int32_t>(rank), m2->second});
    }

    if (prefix_.empty() && suffix_.empty()) {
        smallCharIds_.assign(0x800, -1);
        std::string ch;
        for (char32_t cp = 0; cp < 0x800; ++cp) {
            ch.clear();
            utf8::append(ch, cp);
            auto it = vocab_.find(ch);
            if (it != vocab_.end()) smallCharIds_[cp] = it->second;
        }
    }
    char name[8];
    for (int b = 0; b < 256; ++b) {
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        auto it = vocab_.find(std::string_view(name));
        byteIds_[b] = it == vocab_.end() ? -1 : it->second;
    }
}

void BpeModel::insertMerge(uint64_t key, Merge value) {
    for (std::size_t slot = mixBits(key) & mergeMask_;; slot = (slot + 1) & mergeMask_) {
        if (mergeKeys_[slot] == kEmptyKey || mergeKeys_[slot] == key) {
            mergeKeys_[slot] = key;
            mergeValues_[slot] = value;
            return;
        }
    }
}

int32_t BpeModel::charId(std::string_view ch, bool first, bool last) const {
    if (!smallCharIds_.empty()) {
        std::size_t i = 0;
        char32_t cp = 0;
        if (utf8::decode(ch, i, cp) && cp < smallCharIds_.size()) return smallCharIds_[cp];
        return find(ch);
    }
    std::string s;
    if (!first) s += prefix_;
    s += ch;
    if (last) s += suffix_;
    auto it = vocab_.find(s);
    return it == vocab_.end() ? -1 : it->second;
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
    if (word.empty()) return;
    if (ignoreMerges_) {
        const int32_t id = find(word);
        if (id >= 0) {
            out.push_back(id);
            return;
        }
    }

    // The word's characters as symbols; unknown characters fall back to byte
    // tokens, then to the unknown token, or are dropped (Hugging Face's rules).
    thread_local std::vector<Symbol> symbols;
    symbols.clear();
    int32_t pendingUnk = -1;
    uint32_t pendingUnkLen = 0;
    auto add = [&](int32_t id, uint32_t len) {
        symbols.push_back({id, len, static_cast<int32_t>(symbols.size()) - 1,
                           static_cast<int32_t>(symbols.size()) + 1});
    };
    std::size_t i = 0;
    while (i < word.size()) {
        const std::size_t start = i;
        char32_t cp = 0;
        utf8::decode(word, i, cp);
        const std::string_view ch = word.substr(start, i - start);
        const auto len = static_cast<uint32_t>(ch.size());
        const int32_t id = charId(ch, start == 0, i == word.size());
        if (id >= 0) {
            if (pendingUnk >= 0) {
                add(pendingUnk, pendingUnkLen);
                pendingUnk = -1;
            }
            add(id, len);
            continue;
        }
        if (byteFallback_) {
            bool all = true;
            for (unsigned char b : ch)
                all = all && byteIds_[b] >= 0;
            if (all) {
                for (unsigned char b : ch)
                    add(byteIds_[b], 1);
                continue;
            }
        }
        if (unkId_ >= 0) {
            if (pendingUnk >= 0 && fuseUnk_) {
                pendingUnkLen += len;
            } else {
                if (pendingUnk >= 0) add(pendingUnk, pendingUnkLen);
                pendingUnk = unkId_;
                pendingUnkLen = len;
            }
        }
    }
    if (pendingUnk >= 0) add(pendingUnk, pendingUnkLen);
    if (symbols.empty()) return;
    symbols.back().next = -1;

    if (symbols.size() <= kSmallWord) {
        thread_local std::vector<int32_t> ids;
        ids.clear();
        for (const auto& s : symbols)
            ids.push_back(s.id);
        mergeSmall(ids);
        out.insert(out.end(), ids.begin(), ids.end());
        return;
    }
    mergeLarge(symbols);
    for (const auto& s : symbols)
        if (s.len != 0) out.push_back(s.id);
    releaseIfHuge(symbols);
}

// Repeatedly merges the lowest-ranked adjacent pair, leftmost first among
// equal ranks: the same order as the priority queue below.
void BpeModel::mergeSmall(std::vector<int32_t>& ids) const {
    constexpr int32_t kNone = std::numeric_limits<int32_t>::max();
    thread_local std::vector<int32_t> ranks, results;
    const std::size_t n = ids.size();
    if (n < 2) return;
    ranks.resize(n - 1);
    results.resize(n - 1);
    for (std::size_t k = 0; k + 1 < n; ++k) {
        const Merge* m = findMerge(ids[k], ids[k + 1]);
        ranks[k] = m ? m->rank : kNone;
        results[k] = m ? m->id : -1;
    }
    while (ids.size() > 1) {
        std::size_t best = 0;
        int32_t bestRank = kNone;
        for (std::size_t k = 0; k + 1 < ids.size(); ++k)
            if (ranks[k] < bestRank) {
                bestRank = ranks[k];
                best = k;
            }
        if (bestRank == kNone) break;
        ids[best] = results[best];
        ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        ranks.erase(ranks.begin() + static_cast<std::ptrdiff_t>(best));
        results.erase(results.begin() + static_cast<std::ptrdiff_t>(best));
        auto refresh = [&](std::size_t k) {
            const Merge* m = findMerge(ids[k], ids[k + 1]);
            ranks[k] = m ? m->rank : kNone;
            results[k] = m ? m->id : -1;
        };
        if (best > 0) refresh(best - 1);
        if (best + 1 < ids.size()) refresh(best);
    }
}

void BpeModel::mergeLarge(std::vector<Symbol>& symbols) const {
    struct Candidate {
        int32_t rank;
        int32_t pos;
        int32_t id;
        bool operator<(const Candidate& o) const {
            // std::priority_queue pops the largest: invert to pop the lowest
            // rank, then the leftmost position.
            return rank != o.rank ? rank > o.rank : pos > o.pos;
        }
    };
    std::priority_queue<Candidate> queue;
    for (std::size_t k = 0; k + 1 < symbols.size(); ++k)
        if (const Merge* m = findMerge(symbols[k].id, symbols[k + 1].id))
            queue.push({m->rank, static_cast<int32_t>(k), m->id});
    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<std::size_t>(top.pos)];
        if (left.len == 0 || left.next < 0) continue;
        Symbol& right = symbols[static_cast<std::size_t>(left.next)];
        // Skip entries made stale by an earlier merge of either symbol.
        const Merge* current = findMerge(left.id, right.id);
        if (!current || current->id != top.id) continue;
        left.id = top.id;
        left.len += right.len;
        left.next = right.next;
        right.len = 0;
        if (left.next >= 0) symbols[static_cast<std::size_t>(left.next)].prev = top.pos;
        if (left.prev >= 0)
            if (const Merge* m =
                    findMerge(symbols[static_cast<std::size_t>(left.prev)].id, left.id))
                queue.push({m->rank, left.prev, m->id});
        if (left.next >= 0)
            if (const Merge* m =
                    findMerge(left.id, symbols[static_cast<std::size_t>(left.next)].id))
                queue.push({m->rank, top.pos, m->id});
    }
}

} // namespace lv::hf
