// tokenizer.json pre-tokenizers: Split (the model's regex), ByteLevel, Digits,
// Metaspace, Punctuation, Whitespace, WhitespaceSplit and Sequence.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace lv::hf {

// Receives pieces: (text, starts at offset 0 of the original input). A
// non-owning callable reference, cheap to pass down a chain of pre-tokenizers.
class PieceSink {
public:
    template <class F>
    PieceSink(F&& f) // NOLINT: implicit from any callable, like std::function_ref
        : object_(const_cast<void*>(static_cast<const void*>(&f))),
          call_([](void* o, std::string_view piece, bool atOrigin) {
              (*static_cast<std::remove_reference_t<F>*>(o))(piece, atOrigin);
          }) {}
    void operator()(std::string_view piece, bool atOrigin) const {
        call_(object_, piece, atOrigin);
    }

private:
    void* object_;
    void (*call_)(void*, std::string_view, bool);
};

// Working buffers of one encode call, one per rewriting step, so that pieces
// stream through the chain without copies of the whole text.
struct PreTokenizerScratch {
    std::vector<std::string> buffers;
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Cuts or rewrites `text` and passes each resulting non-empty piece to
    // `emit`, left to right. Views passed to emit live until emit returns.
    virtual void split(std::string_view text, bool atOrigin, PreTokenizerScratch& scratch,
                       PieceSink emit) const = 0;
    // Number of scratch buffers the pipeline needs.
    virtual std::size_t bufferCount() const = 0;
};

// Builds the pre-tokenizer described by a tokenizer.json "pre_tokenizer"
// object; nullptr for JSON null (or when nothing is left to do).
//
// When `fuseByteLevel` is given and the pipeline ends by mapping bytes to
// byte-level characters (ByteLevel without add_prefix_space), that last
// mapping is left out and *fuseByteLevel set: the caller maps the pieces
// itself, after looking them up in its cache by their raw bytes.
std::unique_ptr<PreTokenizer> makePreTokenizer(const nlohmann::json& spec, const std::string& where,
                                               bool* fuseByteLevel = nullptr);

} // namespace lv::hf
