#include "backend/ForwardingBackend.h"

namespace lv {

void ForwardingBackend::upload(void* dst, const void* src, std::size_t bytes) {
    around("upload", nullptr, [&] { inner_->upload(dst, src, bytes); });
}
void ForwardingBackend::download(void* dst, const void* src, std::size_t bytes) {
    around("download", nullptr, [&] { inner_->download(dst, src, bytes); });
}
std::uint64_t ForwardingBackend::queueDownload(void* dst, const void* src, std::size_t bytes) {
    std::uint64_t ticket = 0;
    around("queueDownload", nullptr, [&] { ticket = inner_->queueDownload(dst, src, bytes); });
    return ticket;
}
void ForwardingBackend::collectDownload(std::uint64_t ticket) {
    around("collectDownload", nullptr, [&] { inner_->collectDownload(ticket); });
}
void ForwardingBackend::copy(void* dst, const void* src, std::size_t bytes) {
    around("copy", nullptr, [&] { inner_->copy(dst, src, bytes); });
}
void ForwardingBackend::fill(void* dst, float value, std::int64_t count) {
    around("fill", nullptr, [&] { inner_->fill(dst, value, count); });
}

void ForwardingBackend::embedding(const Tensor& ids, const Tensor& table, float scale,
                                  Tensor& out) {
    around("embedding", nullptr, [&] { inner_->embedding(ids, table, scale, out); });
}
void ForwardingBackend::linear(const Tensor& x, const Tensor& weight, const Tensor* bias,
                               float scale, Tensor& out, ProductOut mode) {
    around("linear", &weight, [&] { inner_->linear(x, weight, bias, scale, out, mode); });
}
void ForwardingBackend::rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) {
    around("rmsNorm", nullptr, [&] { inner_->rmsNorm(x, weight, eps, out); });
}
void ForwardingBackend::gatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& weight,
                                     std::int64_t groupSize, float eps, bool normBeforeGate,
                                     Tensor& out) {
    around("gatedRmsNorm", nullptr,
           [&] { inner_->gatedRmsNorm(x, z, weight, groupSize, eps, normBeforeGate, out); });
}
void ForwardingBackend::addScaled(const Tensor& a, const Tensor& b, float scale, Tensor& out) {
    around("addScaled", nullptr, [&] { inner_->addScaled(a, b, scale, out); });
}
void ForwardingBackend::scale(Tensor& x, float scale) {
    around("scale", nullptr, [&] { inner_->scale(x, scale); });
}
void ForwardingBackend::addRmsNorm(Tensor& x, const Tensor& delta, float scale,
                                   const Tensor& weight, float eps, Tensor& normed) {
    around("addRmsNorm", nullptr,
           [&] { inner_->addRmsNorm(x, delta, scale, weight, eps, normed); });
}
void ForwardingBackend::swiglu(const Tensor& gate, const Tensor& up, Tensor& out) {
    around("swiglu", nullptr, [&] { inner_->swiglu(gate, up, out); });
}
void ForwardingBackend::linearOfSwiglu(const Tensor& gate, const Tensor& up, const Tensor& weight,
                                       const Tensor* bias, float scale, Tensor& out,
                                       Tensor& scratch, ProductOut mode) {
    around("linearOfSwiglu", &weight,
           [&] { inner_->linearOfSwiglu(gate, up, weight, bias, scale, out, scratch, mode); });
}
void ForwardingBackend::linearOfGatedRmsNorm(const Tensor& x, const Tensor& z,
                                             const Tensor& normWeight, std::int64_t groupSize,
                                             float eps, bool normBeforeGate, const Tensor& weight,
                                             const Tensor* bias, float scale, Tensor& out,
                                             Tensor& scratch, ProductOut mode) {
    around("linearOfGatedRmsNorm", &weight, [&] {
        inner_->linearOfGatedRmsNorm(x, z, normWeight, groupSize, eps, normBeforeGate, weight, bias,
                                     scale, out, scratch, mode);
    });
}
void ForwardingBackend::linearOfAddRmsNorm(Tensor& x, const Tensor& delta, float scale,
                                           const Tensor& normWeight, float eps, Tensor& xOut,
                                           const Tensor& weight, const Tensor* bias, float lscale,
                                           Tensor& out) {
    around("linearOfAddRmsNorm", &weight, [&] {
        inner_->linearOfAddRmsNorm(x, delta, scale, normWeight, eps, xOut, weight, bias, lscale,
                                   out);
    });
}
void ForwardingBackend::fusedLinear(const Tensor& x, const ResidualNorm* fold, const Tensor& weight,
                                    const Tensor* bias, float scale, Tensor& out,
                                    const ConvOfColumns* conv) {
    around("fusedLinear", &weight,
           [&] { inner_->fusedLinear(x, fold, weight, bias, scale, out, conv); });
}
void ForwardingBackend::reluSquared(Tensor& x) {
    around("reluSquared", nullptr, [&] { inner_->reluSquared(x); });
}
void ForwardingBackend::silu(Tensor& x) {
    around("silu", nullptr, [&] { inner_->silu(x); });
}
void ForwardingBackend::causalConv1d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                                     Tensor& state, bool applySilu, Tensor& out) {
    around("causalConv1d", nullptr,
           [&] { inner_->causalConv1d(x, weight, bias, state, applySilu, out); });
}
void ForwardingBackend::ssdScan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                                const Tensor& C, const Tensor& D, const Tensor& dtBias,
                                const SsdParams& params, Tensor& state, Tensor& y) {
    around("ssdScan", nullptr,
           [&] { inner_->ssdScan(x, dt, A, B, C, D, dtBias, params, state, y); });
}
void ForwardingBackend::selectiveScan(const Tensor& u, const Tensor& dt, const Tensor& A,
                                      const Tensor& B, const Tensor& C, const Tensor& Dskip,
                                      const Tensor& dtBias, Tensor& state, Tensor& y) {
    around("selectiveScan", nullptr,
           [&] { inner_->selectiveScan(u, dt, A, B, C, Dskip, dtBias, state, y); });
}
void ForwardingBackend::rope(Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim) {
    around("rope", nullptr, [&] { inner_->rope(x, pos0, theta, rotaryDim); });
}
void ForwardingBackend::storeRows(const Tensor& src, Tensor& dst, std::int64_t row0) {
    around("storeRows", nullptr, [&] { inner_->storeRows(src, dst, row0); });
}
void ForwardingBackend::ropeAndAppend(Tensor& q, Tensor& k, const Tensor& v, Tensor& kCache,
                                      Tensor& vCache, std::int64_t pos0, float theta,
                                      std::int64_t rotaryDim) {
    around("ropeAndAppend", nullptr,
           [&] { inner_->ropeAndAppend(q, k, v, kCache, vCache, pos0, theta, rotaryDim); });
}
void ForwardingBackend::attention(const Tensor& q, const Tensor& kCache, const Tensor& vCache,
                                  std::int64_t pos0, float scale, Tensor& out) {
    around("attention", nullptr, [&] { inner_->attention(q, kCache, vCache, pos0, scale, out); });
}
void ForwardingBackend::topkRouting(const Tensor& logits, std::int64_t k, bool softmaxFirst,
                                    bool renormalize, Tensor& indices, Tensor& weights) {
    around("topkRouting", nullptr,
           [&] { inner_->topkRouting(logits, k, softmaxFirst, renormalize, indices, weights); });
}
void ForwardingBackend::moeSwiglu(const Tensor& x, const MoeWeights& experts, const Tensor& indices,
                                  const Tensor& weights, Tensor& out) {
    around("moeSwiglu", nullptr, [&] { inner_->moeSwiglu(x, experts, indices, weights, out); });
}
void ForwardingBackend::routedMoeSwiglu(const Tensor& x, const Tensor& logits,
                                        const MoeRouting& routing, const MoeWeights& experts,
                                        Tensor& indices, Tensor& weights, Tensor& out) {
    around("routedMoeSwiglu", nullptr,
           [&] { inner_->routedMoeSwiglu(x, logits, routing, experts, indices, weights, out); });
}
void ForwardingBackend::argmax(const Tensor& logits, Tensor& indices) {
    around("argmax", nullptr, [&] { inner_->argmax(logits, indices); });
}

} // namespace lv
