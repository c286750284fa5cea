// A conversation with a model: the state after the tokens fed so far (conv and SSM
// states per Mamba layer, KV cache per attention layer, position, token history, last
// logits, RNG), chunked cancellable prefill, decode, sampling, generation, and
// snapshot / restore / fork of the whole state as versioned, streamable bytes.
// One thread per Session; many Sessions may share a Model.
#pragma once

#include "model/Model.h"
#include "runtime/Sampler.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lv {

class ModelState;
class RecordedDecode;
class Workspace;

// Called after each prefill chunk; return false to cancel (prefill throws Cancelled).
using ProgressFn = std::function<bool(std::int64_t done, std::int64_t total)>;
// Called with each generated token; return false to stop generating.
using TokenFn = std::function<bool(std::int32_t token)>;
// Snapshot bytes go out through a sink and come back through a source, in pieces, so a
// multi-gigabyte state never needs one buffer. A source returns how many bytes it
// wrote to `dst` (fewer than asked only at the end of the data).
using SnapshotSink = std::function<void(const void* data, std::size_t bytes)>;
using SnapshotSource = std::function<std::size_t(void* dst, std::size_t bytes)>;

struct SessionOptions {
    // Tokens per forward pass during prefill; 0: the backend's choice
    // (Backend::preferredPrefillChunk: 512 on the CPU, 8192 on a GPU of 16 GiB or more),
    // halved while its activations do not fit in device memory.
    std::int64_t prefillChunk = 0;
    std::int64_t maxContext = 0; // 0: the model's context length (unlimited for SSMs)
    std::uint64_t seed = 0;      // sampling RNG seed
    // Replay one-token steps recorded by the backend (CUDA graphs; on an H200 1K decode goes
    // from 299 to 339 tok/s). Backends that cannot record run the ops directly.
    bool recordDecode = true;
};

struct GenerateOptions {
    std::int64_t maxTokens = 128;
    SamplingParams sampling;
    std::vector<std::int32_t> stopTokens; // generation ends after emitting one of them
    bool stopAtEos = true;                // also stop at the model's eos ids
};

struct GenerateResult {
    enum class Stop { MaxTokens, StopToken, Callback, ContextFull };
    std::vector<std::int32_t> tokens; // generated tokens, stop token included
    Stop stop = Stop::MaxTokens;
};

class Session {
public:
    explicit Session(const Model& model, SessionOptions options = {});
    ~Session();
    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;

    const Model& model() const { return *model_; }
    std::int64_t position() const { return std::int64_t(tokens_.size()); }
    std::int64_t contextLimit() const; // 0: none
    const std::vector<std::int32_t>& tokens() const { return tokens_; }
    // Logits after the last token fed; empty before the first.
    const std::vector<float>& lastLogits() const;

    // Feeds tokens in chunks of prefillChunk; returns the logits after the last one.
    // progress(done, total) runs after each chunk; when it returns false before the
    // end, throws Cancelled and the session holds exactly the chunks done so far.
    const std::vector<float>& prefill(std::span<const std::int32_t> tokens,
                                      const ProgressFn& progress = {});
    // Like prefill, and also fills `allLogits` with [tokens.size(), vocab] row-major.
    void prefillAllLogits(std::span<const std::int32_t> tokens, std::vector<float>& allLogits,
                          const ProgressFn& progress = {});
    // Feeds one token; returns the logits after it.
    const std::vector<float>& decode(std::int32_t token);

    // Draws the next token from lastLogits() with the session's RNG and history. Plain
    // greedy parameters (isPlainGreedy) pick it where the logits are, without moving them.
    std::int32_t sample(const SamplingParams& params);
    // Prefills `prompt` (may be empty to continue), then samples and feeds up to
    // maxTokens tokens, calling onToken for each as soon as it is chosen.
    GenerateResult generate(std::span<const std::int32_t> prompt, const GenerateOptions& options,
                            const TokenFn& onToken = {});

    // Back to position 0, RNG reseeded from the options. Also the way out after a
    // device failure in the middle of a forward pass, which leaves the state unusable
    // (every call then throws EngineError until reset() or a successful restore()).
    void reset();
    void reseed(std::uint64_t seed);

    // Writes the whole state; the bytes restore on any backend of the same model.
    void snapshot(const SnapshotSink& sink) const;
    std::uint64_t snapshotBytes() const;
    // Replaces the state with a snapshot's. A snapshot of another model, of another
    // format version, truncated or corrupt is refused with EngineError, leaving this
    // session unchanged: the new state is read into fresh device buffers beside the
    // current one and swapped in only once the payload checksum holds.
    void restore(const SnapshotSource& source);
    // An independent copy of this session (state, history, RNG).
    Session fork() const;

    // How one-token steps run: "recorded (N recordings)", or "direct" with the reason.
    std::string decodeMode() const;
    // The prefill chunk in use (the options' or, for 0, the backend's).
    std::int64_t prefillChunk() const { return options_.prefillChunk; }

    // Device bytes held for state and scratch.
    std::size_t stateBytes() const;
    std::size_t workspaceBytes() const;

private:
    void feed(std::span<const std::int32_t> tokens, std::vector<float>* allLogits,
              const ProgressFn& progress);
    void ensureCapacity(std::int64_t positions);
    // generate() for plain greedy sampling with recorded steps: the device a step ahead.
    GenerateResult generateAhead(const GenerateOptions& options,
                                 const std::vector<std::int32_t>& stops, const TokenFn& onToken);
    void checkUsable() const;
    // The last logits stay in the workspace after a forward pass and come to the host only
    // when something reads them: greedy generation on a GPU then moves 4 bytes a token
    // instead of the vocabulary's logits (400 KB for Granite's 100K), and waits less.
    void pullLogits() const;
    // Greedy choice where the logits are: into the ids row, a queued copy to dst (its ticket).
    std::uint64_t chooseOnDevice(std::int32_t* dst);

    const Model* model_;
    SessionOptions options_;
    std::unique_ptr<ModelState> state_;
    std::unique_ptr<Workspace> workspace_;
    std::unique_ptr<RecordedDecode> recorded_;
    std::vector<std::int32_t> tokens_;
    mutable std::vector<float> lastLogits_; // sized [vocab] once anything was fed
    mutable bool logitsOnDevice_ = false;   // lastLogits_ is stale: the workspace holds them
    Rng rng_;
    std::string broken_; // why the state is unusable; empty when it is fine
};

} // namespace lv
