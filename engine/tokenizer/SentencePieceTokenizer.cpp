#include "tokenizer/SentencePieceTokenizer.h"

#include "tokenizer/SentencePieceModelProto.h"
#include "tokenizer/TokenizerFile.h"

#include <sentencepiece_processor.h>

namespace lv {

namespace {

constexpr std::string_view kMetaSpace = "\xE2\x96\x81";

bool isPrintableNonSpace(char c) {
    return c > ' ' && c < 0x7F;
}

} // namespace

std::unique_ptr<SentencePieceTokenizer>
SentencePieceTokenizer::fromFile(const std::filesystem::path& file) {
    return std::unique_ptr<SentencePieceTokenizer>(
        new SentencePieceTokenizer(file, readTokenizerFile(file)));
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& file, std::string model)
    : Tokenizer(file), sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
    const auto status = sp_->LoadFromSerializedProto(model);
    if (!status.ok())
        throw TokenizerError(file.string() + ": not a sentencepiece model (" +
                             std::string(status.message()) + ")");
    pieceCount_ = sp_->GetPieceSize();
    if (pieceCount_ <= 0) throw TokenizerError(file.string() + ": the model has no pieces");

    const auto options = spm::readNormalizerOptions(model);
    addDummyPrefix_ = !options || options->addDummyPrefix;
    if (options && options->addDummyPrefix && !options->removeExtraWhitespaces) {
        if (auto edited = spm::withoutDummyPrefix(model)) {
            auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
            if (sp->LoadFromSerializedProto(*edited).ok()) noPrefix_ = std::move(sp);
        }
    }

    // Chunked encoding cuts "x y" into "...x" and "y..." (or " y..." without
    // the dummy prefix); exact when normalization gives the same "▁y" and no
    // piece contains "▁" after another character, so none can span the cut.
    chunkSafe_ = options && options->escapeWhitespaces && !options->treatWhitespaceAsSuffix &&
                 (options->addDummyPrefix || !options->removeExtraWhitespaces);
    if (!options || options->unigram) chunkBytes_ = 4 * 1024 * 1024;
    for (int id = 0; chunkSafe_ && id < pieceCount_; ++id) {
        const std::string& piece = sp_->IdToPiece(id);
        for (std::size_t at = piece.find(kMetaSpace, 1); at != std::string::npos;
             at = piece.find(kMetaSpace, at + 1)) {
            if (at < kMetaSpace.size() ||
                piece.compare(at - kMetaSpace.size(), kMetaSpace.size(), kMetaSpace) != 0) {
                chunkSafe_ = false;
                break;
            }
        }
    }

    if (sp_->bos_id() >= 0) {
        setBos(sp_->bos_id());
        setSpecialAffixes({sp_->bos_id()}, {});
    }
    if (sp_->eos_id() >= 0) setEos({sp_->eos_id()});
    rebuildMatcher();
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

void SentencePieceTokenizer::rebuildMatcher() {
    // Control pieces (<s>, </s>, ...) and <unk> are never produced from text
    // by sentencepiece itself; written literally they stand for themselves.
    matched_.clear();
    for (int id = 0; id < pieceCount_; ++id)
        if (sp_->IsControl(id) || sp_->IsUnknown(id)) {
            AddedToken t;
            t.id = id;
            t.content = sp_->IdToPiece(id);
            t.special = true;
            if (!t.content.empty()) matched_.push_back(t);
        }
    for (const auto& [id, piece] : extraPieces_) {
        AddedToken t;
        t.id = id;
        t.content = piece;
        t.special = extraSpecial_.count(id) != 0;
        matched_.push_back(t);
    }
    for (int32_t id : extraSpecial_) {
        if (id >= pieceCount_ || sp_->IsControl(id) || sp_->IsUnknown(id)) continue;
        AddedToken t;
        t.id = id;
        t.content = sp_->IdToPiece(id);
        t.special = true;
        matched_.push_back(t);
    }
    matcher_ = AddedTokenMatcher(matched_);
}

void SentencePieceTokenizer::addSpecialTokens(const std::vector<AddedToken>& tokens) {
    for (const auto& t : tokens) {
        if (t.id < 0) continue;
        if (t.id < pieceCount_) {
            if (sp_->IdToPiece(t.id) != t.content)
                throw TokenizerError(source().string() + ": added token " + std::to_string(t.id) +
                                     " '" + t.content + "' does not match the model's piece '" +
                                     sp_->IdToPiece(t.id) + "'");
        } else {
            extraPieces_[t.id] = t.content;
        }
        if (t.special) extraSpecial_.insert(t.id);
    }
    rebuildMatcher();
}

int32_t SentencePieceTokenizer::vocabSize() const {
    int32_t size = pieceCount_;
    for (const auto& [id, piece] : extraPieces_)
        size = std::max(size, id + 1);
    return size;
}

bool SentencePieceTokenizer::isSpecial(int32_t id) const {
    if (id >= 0 && id < pieceCount_ && (sp_->IsControl(id) || sp_->IsUnknown(id))) return true;
    return extraSpecial_.count(id) != 0;
}

std::string SentencePieceTokenizer::tokenToPiece(int32_t id) const {
    if (id >= 0 && id < pieceCount_) return sp_->IdToPiece(id);
    auto it = extraPieces_.find(id);
    return it == extraPieces_.end() ? std::string() : it->second;
}

std::optional<int32_t> SentencePieceTokenizer::pieceToToken(std::string_view piece) const {
    for (const auto& [id, p] : extraPieces_)
        if (p == piece) return id;
    const int id = sp_->PieceToId(piece);
    // PieceToId answers unk for anything unknown: only a real match counts.
    if (id < 0 || id >= pieceCount_ || sp_->IdToPiece(id) != piece) return std::nullopt;
    return id;
}

void SentencePieceTokenizer::encodeWith(const sentencepiece::SentencePieceProcessor& sp,
                                        std::string_view text, std::vector<int32_t>& out) const {
    std::vector<int> ids;
    const auto status = sp.Encode(text, &ids);
    if (!status.ok())
        throw TokenizerError(source().string() + ": sentencepiece could not encode the text (" +
                             std::string(status.message()) + ")");
    out.insert(out.end(), ids.begin(), ids.end());
}

void SentencePieceTokenizer::encodePiece(std::string_view text, bool atOrigin,
                                         std::vector<int32_t>& out) const {
    const auto& first = atOrigin || !noPrefix_ ? *sp_ : *noPrefix_;
    if (!chunkSafe_ || chunkBytes_ == 0 || text.size() <= chunkBytes_) {
        encodeWith(first, text, out);
        return;
    }
    std::size_t pos = 0;
    bool isFirst = true;
    while (pos < text.size()) {
        std::size_t cut = std::string_view::npos;
        if (text.size() - pos > chunkBytes_) {
            // The first "x y" (one space between two printable ASCII
            // characters) after the chunk size.
            for (std::size_t k = pos + chunkBytes_; k + 1 < text.size(); ++k)
                if (text[k] == ' ' && isPrintableNonSpace(text[k - 1]) &&
                    isPrintableNonSpace(text[k + 1])) {
                    cut = k;
                    break;
                }
        }
        const std::size_t end = cut == std::string_view::npos ? text.size() : cut;
        encodeWith(isFirst ? first : *sp_, text.substr(pos, end - pos), out);
        isFirst = false;
        if (cut == std::string_view::npos) break;
        pos = addDummyPrefix_ ? cut + 1 : cut;
    }
}

void SentencePieceTokenizer::encodeText(std::string_view text, std::vector<int32_t>& out) const {
    std::vector<AddedTokenMatcher::Segment> segments;
    matcher_.split(text, segments);
    for (const auto& seg : segments) {
        if (seg.id >= 0)
            out.push_back(seg.id);
        else
            encodePiece(text.substr(seg.begin, seg.end - seg.begin), seg.begin == 0, out);
    }
}

std::string SentencePieceTokenizer::decodeRun(const std::vector<int>& run) const {
    std::string text;
    auto decodeIds = [&](std::span<const int> ids) {
        std::string part;
        if (!sp_->Decode(std::vector<int>(ids.begin(), ids.end()), &part).ok()) part.clear();
        return part;
    };
    if (run.size() <= kDecodeChunk) return decodeIds(run);
    // sentencepiece builds an object per piece while decoding: long runs go in
    // chunks. A chunk after the first is decoded behind the piece before it,
    // whose own text is then cut off, so the chunk is not taken for the start
    // of the text (where a leading space would be dropped). Cuts avoid byte
    // pieces, which only form characters together.
    std::size_t pos = 0;
    std::string previousLead;
    while (pos < run.size()) {
        std::size_t end = std::min(run.size(), pos + kDecodeChunk);
        std::string lead;
        while (end < run.size()) {
            const int before = run[end - 1];
            if (!sp_->IsByte(run[end]) && !sp_->IsByte(before)) {
                lead = decodeIds(std::span<const int>(&run[end - 1], 1));
                if (!lead.empty()) break;
            }
            ++end;
        }
        if (pos == 0) {
            text += decodeIds(std::span<const int>(run.data(), end));
        } else {
            std::vector<int> withLead;
            withLead.reserve(end - pos + 1);
            withLead.push_back(run[pos - 1]);
            withLead.insert(withLead.end(), run.begin() + static_cast<std::ptrdiff_t>(pos),
                            run.begin() + static_cast<std::ptrdiff_t>(end));
            const std::string part = decodeIds(withLead);
            text.append(part, std::min(part.size(), previousLead.size()), std::string::npos);
        }
        previousLead = lead;
        pos = end;
    }
    return text;
}

std::string SentencePieceTokenizer::decode(std::span<const int32_t> ids, bool skipSpecial) const {
    std::string text;
    std::vector<int> run;
    auto flush = [&]() {
        if (run.empty()) return;
        text += decodeRun(run);
        run.clear();
    };
    for (int32_t id : ids) {
        if (id < 0) continue;
        if (isSpecial(id)) {
            if (skipSpecial) continue;
            flush();
            text += tokenToPiece(id);
            continue;
        }
        if (id >= pieceCount_) {
            auto it = extraPieces_.find(id);
            if (it == extraPieces_.end()) continue;
            flush();
            text += it->second;
            continue;
        }
        run.push_back(id);
    }
    flush();
    return text;
}

} // namespace lv
