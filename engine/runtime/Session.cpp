#include "runtime/Session.h"

#include "core/Error.h"
#include "runtime/ForwardPass.h"
#include "runtime/ModelState.h"
#include "runtime/SnapshotCodec.h"
#include "runtime/Workspace.h"

#include <algorithm>
#include <optional>

namespace lv {

namespace {

// Device state moves to and from snapshots in pieces of this size.
constexpr std::size_t kStreamPiece = std::size_t(4) << 20;
// An automatic prefill chunk halves down to this when its activations do not fit.
constexpr std::int64_t kSmallestAutomaticChunk = 128;

std::vector<SnapshotSection> sectionsFor(const std::vector<StateEntry>& layout,
                                         std::uint64_t tokens, DType kvDtype) {
    std::vector<SnapshotSection> out;
    for (const auto& e : layout) {
        const auto layer = std::int32_t(e.layer);
        if (e.kind == StateEntry::Kind::Attention) {
            const std::uint64_t n = tokens * std::uint64_t(e.kvRowElements) * dtypeSize(kvDtype);
            out.push_back({SnapshotSection::Kind::Key, layer, n});
            out.push_back({SnapshotSection::Kind::Value, layer, n});
        } else {
            out.push_back({SnapshotSection::Kind::Conv, layer,
                           std::uint64_t(e.convChannels * e.convTaps) * 4});
            out.push_back({SnapshotSection::Kind::Ssm, layer, std::uint64_t(e.ssmElements) * 4});
        }
    }
    return out;
}

// The device buffers behind the sections, in the same order, with their element type.
struct SectionBuffer {
    void* data;
    DType dtype;
};
std::vector<SectionBuffer> sectionBuffers(ModelState& state) {
    std::vector<SectionBuffer> out;
    for (std::size_t i = 0; i < state.layout().size(); ++i) {
        auto& s = state.slots()[i];
        if (state.layout()[i].kind == StateEntry::Kind::Attention) {
            out.push_back({s.key.data(), s.kvDtype});
            out.push_back({s.value.data(), s.kvDtype});
        } else {
            out.push_back({s.conv.data(), DType::F32});
            out.push_back({s.ssm.data(), DType::F32});
        }
    }
    return out;
}

// The state of each section moves between the device and the snapshot stream in pieces
// of at most kStreamPiece bytes. A snapshot holds each buffer in its own type; a restore
// converts sections written in another (a GPU's f16 KV cache restored on the CPU).
class SectionStreamer {
public:
    explicit SectionStreamer(Backend& be) : be_(be) {}

    template <class Fn> void save(const SectionBuffer& b, std::uint64_t bytes, Fn&& write) {
        const auto* src = static_cast<const std::uint8_t*>(b.data);
        for (std::uint64_t off = 0; off < bytes; off += kStreamPiece) {
            const std::size_t n = std::size_t(std::min<std::uint64_t>(kStreamPiece, bytes - off));
            if (be_.device() == DeviceKind::Cpu) {
                write(src + off, n);
            } else {
                raw_.resize(n);
                be_.download(raw_.data(), src + off, n);
                write(raw_.data(), n);
            }
        }
    }

    // The section holds `bytes` of elements of type `stored`; the buffer takes b.dtype.
    template <class Fn>
    void load(const SectionBuffer& b, DType stored, std::uint64_t bytes, Fn&& read) {
        auto* dst = static_cast<std::uint8_t*>(b.data);
        const std::size_t inSize = dtypeSize(stored), outSize = dtypeSize(b.dtype);
        for (std::uint64_t off = 0; off < bytes; off += kStreamPiece) {
            const std::size_t n = std::size_t(std::min<std::uint64_t>(kStreamPiece, bytes - off));
            if (stored == b.dtype && be_.device() == DeviceKind::Cpu) {
                read(dst + off, n);
                continue;
            }
            raw_.resize(n);
            read(raw_.data(), n);
            const void* piece = raw_.data();
            std::size_t pieceBytes = n;
            if (stored != b.dtype) {
                const std::size_t count = n / inSize;
                f32_.resize(count);
                floatsFrom(stored, raw_.data(), f32_.data(), count);
                converted_.resize(count * outSize);
                floatsTo(b.dtype, f32_.data(), converted_.data(), count);
                piece = converted_.data();
                pieceBytes = converted_.size();
            }
            be_.upload(dst + off / inSize * outSize, piece, pieceBytes);
        }
    }

private:
    Backend& be_;
    std::vector<std::uint8_t> raw_, converted_;
    std::vector<float> f32_;
};

// Why generation ends once `token` was fed, if it does: a stop token, then the callback's no.
std::optional<GenerateResult::Stop> stopAfterFed(std::int32_t token, bool more,
                                                 const std::vector<std::int32_t>& stops) {
    if (std::find(stops.begin(), stops.end(), token) != stops.end())
        return GenerateResult::Stop::StopToken;
    if (!more) return GenerateResult::Stop::Callback;
    return std::nullopt;
}

} // namespace

Session::Session(const Model& model, SessionOptions options)
    : model_(&model), options_(options), rng_(options.seed) {
    if (options_.prefillChunk < 0)
        throw EngineError("session: prefill chunk must be positive (or 0: the backend's), got " +
                          std::to_string(options_.prefillChunk));
    const bool automatic = options_.prefillChunk == 0;
    if (automatic) options_.prefillChunk = model.backend().preferredPrefillChunk();
    state_ = std::make_unique<ModelState>(model.backend(), stateLayout(model.spec()));
    for (;;) {
        try {
            workspace_ =
                std::make_unique<Workspace>(model.backend(), model.spec(), options_.prefillChunk);
            break;
        } catch (const DeviceError&) {
            // The backend's chunk does not fit beside this model on this device (a small GPU,
            // a large model): a smaller one reads as correctly, only slower. A chunk the
            // caller chose is the caller's to change.
            if (!automatic || options_.prefillChunk <= kSmallestAutomaticChunk) throw;
            options_.prefillChunk /= 2;
        }
    }
    recorded_ = std::make_unique<RecordedDecode>();
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

std::int64_t Session::contextLimit() const {
    const std::int64_t m = model_->info().contextLength;
    if (options_.maxContext > 0)
        return m > 0 ? std::min(m, options_.maxContext) : options_.maxContext;
    return m;
}

void Session::ensureCapacity(std::int64_t positions) {
    const std::int64_t limit = contextLimit();
    if (limit > 0 && positions > limit)
        throw EngineError("session: context full (" + std::to_string(positions) +
                          " positions needed, the limit is " + std::to_string(limit) + ")");
    state_->reserve(positions, position());
}

void Session::checkUsable() const {
    if (!broken_.empty())
        throw EngineError("session: state lost after an earlier failure (" + broken_ +
                          "); reset() or restore() it");
}

void Session::feed(std::span<const std::int32_t> tokens, std::vector<float>* allLogits,
                   const ProgressFn& progress) {
    checkUsable();
    const auto total = std::int64_t(tokens.size());
    if (total == 0) return;
    const std::int64_t vocab = model_->spec().vocab;
    for (auto id : tokens)
        if (id < 0 || id >= vocab)
            throw EngineError("session: token id " + std::to_string(id) +
                              " outside the vocabulary (0.." + std::to_string(vocab - 1) + ")");
    ensureCapacity(position() + total);
    if (allLogits) allLogits->assign(std::size_t(total * vocab), 0.0f);
    lastLogits_.resize(std::size_t(vocab));
    std::int64_t done = 0;
    while (done < total) {
        const std::int64_t n = std::min(options_.prefillChunk, total - done);
        const auto chunk = tokens.subspan(std::size_t(done), std::size_t(n));
        try {
            if (allLogits) {
                float* dst = allLogits->data() + done * vocab;
                forwardChunk(*model_, *state_, *workspace_, chunk, position(), LogitRows::All, dst);
                std::copy(dst + (n - 1) * vocab, dst + n * vocab, lastLogits_.begin());
                logitsOnDevice_ = false;
            } else if (n == 1 && options_.recordDecode) {
                forwardStep(*model_, *state_, *workspace_, *recorded_, chunk[0], position(),
                            nullptr);
                logitsOnDevice_ = true;
            } else {
                forwardChunk(*model_, *state_, *workspace_, chunk, position(), LogitRows::Last,
                             nullptr);
                logitsOnDevice_ = true;
            }
        } catch (const std::exception& e) {
            // Some layers may have advanced their state: it no longer matches the
            // tokens, so it must not be used (nor snapshotted) again.
            broken_ = e.what();
            throw;
        }
        tokens_.insert(tokens_.end(), chunk.begin(), chunk.end());
        done += n;
        if (progress && !progress(done, total) && done < total) throw Cancelled();
    }
}

const std::vector<float>& Session::prefill(std::span<const std::int32_t> tokens,
                                           const ProgressFn& progress) {
    feed(tokens, nullptr, progress);
    return lastLogits();
}

void Session::prefillAllLogits(std::span<const std::int32_t> tokens, std::vector<float>& allLogits,
                               const ProgressFn& progress) {
    feed(tokens, &allLogits, progress);
}

const std::vector<float>& Session::decode(std::int32_t token) {
    feed(std::span<const std::int32_t>(&token, 1), nullptr, {});
    return lastLogits();
}

const std::vector<float>& Session::lastLogits() const {
    pullLogits();
    return lastLogits_;
}

void Session::pullLogits() const {
    if (!logitsOnDevice_) return;
    model_->backend().download(lastLogits_.data(), workspace_->logits(1).data,
                               lastLogits_.size() * sizeof(float));
    logitsOnDevice_ = false;
}

std::int32_t Session::sample(const SamplingParams& params) {
    checkUsable();
    if (logitsOnDevice_ && isPlainGreedy(params)) {
        checkSamplingParams(params);
        std::int32_t token = 0;
        model_->backend().collectDownload(chooseOnDevice(&token));
        return token;
    }
    pullLogits();
    return sampleToken(lastLogits_, params, tokens_, rng_);
}

std::uint64_t Session::chooseOnDevice(std::int32_t* dst) {
    // The largest logit's index, lowest on ties as sampleToken picks it, written to the ids
    // row (the next step's input, where forwardStepInPlace takes it) and copied to dst.
    Backend& be = model_->backend();
    Tensor ids = workspace_->ids(1);
    be.argmax(workspace_->logits(1), ids);
    return be.queueDownload(dst, ids.data, sizeof(std::int32_t));
}

GenerateResult Session::generate(std::span<const std::int32_t> prompt,
                                 const GenerateOptions& options, const TokenFn& onToken) {
    if (!prompt.empty()) feed(prompt, nullptr, {}); // its logits stay where they are
    if (lastLogits_.empty())
        throw EngineError("generate: nothing to continue (empty prompt on an empty session)");
    std::vector<std::int32_t> stops = options.stopTokens;
    if (options.stopAtEos)
        stops.insert(stops.end(), model_->info().eosTokenIds.begin(),
                     model_->info().eosTokenIds.end());
    if (isPlainGreedy(options.sampling) && options_.recordDecode)
        return generateAhead(options, stops, onToken);
    GenerateResult result;
    const std::int64_t limit = contextLimit();
    while (std::int64_t(result.tokens.size()) < options.maxTokens) {
        const std::int32_t token = sample(options.sampling);
        result.tokens.push_back(token);
        const bool more = onToken ? onToken(token) : true;
        if (limit > 0 && position() >= limit) {
            result.stop = GenerateResult::Stop::ContextFull; // emitted, not fed
            return result;
        }
        // Every emitted token becomes part of the state; its logits stay where they are.
        feed(std::span<const std::int32_t>(&token, 1), nullptr, {});
        if (const auto stop = stopAfterFed(token, more, stops)) {
            result.stop = *stop;
            return result;
        }
    }
    result.stop = GenerateResult::Stop::MaxTokens;
    return result;
}

// Every emitted token is fed (unless the context is full, which the position alone tells),
// whatever onToken and the stop tokens say afterwards: so the step that feeds a token can be
// queued before the host has even read that token. Each round queues the step for the token
// chosen on the device, then the choice of the next one and a copy of it, and only then
// waits for the token before: the device runs a step ahead of the host, which never leaves
// it idle between tokens (the wait, the callback, the launch of the next step).
GenerateResult Session::generateAhead(const GenerateOptions& options,
                                      const std::vector<std::int32_t>& stops,
                                      const TokenFn& onToken) {
    checkUsable();
    checkSamplingParams(options.sampling);
    Backend& be = model_->backend();
    const std::int64_t limit = contextLimit();
    GenerateResult result;
    if (options.maxTokens <= 0) return result;
    // Token n lands in landed[n % 2] (the copy of n + 1 may be on its way meanwhile).
    std::int32_t landed[2] = {0, 0};
    std::uint64_t ticket = 0;
    bool pending = false; // a copy of the current token is queued (else it came from the host)
    if (logitsOnDevice_) {
        ticket = chooseOnDevice(&landed[0]);
        pending = true;
    } else {
        landed[0] = sampleToken(lastLogits_, options.sampling, tokens_, rng_);
        be.upload(workspace_->ids(1).data, &landed[0], sizeof(std::int32_t));
    }
    for (std::size_t n = 0;; ++n) {
        const std::int64_t pos = position();
        const bool fed = !(limit > 0 && pos >= limit);
        const bool another = fed && std::int64_t(n) + 1 < options.maxTokens;
        std::uint64_t nextTicket = 0;
        try {
            if (fed) {
                ensureCapacity(pos + 1);
                forwardStepInPlace(*model_, *state_, *workspace_, *recorded_, pos);
            }
            if (another) nextTicket = chooseOnDevice(&landed[(n + 1) % 2]);
            if (pending) be.collectDownload(ticket);
        } catch (const std::exception& e) {
            broken_ = e.what(); // a step may have run for a token the history does not have
            throw;
        }
        const std::int32_t token = landed[n % 2];
        result.tokens.push_back(token);
        if (fed) {
            tokens_.push_back(token);
            logitsOnDevice_ = true;
        }
        bool more = true;
        std::optional<GenerateResult::Stop> stop;
        try {
            more = onToken ? onToken(token) : true;
        } catch (...) {
            if (another) be.collectDownload(nextTicket); // no copy outlives `landed`
            throw;
        }
        if (!fed)
            stop = GenerateResult::Stop::ContextFull; // emitted, not fed
        else if (!(stop = stopAfterFed(token, more, stops)) && !another)
            stop = GenerateResult::Stop::MaxTokens;
        if (stop) {
            if (another) be.collectDownload(nextTicket); // the next choice, not needed
            result.stop = *stop;
            return result;
        }
        ticket = nextTicket;
        pending = true;
    }
}

void Session::reset() {
    broken_.clear();
    state_->clear();
    tokens_.clear();
    lastLogits_.clear();
    logitsOnDevice_ = false;
    rng_.reseed(options_.seed);
}

void Session::reseed(std::uint64_t seed) {
    rng_.reseed(seed);
}

std::uint64_t Session::snapshotBytes() const {
    SnapshotHeader h;
    h.tokenCount = std::uint64_t(position());
    h.logitsCount = lastLogits_.size();
    h.kvDtype = state_->kvDtype();
    h.sections = sectionsFor(state_->layout(), h.tokenCount, h.kvDtype);
    return h.totalBytes();
}

void Session::snapshot(const SnapshotSink& sink) const {
    checkUsable();
    pullLogits();
    Backend& be = model_->backend();
    SnapshotHeader h;
    h.fingerprint = model_->fingerprint();
    h.tokenCount = std::uint64_t(position());
    h.rng = rng_.state();
    h.logitsCount = lastLogits_.size();
    h.kvDtype = state_->kvDtype();
    h.sections = sectionsFor(state_->layout(), h.tokenCount, h.kvDtype);

    SnapshotWriter w(sink);
    w.header(h);
    w.payload(tokens_.data(), tokens_.size() * 4);
    w.payload(lastLogits_.data(), lastLogits_.size() * 4);
    const auto buffers = sectionBuffers(*state_);
    SectionStreamer streamer(be);
    for (std::size_t i = 0; i < buffers.size(); ++i)
        streamer.save(buffers[i], h.sections[i].bytes,
                      [&](const void* p, std::size_t n) { w.payload(p, n); });
    w.finish();
}

void Session::restore(const SnapshotSource& source) {
    Backend& be = model_->backend();
    SnapshotReader r(source);
    const SnapshotHeader h = r.header();
    if (h.fingerprint != model_->fingerprint())
        throw EngineError("snapshot: made for another model (fingerprint " + h.fingerprint +
                          ", this model is " + model_->fingerprint() + ")");
    const std::int64_t limit = contextLimit();
    if (h.tokenCount > (std::uint64_t(1) << 31) ||
        (limit > 0 && h.tokenCount > std::uint64_t(limit)))
        throw EngineError("snapshot: " + std::to_string(h.tokenCount) +
                          " tokens exceed this session's context limit");
    const auto vocab = std::uint64_t(model_->spec().vocab);
    if (h.sections != sectionsFor(state_->layout(), h.tokenCount, h.kvDtype) ||
        (h.logitsCount != 0 && h.logitsCount != vocab) ||
        ((h.logitsCount == 0) != (h.tokenCount == 0)))
        throw EngineError("snapshot: state layout does not match this model");

    // Everything is read into fresh buffers and only swapped in once the checksum holds.
    std::vector<std::int32_t> tokens(h.tokenCount);
    std::vector<float> logits(h.logitsCount);
    r.payload(tokens.data(), tokens.size() * 4);
    r.payload(logits.data(), logits.size() * 4);
    auto state = std::make_unique<ModelState>(be, state_->layout());
    state->reserve(std::int64_t(h.tokenCount), 0);
    const auto buffers = sectionBuffers(*state);
    SectionStreamer streamer(be);
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        const bool kv = h.sections[i].kind == SnapshotSection::Kind::Key ||
                        h.sections[i].kind == SnapshotSection::Kind::Value;
        streamer.load(buffers[i], kv ? h.kvDtype : DType::F32, h.sections[i].bytes,
                      [&](void* p, std::size_t n) { r.payload(p, n); });
    }
    r.finish();
    for (auto t : tokens)
        if (t < 0 || std::uint64_t(t) >= vocab)
            throw EngineError("snapshot: token id " + std::to_string(t) +
                              " outside the vocabulary");

    state_ = std::move(state);
    broken_.clear();
    tokens_ = std::move(tokens);
    lastLogits_ = std::move(logits);
    logitsOnDevice_ = false;
    rng_.setState(h.rng);
}

Session Session::fork() const {
    checkUsable();
    Session s(*model_, options_);
    *s.state_ = state_->clone(position());
    s.tokens_ = tokens_;
    s.lastLogits_ = lastLogits();
    s.rng_ = rng_;
    return s;
}

std::string Session::decodeMode() const {
    if (!options_.recordDecode) return "direct (recording off)";
    if (recorded_->disabled()) return "direct (" + recorded_->whyNot() + ")";
    return "recorded (" + std::to_string(recorded_->recordings()) + " recordings)";
}

std::size_t Session::stateBytes() const {
    return state_->allocatedBytes();
}
std::size_t Session::workspaceBytes() const {
    return workspace_->allocatedBytes();
}

} // namespace lv
