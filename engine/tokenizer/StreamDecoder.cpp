#include "tokenizer/StreamDecoder.h"

#include "tokenizer/Utf8.h"

namespace lv {

namespace {

// Incomplete byte sequences decode to trailing U+FFFD; while text ends with
// one, more tokens may still complete the character.
bool endsWithReplacement(const std::string& s) {
    return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}

// A stall longer than this is a genuinely broken sequence: release it.
constexpr std::size_t kMaxHeldTokens = 8;

} // namespace

std::string StreamDecoder::push(int32_t id) {
    ids_.push_back(id);
    const std::span<const int32_t> window(ids_.data() + prefix_, ids_.size() - prefix_);
    std::string text = tokenizer_.decode(window, skipSpecial_);
    if (text.size() <= emitted_.size() || text.compare(0, emitted_.size(), emitted_) != 0) {
        // Nothing new yet, or the decoder rewrote earlier text (it cannot
        // for the supported decoders): wait for more ids.
        if (ids_.size() - read_ <= kMaxHeldTokens) return {};
    }
    if (endsWithReplacement(text) && ids_.size() - read_ <= kMaxHeldTokens) return {};
    std::string fresh =
        text.size() > emitted_.size() ? text.substr(emitted_.size()) : std::string();
    // The next window starts at the ids emitted last, so that a leading space
    // of the next token survives the decoder's first-token rules.
    prefix_ = read_;
    read_ = ids_.size();
    const std::span<const int32_t> kept(ids_.data() + prefix_, read_ - prefix_);
    emitted_ = tokenizer_.decode(kept, skipSpecial_);
    if (prefix_ > 0) {
        ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_));
        read_ -= prefix_;
        prefix_ = 0;
    }
    return fresh;
}

std::string StreamDecoder::finish() {
    std::string rest;
    if (read_ < ids_.size()) {
        const std::span<const int32_t> window(ids_.data() + prefix_, ids_.size() - prefix_);
        std::string text = tokenizer_.decode(window, skipSpecial_);
        if (text.size() > emitted_.size()) rest = text.substr(emitted_.size());
    }
    ids_.clear();
    prefix_ = read_ = 0;
    emitted_.clear();
    return rest;
}

} // namespace lv
