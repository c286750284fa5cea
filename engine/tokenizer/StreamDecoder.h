// Incremental detokenization for streamed generation: text is released only
// when it ends on a complete UTF-8 character, so no broken character shows.
#pragma once

#include "tokenizer/Tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lv {

// Feed ids one at a time; the concatenation of everything returned by push()
// and finish() equals tokenizer.decode(all ids). Each returned piece is valid
// UTF-8 ending on a character boundary (a byte-fallback character split over
// several tokens appears once all of its bytes have arrived).
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, bool skipSpecial = true)
        : tokenizer_(tokenizer), skipSpecial_(skipSpecial) {}

    // Text that became final with this id (often empty while a character is
    // incomplete).
    std::string push(int32_t id);
    // Whatever is still held back, e.g. at the end of generation; resets.
    std::string finish();

private:
    const Tokenizer& tokenizer_;
    bool skipSpecial_;
    // Ids since `prefix_`: decoding a window that starts a few tokens back
    // keeps the spaces that decoders strip from a sequence's first token.
    std::vector<int32_t> ids_;
    std::size_t prefix_ = 0; // start of the decode window
    std::size_t read_ = 0;   // ids up to here have been emitted
    std::string emitted_;    // text of ids_[prefix_, read_)
};

} // namespace lv
